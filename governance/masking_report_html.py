"""The masking report as people and machines read it: grouped by run, then by table (its leak-scan verdict
and k/l summary in the table's header), then the marts' leak scans. Self-contained HTML (inline CSS, no
script, font or image from anywhere); China time throughout; counts and names only, never a value.

Records are the rows of ``governance.masking_report`` and ``governance.leak_scans`` as dicts; this module
reads no table, so it can be given rows of an older layout (missing fields are shown as unknown).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from infra.clock import format_china, to_china
from infra.vocabulary import (
    MASKING_POLICIES,
    NO_PII,
    NO_PII_LABEL,
    PII_CLASSES,
    REIDENTIFICATION_FALLBACKS,
    SENSITIVE_CATEGORIES,
    SENSITIVE_RELEASES,
)
from infra.zones import STAGING

_TABLE_FIELDS = (
    "exchange_table",
    "k_required",
    "k",
    "l_required",
    "l",
    "k_before_suppression",
    "l_before_suppression",
    "on_failure",
    "rows_published",
    "rows_suppressed",
    "minors_withheld",
    "reidentification_passed",
)
_CSS = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}"
    "td,th{border:1px solid #ccc;padding:4px 8px}tr.fail,p.fail{background:#fdd}"
    "h3{margin-bottom:.2em}p.meta{color:#555;margin-top:0}"
)


def measured(record: dict) -> datetime | None:
    """When a row was measured, aware: ``measured_at``, or for rows written before it the writer's naive
    clock (``checked_at``)."""
    if record.get("measured_at") is not None:
        return to_china(record["measured_at"])
    checked = record.get("checked_at")
    return None if checked is None else to_china(checked, "local")


def table_of(record: dict) -> str:
    """The masked table, zone-qualified (rows written before ``table_name`` existed name the dataset)."""
    return record.get("table_name") or STAGING.table(record["dataset"])


def _runs(records: Iterable[dict], time_of) -> list[tuple[str, datetime | None, list[dict]]]:
    """(run id, its latest time, its records), newest run first."""
    runs: dict[str, list[dict]] = {}
    for r in records:
        runs.setdefault(r["run_id"], []).append(r)
    timed = [
        (run, max((time_of(r) for r in rows if time_of(r)), default=None), rows) for run, rows in runs.items()
    ]
    return sorted(timed, key=lambda t: (t[1] is not None, t[1] or datetime.min, t[0]), reverse=True)


def exchange_summaries(records: list[dict]) -> list[dict]:
    """One entry per row-level exchange table, from the column rows that repeat its figures."""
    tables: dict[str, dict] = {}
    for r in records:
        if not r.get("exchange_table"):
            continue
        entry = tables.setdefault(
            r["exchange_table"],
            {key: r[key] for key in _TABLE_FIELDS} | {"quasi_identifiers": [], "sensitive_columns": []},
        )
        if r["quasi_identifier"] and r["in_exchange"]:
            entry["quasi_identifiers"].append(r["column_name"])
        if r["sensitive_category"]:
            entry["sensitive_columns"].append(
                {
                    "column": r["column_name"],
                    "category": r["sensitive_category"],
                    "release": r["sensitive_release"],
                }
            )
    return [tables[name] for name in sorted(tables)]


def _findings(scan: dict) -> dict[str, int]:
    return json.loads(scan["findings_by_class"]) if scan.get("findings_by_class") else {}


def report_json(records: list[dict], scans: list[dict]) -> str:
    """Runs → tables → columns, then the mart scans; times as ISO 8601 in China time (+08:00)."""

    def plain(r: dict) -> dict:
        return {
            k: (to_china(v).isoformat() if isinstance(v, datetime) and v.tzinfo else v) for k, v in r.items()
        }

    runs = []
    for run_id, at, rows in _runs(records, measured):
        tables: dict[str, list[dict]] = {}
        for r in rows:
            tables.setdefault(table_of(r), []).append(r)
        runs.append(
            {
                "run_id": run_id,
                "measured_at": at.isoformat() if at else None,
                "tables": [
                    {
                        "table": name,
                        "source_table": cols[0].get("source_table"),
                        "leak_scan_passed": all(c["leak_scan_passed"] for c in cols),
                        "reidentification": exchange_summaries(cols)[0]
                        if cols[0].get("exchange_table")
                        else None,
                        "columns": [
                            plain(c) | {"measured_at": (measured(c) or at).isoformat()} for c in cols
                        ],
                    }
                    for name, cols in sorted(tables.items())
                ],
            }
        )
    leak_scans = [plain(s) | {"findings_by_class": _findings(s)} for s in scans]
    return json.dumps(
        {"runs": runs, "mart_leak_scans": leak_scans}, ensure_ascii=False, indent=2, default=str
    )


def _cell(value: object) -> str:
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def _table(headers: Sequence[str], rows: Iterable[tuple[Sequence[object], bool]]) -> str:
    fail = ' class="fail"'
    body = "".join(
        f"<tr{'' if ok else fail}>" + "".join(_cell(c) for c in cells) + "</tr>" for cells, ok in rows
    )
    return (
        "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>" + body + "</table>"
    )


def _figure(found: int | None, required: int | None, before: int | None = None) -> str:
    """As staged → as published (≥ what the contract asks), e.g. "1 → 5 (≥ 5)"; "—" where nothing is judged."""
    if found is None:
        return "—"
    moved = f"{before} → " if before is not None and before != found else ""
    return f"{moved}{found} (≥ {required})"


def _sensitive_label(r: dict) -> str:
    category = SENSITIVE_CATEGORIES.get(r["sensitive_category"] or "", "")
    release = SENSITIVE_RELEASES.get(r["sensitive_release"] or "", "无 / none")
    return f"{category}: {release}" if category else ""


def _verdict(passed: bool | None) -> str:
    return "—" if passed is None else ("通过" if passed else "未通过")


def _summary_html(records: list[dict]) -> str:
    headers = [
        "共享表",
        "准标识符",
        "k",
        "l",
        "敏感字段及发布方式",
        "不足k/l时",
        "发布行数",
        "抑制行数",
        "未满14周岁行",
        "再识别检查",
    ]
    rows = []
    for t in exchange_summaries(records):
        sensitive = "; ".join(
            f"{s['column']} ({SENSITIVE_CATEGORIES[s['category']]}: {SENSITIVE_RELEASES.get(s['release'] or '', '无 / none')})"
            for s in t["sensitive_columns"]
        )
        cells = [
            t["exchange_table"],
            ", ".join(t["quasi_identifiers"]) or "—",
            _figure(t["k"], t["k_required"], t["k_before_suppression"]),
            _figure(t["l"], t["l_required"], t["l_before_suppression"]),
            sensitive or "—",
            REIDENTIFICATION_FALLBACKS.get(t["on_failure"] or "", ""),
            t["rows_published"],
            t["rows_suppressed"],
            t["minors_withheld"],
            _verdict(t["reidentification_passed"]),
        ]
        rows.append((cells, bool(t["reidentification_passed"])))
    return "<h2>再识别风险 Re-identification, per row-level exchange table</h2>" + _table(headers, rows)


_COLUMN_HEADERS = [
    "字段",
    "声明类别",
    "识别类别",
    "置信度",
    "脱敏策略",
    "敏感个人信息",
    "准标识符",
    "共享表中",
    "读取行数 rows seen",
    "空值 null/empty",
    "脱敏值数 masked",
    "文本识别",
    "残留",
]


def _column_cells(r: dict) -> list[object]:
    declared = r["declared_class"] or ""
    return [
        r["column_name"],
        NO_PII_LABEL if declared == NO_PII else PII_CLASSES.get(declared, "—"),
        PII_CLASSES.get(r["detected_class"] or "", "—"),
        "" if r["confidence"] is None else f"{r['confidence']:.2f}",
        MASKING_POLICIES.get(r["policy"], r["policy"]),
        _sensitive_label(r),
        "是" if r.get("quasi_identifier") else "",
        "是" if r.get("in_exchange") else "",
        r["rows"],
        "?" if r.get("null_values") is None else r["null_values"],
        r["values_masked"],
        r["text_findings"] or "",
        r["leaks_found"],
    ]


def _table_html(name: str, cols: list[dict]) -> str:
    first = cols[0]
    passed = all(c["leak_scan_passed"] for c in cols)
    source = f" ← {html.escape(first['source_table'])}" if first.get("source_table") else ""
    kl = "无行级共享表 no row-level exchange table"
    if first.get("exchange_table"):
        kl = (
            f"{html.escape(first['exchange_table'])}: k {_figure(first['k'], first['k_required'], first['k_before_suppression'])}"
            f", l {_figure(first['l'], first['l_required'], first['l_before_suppression'])}"
            f", 抑制 suppressed {first['rows_suppressed']}, 发布 published {first['rows_published']}"
            f", 再识别检查 {_verdict(first['reidentification_passed'])}"
        )
    return (
        f"<h3>{html.escape(name)}{source}</h3>"
        f"<p class='meta{'' if passed else ' fail'}'>泄露扫描 leak scan: {_verdict(passed)} · {kl} · "
        f"测量 measured {html.escape(format_china(measured(first)))}</p>"
        + _table(
            _COLUMN_HEADERS,
            ((_column_cells(c), c["leak_scan_passed"]) for c in sorted(cols, key=lambda c: c["column_name"])),
        )
    )


def _scans_html(scans: list[dict]) -> str:
    if not scans:
        return "<h2>共享表泄露扫描 Mart leak scans</h2><p>尚无记录 none recorded yet.</p>"
    headers = [
        "共享表",
        "扫描时间",
        "扫描行数",
        "扫描列数",
        "抽样行数 sample",
        "发现 findings",
        "涉及字段",
        "结果",
    ]
    parts = ["<h2>共享表泄露扫描 Mart leak scans (dbt marts before publication)</h2>"]
    for run_id, at, rows in _runs(
        scans, lambda s: to_china(s["scanned_at"]) if s.get("scanned_at") else None
    ):
        parts.append(
            f"<h3>运行 run {html.escape(run_id)}</h3><p class='meta'>{html.escape(format_china(at))}</p>"
        )
        cells = []
        for s in sorted(rows, key=lambda s: s["table_name"]):
            found = (
                ", ".join(f"{PII_CLASSES.get(c, c)} × {n}" for c, n in sorted(_findings(s).items()))
                or "无 none"
            )
            cells.append(
                (
                    [
                        s["table_name"],
                        format_china(s.get("scanned_at")),
                        s["rows_scanned"],
                        s["columns_scanned"],
                        s.get("sample_rows"),
                        found,
                        ", ".join(s.get("columns_with_findings") or []),
                        _verdict(s["passed"]),
                    ],
                    bool(s["passed"]),
                )
            )
        parts.append(_table(headers, cells))
    return "".join(parts)


def report_html(records: list[dict], scans: list[dict]) -> str:
    passed = all(r["leak_scan_passed"] for r in records) if records else False
    marts_clean = all(s["passed"] for s in scans)
    generated = format_china(datetime.now().astimezone())
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>脱敏报告 Masking report</title>",
        f"<style>{_CSS}</style></head><body><h1>脱敏报告 Masking report</h1>",
        f"<p class='meta'>生成 generated {generated}（北京时间 China time）. No value is shown.</p>",
        f"<p>{len(records)} columns of {len({table_of(r) for r in records})} tables; leak scan "
        f"{'passed for every dataset' if passed else 'FAILED for some datasets'}; "
        f"{len(scans)} mart scans, {'all clean' if marts_clean else 'SOME FOUND PERSONAL DATA'}.</p>",
        _summary_html(records),
        "<h2>字段 Columns, by run and table</h2>",
    ]
    for run_id, at, rows in _runs(records, measured):
        parts.append(
            f"<h2>运行 run {html.escape(run_id)}</h2><p class='meta'>测量 measured {html.escape(format_china(at))}</p>"
        )
        tables: dict[str, list[dict]] = {}
        for r in rows:
            tables.setdefault(table_of(r), []).append(r)
        parts += [_table_html(name, cols) for name, cols in sorted(tables.items())]
    parts.append(_scans_html(scans))
    parts.append("</body></html>")
    return "".join(parts)

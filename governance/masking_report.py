"""The masking report for auditors: what personal data each dataset holds, how it was masked, the leak
scan's verdict and, per row-level exchange table, its re-identification check (quasi-identifiers, k, l,
sensitive columns and their release, rows suppressed). Stored as ``governance.masking_report`` (one row
per column and run; table-level figures repeated on each row, like the verdict) and rendered to JSON +
HTML; never a raw value."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog

from governance.anonymity import Release
from governance.contracts import DatasetContract
from governance.privacy_gate import GateResult
from governance.staging import ColumnMasking
from infra.iceberg.writer import commit, ensure_table
from infra.vocabulary import (
    MASKING_POLICIES,
    NO_PII,
    NO_PII_LABEL,
    PII_CLASSES,
    REIDENTIFICATION_FALLBACKS,
    SENSITIVE_CATEGORIES,
    SENSITIVE_RELEASES,
)
from infra.zones import MASKING_REPORT

REPORT_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("column_name", pa.string(), nullable=False),
        pa.field("declared_class", pa.string()),
        pa.field("detected_class", pa.string()),
        pa.field("confidence", pa.float64()),
        pa.field("policy", pa.string(), nullable=False),
        pa.field("rows", pa.int64(), nullable=False),
        pa.field("values_masked", pa.int64(), nullable=False),
        pa.field("text_findings", pa.string()),
        pa.field("leaks_found", pa.int64(), nullable=False),
        pa.field("leak_scan_passed", pa.bool_(), nullable=False),
        pa.field("checked_at", pa.timestamp("us"), nullable=False),
        # Per column: its Art. 28 category and release, whether it is a quasi-identifier and published.
        pa.field("sensitive_category", pa.string()),
        pa.field("sensitive_release", pa.string()),
        pa.field("quasi_identifier", pa.bool_()),
        pa.field("in_exchange", pa.bool_()),
        # Per dataset (repeated): the row-level exchange table's re-identification check.
        pa.field("exchange_table", pa.string()),
        pa.field("k_required", pa.int64()),
        pa.field("k", pa.int64()),
        pa.field("l_required", pa.int64()),
        pa.field("l", pa.int64()),
        pa.field("k_before_suppression", pa.int64()),
        pa.field("l_before_suppression", pa.int64()),
        pa.field("on_failure", pa.string()),
        pa.field("rows_published", pa.int64()),
        pa.field("rows_suppressed", pa.int64()),
        pa.field("minors_withheld", pa.int64()),
        pa.field("reidentification_passed", pa.bool_()),
    ]
)


def _release_fields(release: Release | None) -> dict:
    if release is None:
        return {}
    return {
        "exchange_table": f"exchange.{release.dataset}",
        "k_required": release.k_required,
        "k": release.k,
        "l_required": release.l_required,
        "l": release.l,
        "k_before_suppression": release.before.k,
        "l_before_suppression": release.before.l,
        "on_failure": release.on_failure,
        "rows_published": release.table.num_rows,
        "rows_suppressed": release.rows_suppressed,
        "minors_withheld": release.minors_withheld,
        "reidentification_passed": release.passed,
    }


def report_rows(
    run_id: str, contract: DatasetContract, masking: list[ColumnMasking], gate: GateResult, at: datetime
) -> pa.Table:
    detected = {c.column: c for c in gate.columns}
    masked = {m.column: m for m in masking}
    leaks: dict[str, int] = {}
    for finding in gate.leaks:
        leaks[finding.column] = leaks.get(finding.column, 0) + finding.count
    release = gate.release
    table_fields = _release_fields(release)
    published = {c.name for c in contract.exchange_columns} if release is not None else set()
    rows = []
    for col in contract.columns:
        found = detected.get(col.derived_from or col.name)
        applied = masked.get(col.name)
        rows.append(
            {
                **table_fields,
                "run_id": run_id,
                "dataset": contract.name,
                "column_name": col.name,
                "declared_class": col.pii or NO_PII,
                "sensitive_category": col.sensitive,
                "sensitive_release": contract.sensitive_release(col) if col.sensitive else None,
                "quasi_identifier": col.quasi_identifier,
                "in_exchange": col.name in published,
                "detected_class": found.detected if found else None,
                "confidence": found.confidence if found else None,
                "policy": col.masking,
                "rows": applied.rows if applied else 0,
                "values_masked": applied.values_masked if applied else 0,
                "text_findings": json.dumps(applied.findings, ensure_ascii=False)
                if applied and applied.findings
                else None,
                "leaks_found": leaks.get(col.name, 0),
                "leak_scan_passed": gate.leak_scan_passed,
                "checked_at": at,
            }
        )
    return pa.Table.from_pylist(rows, schema=REPORT_SCHEMA)


def append_report(catalog: Catalog, rows: pa.Table) -> None:
    table = ensure_table(catalog, MASKING_REPORT, REPORT_SCHEMA)
    if set(REPORT_SCHEMA.names) - set(table.schema().column_names):
        with table.update_schema() as update:  # a report table written before the columns were added
            update.union_by_name(REPORT_SCHEMA)
    commit(catalog, MASKING_REPORT, rows, "append")


def latest_report(catalog: Catalog) -> pa.Table:
    """The newest run's rows for every dataset."""
    if not catalog.table_exists(MASKING_REPORT):
        return REPORT_SCHEMA.empty_table()
    rows = catalog.load_table(MASKING_REPORT).scan().to_arrow()
    newest = rows.group_by("dataset").aggregate([("checked_at", "max")])
    keep = rows.join(newest, keys="dataset").filter(
        pc.equal(pc.field("checked_at"), pc.field("checked_at_max"))
    )
    return keep.drop_columns(["checked_at_max"]).sort_by(
        [("dataset", "ascending"), ("column_name", "ascending")]
    )


def render(rows: pa.Table, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    records = rows.to_pylist()
    json_path = out_dir / "masking_report.json"
    json_path.write_text(json.dumps(records, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    html_path = out_dir / "masking_report.html"
    html_path.write_text(_html(records), encoding="utf-8")
    return json_path, html_path


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value))}</td>"


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
    body = []
    for t in exchange_summaries(records):
        sensitive = "; ".join(
            f"{s['column']} ({SENSITIVE_CATEGORIES[s['category']]}: "
            f"{SENSITIVE_RELEASES.get(s['release'] or '', '无 / none')})"
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
            "通过" if t["reidentification_passed"] else "未通过",
        ]
        css = "" if t["reidentification_passed"] else ' class="fail"'
        body.append(f"<tr{css}>" + "".join(_cell(c) for c in cells) + "</tr>")
    return (
        "<h2>再识别风险 Re-identification, per row-level exchange table</h2><table><tr>"
        + "".join(f"<th>{h}</th>" for h in headers)
        + "</tr>"
        + "".join(body)
        + "</table>"
    )


def _html(records: list[dict]) -> str:
    headers = [
        "数据集",
        "字段",
        "声明类别",
        "识别类别",
        "置信度",
        "脱敏策略",
        "敏感个人信息",
        "准标识符",
        "共享表中",
        "行数",
        "脱敏值数",
        "文本识别",
        "残留",
        "泄露扫描",
    ]
    body = []
    for r in records:
        verdict = "通过" if r["leak_scan_passed"] else "未通过"
        declared = r["declared_class"] or ""
        cells = [
            r["dataset"],
            r["column_name"],
            NO_PII_LABEL if declared == NO_PII else PII_CLASSES.get(declared, "—"),
            PII_CLASSES.get(r["detected_class"] or "", "—"),
            "" if r["confidence"] is None else f"{r['confidence']:.2f}",
            MASKING_POLICIES.get(r["policy"], r["policy"]),
            _sensitive_label(r),
            "是" if r.get("quasi_identifier") else "",
            "是" if r.get("in_exchange") else "",
            r["rows"],
            r["values_masked"],
            r["text_findings"] or "",
            r["leaks_found"],
            verdict,
        ]
        css = "" if r["leak_scan_passed"] else ' class="fail"'
        body.append(f"<tr{css}>" + "".join(_cell(c) for c in cells) + "</tr>")
    passed = all(r["leak_scan_passed"] for r in records) if records else False
    return (
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>脱敏报告 Masking report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 8px}tr.fail{background:#fdd}</style></head><body>"
        f"<h1>脱敏报告 Masking report</h1><p>{len(records)} columns; leak scan "
        f"{'passed for every dataset' if passed else 'FAILED for some datasets'}. No value is shown.</p>"
        + _summary_html(records)
        + "<h2>字段 Columns</h2><table><tr>"
        + "".join(f"<th>{h}</th>" for h in headers)
        + "</tr>"
        + "".join(body)
        + "</table></body></html>"
    )

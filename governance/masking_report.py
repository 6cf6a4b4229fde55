"""The masking report for auditors: what personal data each dataset holds, how it was masked, and the leak
scan's verdict. Stored as ``governance.masking_report`` and rendered to JSON + HTML; never a raw value."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog

from governance.contracts import DatasetContract
from governance.privacy_gate import GateResult
from governance.staging import ColumnMasking
from infra.iceberg.writer import commit, ensure_table
from infra.vocabulary import MASKING_POLICIES, PII_CLASSES
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
    ]
)


def report_rows(
    run_id: str, contract: DatasetContract, masking: list[ColumnMasking], gate: GateResult, at: datetime
) -> pa.Table:
    detected = {c.column: c for c in gate.columns}
    masked = {m.column: m for m in masking}
    leaks: dict[str, int] = {}
    for finding in gate.leaks:
        leaks[finding.column] = leaks.get(finding.column, 0) + finding.count
    rows = []
    for col in contract.columns:
        found = detected.get(col.derived_from or col.name)
        applied = masked.get(col.name)
        rows.append(
            {
                "run_id": run_id,
                "dataset": contract.name,
                "column_name": col.name,
                "declared_class": col.pii,
                "detected_class": found.detected if found else None,
                "confidence": found.confidence if found else None,
                "policy": col.masking,
                "rows": applied.rows if applied else 0,
                "values_masked": applied.values_masked if applied else 0,
                "text_findings": json.dumps(applied.findings, ensure_ascii=False)
                if applied and applied.findings
                else None,
                "leaks_found": leaks.get(col.name, 0),
                "leak_scan_passed": gate.passed,
                "checked_at": at,
            }
        )
    return pa.Table.from_pylist(rows, schema=REPORT_SCHEMA)


def append_report(catalog: Catalog, rows: pa.Table) -> None:
    ensure_table(catalog, MASKING_REPORT, REPORT_SCHEMA)
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


def _html(records: list[dict]) -> str:
    headers = [
        "数据集",
        "字段",
        "声明类别",
        "识别类别",
        "置信度",
        "脱敏策略",
        "行数",
        "脱敏值数",
        "文本识别",
        "残留",
        "泄露扫描",
    ]
    body = []
    for r in records:
        verdict = "通过" if r["leak_scan_passed"] else "未通过"
        cells = [
            r["dataset"],
            r["column_name"],
            PII_CLASSES.get(r["declared_class"] or "", "—"),
            PII_CLASSES.get(r["detected_class"] or "", "—"),
            "" if r["confidence"] is None else f"{r['confidence']:.2f}",
            MASKING_POLICIES.get(r["policy"], r["policy"]),
            r["rows"],
            r["values_masked"],
            r["text_findings"] or "",
            r["leaks_found"],
            verdict,
        ]
        css = "" if r["leak_scan_passed"] else ' class="fail"'
        body.append(f"<tr{css}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    passed = all(r["leak_scan_passed"] for r in records) if records else False
    return (
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>脱敏报告 Masking report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 8px}tr.fail{background:#fdd}</style></head><body>"
        f"<h1>脱敏报告 Masking report</h1><p>{len(records)} columns; leak scan "
        f"{'passed for every dataset' if passed else 'FAILED for some datasets'}. No value is shown.</p>"
        "<table><tr>"
        + "".join(f"<th>{h}</th>" for h in headers)
        + "</tr>"
        + "".join(body)
        + "</table></body></html>"
    )

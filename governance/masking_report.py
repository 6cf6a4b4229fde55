"""The masking report for auditors: what personal data each dataset holds, how it was masked, the leak
scan's verdict and, per row-level exchange table, its re-identification check (quasi-identifiers, k, l,
sensitive columns and their release, rows suppressed). Stored as ``governance.masking_report`` (one row
per column and run; table-level figures repeated on each row, like the verdict) and rendered to JSON +
HTML together with the leak scans of the dbt marts (``governance.mart_leak_scans``); never a raw value.

Each row says which run measured it (``run_id``), when (``measured_at``, an instant; shown in China time),
which table (``table_name`` = the staging table, ``source_table`` = the raw table it was masked from) and,
per column, the rows seen, the null or empty values among them and the values masked.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog

from governance.anonymity import Release
from governance.contracts import DatasetContract
from governance.masking_report_html import exchange_summaries, report_html, report_json
from governance.privacy_gate import GateResult
from governance.staging import ColumnMasking
from infra.clock import to_china
from infra.iceberg.writer import commit, ensure_table
from infra.vocabulary import NO_PII
from infra.zones import EXCHANGE, MASKING_REPORT, STAGING

__all__ = ["REPORT_SCHEMA", "append_report", "exchange_summaries", "latest_report", "render", "report_rows"]

# Added after the first homes were written: optional, so an older table is evolved (append_report) and
# its earlier rows read back with these empty.
ADDED_FIELDS = (
    pa.field("table_name", pa.string(), metadata={"doc": "the masked table, zone.table (staging.<dataset>)"}),
    pa.field(
        "source_table", pa.string(), metadata={"doc": "the table masked from, zone.table (raw_<domain>)"}
    ),
    pa.field("measured_at", pa.timestamp("us", tz="UTC"), metadata={"doc": "when the run measured it"}),
    pa.field("null_values", pa.int64(), metadata={"doc": "null or blank values among the rows seen"}),
)

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
        # The writing machine's clock, naive (kept for older readers; measured_at is the instant).
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
        *ADDED_FIELDS,
    ]
)


def _release_fields(release: Release | None) -> dict:
    if release is None:
        return {}
    return {
        "exchange_table": EXCHANGE.table(release.dataset),
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


def empty_values(column: pa.ChunkedArray | pa.Array) -> int:
    """Null cells, and for text the blank ones ("" or spaces only): a source's way of saying "none"."""
    nulls = column.null_count
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        blank = pc.equal(pc.utf8_trim_whitespace(column), "")
        nulls += int(pc.sum(pc.fill_null(blank, False)).as_py() or 0)
    return nulls


def report_rows(
    run_id: str,
    contract: DatasetContract,
    masking: list[ColumnMasking],
    gate: GateResult,
    at: datetime,
    raw: pa.Table | None = None,
) -> pa.Table:
    """One row per contract column. ``at``: when it was measured (aware, or naive in the machine's clock as
    ``datetime.now()`` gives it); ``raw``: the table masked, for rows seen and null values per column
    (without it, rows are the masking step's and null values unknown)."""
    detected = {c.column: c for c in gate.columns}
    masked = {m.column: m for m in masking}
    leaks: dict[str, int] = {}
    for finding in gate.leaks:
        leaks[finding.column] = leaks.get(finding.column, 0) + finding.count
    release = gate.release
    table_fields = _release_fields(release)
    published = {c.name for c in contract.exchange_columns} if release is not None else set()
    measured = to_china(at, "local")
    rows = []
    for col in contract.columns:
        source = col.derived_from or col.name
        found = detected.get(source)
        applied = masked.get(col.name)
        seen = raw is not None and source in raw.column_names
        rows.append(
            {
                **table_fields,
                "run_id": run_id,
                "dataset": contract.name,
                "table_name": STAGING.table(contract.name),
                "source_table": contract.raw_table,
                "column_name": col.name,
                "declared_class": col.pii or NO_PII,
                "sensitive_category": col.sensitive,
                "sensitive_release": contract.sensitive_release(col) if col.sensitive else None,
                "quasi_identifier": col.quasi_identifier,
                "in_exchange": col.name in published,
                "detected_class": found.detected if found else None,
                "confidence": found.confidence if found else None,
                "policy": col.masking,
                "rows": raw.num_rows if raw is not None else (applied.rows if applied else 0),
                "null_values": empty_values(raw.column(source)) if seen else None,
                "values_masked": applied.values_masked if applied else 0,
                "text_findings": json.dumps(applied.findings, ensure_ascii=False)
                if applied and applied.findings
                else None,
                "leaks_found": leaks.get(col.name, 0),
                "leak_scan_passed": gate.leak_scan_passed,
                # The column's meaning is unchanged: the writer's clock, naive.
                "checked_at": measured.astimezone().replace(tzinfo=None),
                "measured_at": measured,
            }
        )
    return pa.Table.from_pylist(rows, schema=REPORT_SCHEMA)


def append_report(catalog: Catalog, rows: pa.Table) -> None:
    table = ensure_table(catalog, MASKING_REPORT, REPORT_SCHEMA)
    if set(REPORT_SCHEMA.names) - set(table.schema().column_names):
        with table.update_schema() as update:  # a report table written before the columns were added
            update.union_by_name(REPORT_SCHEMA)
    commit(catalog, MASKING_REPORT, rows.cast(REPORT_SCHEMA), "append")


def latest_report(catalog: Catalog) -> pa.Table:
    """The newest run's rows for every dataset (rows of an older layout get the added columns empty)."""
    if not catalog.table_exists(MASKING_REPORT):
        return REPORT_SCHEMA.empty_table()
    rows = catalog.load_table(MASKING_REPORT).scan().to_arrow()
    for field in REPORT_SCHEMA:
        if field.name not in rows.column_names:
            rows = rows.append_column(field, pa.nulls(rows.num_rows, field.type))
    rows = rows.select(REPORT_SCHEMA.names)
    newest = rows.group_by("dataset").aggregate([("checked_at", "max")])
    keep = rows.join(newest, keys="dataset").filter(
        pc.equal(pc.field("checked_at"), pc.field("checked_at_max"))
    )
    return keep.drop_columns(["checked_at_max"]).sort_by(
        [("dataset", "ascending"), ("column_name", "ascending")]
    )


def render(rows: pa.Table, out_dir: Path, leak_scans: pa.Table | None = None) -> tuple[Path, Path]:
    """``masking_report.json`` and ``masking_report.html`` (self-contained: inline CSS, nothing fetched),
    grouped by run and by table; ``leak_scans``: the marts' leak scans, their own section."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records = rows.to_pylist()
    scans = leak_scans.to_pylist() if leak_scans is not None else []
    json_path = out_dir / "masking_report.json"
    json_path.write_text(report_json(records, scans), encoding="utf-8")
    html_path = out_dir / "masking_report.html"
    html_path.write_text(report_html(records, scans), encoding="utf-8")
    return json_path, html_path

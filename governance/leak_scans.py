"""The leak scans of the dbt marts, kept for auditors: ``governance.mart_leak_scans``, one row per scan.

A mart is scanned before it may be published to ``exchange`` / ``kpi`` (the blocking Dagster check
``no_personal_data``); this module runs that scan and records what it did — which run, when, which table,
how many rows and columns, how many findings per personal-data class and in which columns — so the verdict
outlives the Dagster run. Never a value, not even a masked example.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.privacy_scan import LeakFinding, scan_table, scannable_columns
from infra.iceberg.writer import commit, ensure_table
from infra.zones import MART_LEAK_SCANS, MART_ZONES, TableName

# Text columns are read whole; the others on an evenly spaced sample of this many rows.
MART_SAMPLE_ROWS = 5000

LEAK_SCANS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False, metadata={"doc": "the Dagster run (or the CLI's)"}),
        pa.field("scanned_at", pa.timestamp("us", tz="UTC"), nullable=False, metadata={"doc": "an instant"}),
        pa.field("table_name", pa.string(), nullable=False, metadata={"doc": "the mart, zone.table"}),
        pa.field("rows_scanned", pa.int64(), nullable=False, metadata={"doc": "rows of the mart"}),
        pa.field("columns", pa.int64(), nullable=False, metadata={"doc": "columns of the mart"}),
        pa.field("columns_scanned", pa.int64(), nullable=False, metadata={"doc": "text and integer columns"}),
        pa.field(
            "sample_rows", pa.int64(), nullable=False, metadata={"doc": "rows sampled in non-text columns"}
        ),
        pa.field("findings_total", pa.int64(), nullable=False),
        pa.field("findings_by_class", pa.string(), metadata={"doc": 'JSON {"pii_class": count}'}),
        pa.field("columns_with_findings", pa.list_(pa.string()), metadata={"doc": "column names only"}),
        pa.field("passed", pa.bool_(), nullable=False),
    ]
)


@dataclass(frozen=True)
class MartScan:
    """One scan: counts and column names, never a value."""

    table: TableName
    rows_scanned: int
    columns: int
    columns_scanned: int
    sample_rows: int
    by_class: dict[str, int] = field(default_factory=dict)
    columns_with_findings: tuple[str, ...] = ()
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def findings(self) -> int:
        return sum(self.by_class.values())

    @property
    def passed(self) -> bool:
        return not self.by_class

    def describe(self) -> str:
        if self.passed:
            return (
                f"no personal data in {self.table} ({self.rows_scanned} rows, {self.columns_scanned} columns)"
            )
        found = ", ".join(f"{n} {c}" for c, n in sorted(self.by_class.items()))
        return f"{self.table}: personal data found ({found}) in {', '.join(self.columns_with_findings)}"


def scan_mart(table: TableName, data: pa.Table, sample_rows: int = MART_SAMPLE_ROWS) -> MartScan:
    """Scan a mart about to be published (all rows of text columns, a sample of the rest)."""
    if table.zone not in {z.name for z in MART_ZONES}:
        raise ValueError(f"{table} is not a mart (zones {', '.join(z.name for z in MART_ZONES)})")
    findings: list[LeakFinding] = scan_table(data, sample_rows=sample_rows)
    by_class: dict[str, int] = {}
    for f in findings:
        by_class[f.pii_class] = by_class.get(f.pii_class, 0) + f.count
    return MartScan(
        table=table,
        rows_scanned=data.num_rows,
        columns=data.num_columns,
        columns_scanned=len(scannable_columns(data)),
        sample_rows=sample_rows,
        by_class=by_class,
        columns_with_findings=tuple(dict.fromkeys(f.column for f in findings)),
    )


def scan_rows(run_id: str, scans: list[MartScan]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "scanned_at": s.at,
                "table_name": str(s.table),
                "rows_scanned": s.rows_scanned,
                "columns": s.columns,
                "columns_scanned": s.columns_scanned,
                "sample_rows": s.sample_rows,
                "findings_total": s.findings,
                "findings_by_class": json.dumps(s.by_class, sort_keys=True) if s.by_class else None,
                "columns_with_findings": list(s.columns_with_findings),
                "passed": s.passed,
            }
            for s in scans
        ],
        schema=LEAK_SCANS_SCHEMA,
    )


def record_scans(catalog: Catalog, run_id: str, scans: list[MartScan]) -> None:
    """Append the scans to ``governance.mart_leak_scans`` (created on first use)."""
    ensure_table(catalog, MART_LEAK_SCANS, LEAK_SCANS_SCHEMA)
    commit(catalog, MART_LEAK_SCANS, scan_rows(run_id, scans), "append")


def latest_scans(catalog: Catalog) -> pa.Table:
    """The newest scan of every mart, by table name."""
    if not catalog.table_exists(MART_LEAK_SCANS):
        return LEAK_SCANS_SCHEMA.empty_table()
    rows = catalog.load_table(MART_LEAK_SCANS).scan().to_arrow()
    if rows.num_rows == 0:
        return LEAK_SCANS_SCHEMA.empty_table()
    # Arrow's join cannot carry the list column: pick the newest row per table by index instead.
    newest: dict[str, tuple[datetime, int]] = {}
    for index, (name, at) in enumerate(
        zip(rows["table_name"].to_pylist(), rows["scanned_at"].to_pylist(), strict=True)
    ):
        if name not in newest or at > newest[name][0]:
            newest[name] = (at, index)
    keep = rows.take(pa.array([newest[name][1] for name in sorted(newest)], pa.int64()))
    return keep.select(LEAK_SCANS_SCHEMA.names).cast(LEAK_SCANS_SCHEMA)

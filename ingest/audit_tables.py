"""The two bookkeeping tables of every load: the stewards-only quarantine and the load ledger."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog

from infra.iceberg.writer import commit, ensure_table
from infra.zones import LOAD_LEDGER, QUARANTINE

LEDGER_SCHEMA = pa.schema(
    [
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("fingerprints", pa.string()),
        pa.field("rows_in", pa.int64(), nullable=False),
        pa.field("rows_loaded", pa.int64(), nullable=False),
        pa.field("rows_quarantined", pa.int64(), nullable=False),
        pa.field("rows_duplicate", pa.int64(), nullable=False),
        pa.field("snapshot_id", pa.int64()),
        pa.field("started_at", pa.timestamp("us"), nullable=False),
        pa.field("finished_at", pa.timestamp("us"), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("message", pa.string()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("load_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("locator", pa.string(), nullable=False),
        pa.field("column_name", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw_record", pa.string(), nullable=False),
        pa.field("quarantined_at", pa.timestamp("us"), nullable=False),
    ]
)


def quarantine_identifier(dataset: str) -> str:
    return QUARANTINE.table(dataset)


def append_quarantine(catalog: Catalog, dataset: str, rows: pa.Table) -> None:
    identifier = quarantine_identifier(dataset)
    ensure_table(catalog, identifier, QUARANTINE_SCHEMA)
    if rows.num_rows:
        commit(catalog, identifier, rows.cast(QUARANTINE_SCHEMA), "append")


def append_ledger(catalog: Catalog, record: dict) -> None:
    ensure_table(catalog, LOAD_LEDGER, LEDGER_SCHEMA)
    commit(catalog, LOAD_LEDGER, pa.Table.from_pylist([record], schema=LEDGER_SCHEMA), "append")


def read_quarantine(catalog: Catalog, dataset: str) -> tuple[pa.Table, int]:
    """Quarantined rows of loads the ledger knows (committed or rejected), newest first.

    Rows written by a load that was killed before its ledger entry are left out and counted: the re-run
    quarantined them again under its own load id.
    """
    identifier = quarantine_identifier(dataset)
    if not catalog.table_exists(identifier):
        return QUARANTINE_SCHEMA.empty_table(), 0
    rows = catalog.load_table(identifier).scan().to_arrow()
    known = (
        catalog.load_table(LOAD_LEDGER).scan(selected_fields=("load_id",)).to_arrow().column("load_id")
        if catalog.table_exists(LOAD_LEDGER)
        else pa.array([], pa.string())
    )
    kept = rows.filter(pc.is_in(rows.column("load_id"), value_set=known))
    return kept.sort_by(
        [("quarantined_at", "descending"), ("locator", "ascending")]
    ), rows.num_rows - kept.num_rows

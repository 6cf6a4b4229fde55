from datetime import datetime

import pyarrow as pa

from ingest.audit_tables import (
    LEDGER_SCHEMA,
    QUARANTINE_SCHEMA,
    append_ledger,
    append_quarantine,
    read_quarantine,
)


def _quarantined(load_id: str, locator: str) -> pa.Table:
    row = {
        "load_id": load_id,
        "dataset": "parks",
        "source": "parks.csv",
        "locator": locator,
        "column_name": "park_id",
        "reason": "园区编号: required value is missing",
        "raw_record": "{}",
        "quarantined_at": datetime(2026, 11, 20, 8, 0),
    }
    return pa.Table.from_pylist([row], schema=QUARANTINE_SCHEMA)


def test_rows_of_an_interrupted_load_are_left_out_and_counted(catalog):
    # A load writes its quarantine rows first and its ledger entry last; one killed in between leaves
    # rows no ledger entry vouches for. The re-run quarantines them again under its own id.
    append_quarantine(catalog, "parks", _quarantined("killed-load", "row 2"))
    append_quarantine(catalog, "parks", _quarantined("rerun-load", "row 2"))
    now = datetime(2026, 11, 20, 8, 1)
    ledger = {name: None for name in LEDGER_SCHEMA.names} | {
        "load_id": "rerun-load",
        "dataset": "parks",
        "rows_in": 5,
        "rows_loaded": 4,
        "rows_quarantined": 1,
        "rows_duplicate": 0,
        "started_at": now,
        "finished_at": now,
        "status": "committed",
    }
    append_ledger(catalog, ledger)
    rows, orphaned = read_quarantine(catalog, "parks")
    assert rows.column("load_id").to_pylist() == ["rerun-load"]
    assert orphaned == 1


def test_no_quarantine_table_yet(catalog):
    rows, orphaned = read_quarantine(catalog, "parks")
    assert (rows.num_rows, orphaned) == (0, 0)

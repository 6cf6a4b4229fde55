"""Department databases as SQLite files: one file per system, one table per dataset.

Types as such systems store them: ISO text for dates and timestamps, 0/1 integers for booleans.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from governance.contracts import DatasetContract
from ingest.simulator.table import Table
from ingest.simulator.writers.cells import field_name, source_rows

SQL_TYPES = {
    "string": "TEXT",
    "integer": "INTEGER",
    "number": "REAL",
    "boolean": "INTEGER",
    "date": "TEXT",
    "timestamp": "TEXT",
}


def _create(contract: DatasetContract) -> str:
    columns = [
        f'"{field_name(c)}" {SQL_TYPES[c.logical_type]}{" NOT NULL" if c.required else ""}'
        for c in contract.source_columns
    ]
    key = ", ".join(f'"{field_name(contract.column(k))}"' for k in contract.primary_key)
    return f'CREATE TABLE "{contract.source.table}" ({", ".join(columns)}, PRIMARY KEY ({key}))'


def write(path: Path, tables: list[tuple[DatasetContract, Table]]) -> list[Path]:
    """Write a fresh database holding ``tables`` (any earlier file at ``path`` is replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        with con:
            for contract, table in tables:
                con.execute(_create(contract))
                marks = ", ".join("?" for _ in contract.source_columns)
                con.executemany(
                    f'INSERT INTO "{contract.source.table}" VALUES ({marks})',
                    source_rows(contract, table, "sqlite"),
                )
    finally:
        con.close()
    return [path]

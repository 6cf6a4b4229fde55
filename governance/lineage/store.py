"""``governance.lineage_edges`` and ``governance.lineage_runs``: the recorded lineage, one run at a time.

A run appends its edges first and its run row last: readers take the newest run row and the edges of that
run, so a run that died half-way is never read (its edges stay, unreferenced, for forensics). Runs of one
Trino query each (``producer`` trino, ``governance.lineage.trino``) are not recordings of the whole project:
``latest_run`` passes over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import EqualTo

from governance.lineage.model import EDGES_SCHEMA, QUERY_PRODUCER, RUNS_SCHEMA, Edge
from infra.iceberg.writer import commit, ensure_table
from infra.zones import LINEAGE_EDGES, LINEAGE_RUNS


@dataclass(frozen=True)
class LineageRun:
    run_id: str
    recorded_at: datetime  # China Standard Time, naive
    code_version: str
    edges: int
    contracts: int
    models: int
    unresolved: str | None  # JSON list
    duration_ms: int
    producer: str | None = None  # None: the pipeline's recording; QUERY_PRODUCER: one Trino query
    run_by: str | None = None  # the Trino user of a query run
    statement: str | None = None  # Trino's update type of a query run (CREATE TABLE, INSERT)

    def row(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def of_row(cls, row: dict) -> LineageRun:
        # A row written before the optional columns existed has none of them.
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})


def write_run(catalog: Catalog, run: LineageRun, edges: list[Edge]) -> None:
    rows = [e.row(run.run_id, run.recorded_at, run.code_version) for e in edges]
    ensure_table(catalog, LINEAGE_EDGES, EDGES_SCHEMA)
    commit(catalog, LINEAGE_EDGES, pa.Table.from_pylist(rows, schema=EDGES_SCHEMA), "append")
    ensure_table(catalog, LINEAGE_RUNS, RUNS_SCHEMA)
    runs = pa.Table.from_pylist([run.row()], schema=RUNS_SCHEMA)
    # evolve: a runs table made before the optional columns gains them (older rows read null).
    commit(catalog, LINEAGE_RUNS, runs, "append", evolve=True)


def latest_run(catalog: Catalog) -> LineageRun | None:
    """The newest recording of the whole project (a run of one Trino query is not one)."""
    if not catalog.table_exists(LINEAGE_RUNS):
        return None
    rows = catalog.load_table(LINEAGE_RUNS).scan().to_arrow().to_pylist()
    rows = [r for r in rows if r.get("producer") != QUERY_PRODUCER]
    if not rows:
        return None
    newest = max(rows, key=lambda r: (r["recorded_at"], r["run_id"]))
    return LineageRun.of_row(newest)


def read_edges(catalog: Catalog, run_id: str) -> list[Edge]:
    if not catalog.table_exists(LINEAGE_EDGES):
        return []
    table = catalog.load_table(LINEAGE_EDGES).scan(row_filter=EqualTo("run_id", run_id)).to_arrow()
    return [Edge.of_row(row) for row in table.to_pylist()]

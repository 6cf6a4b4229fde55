"""``governance.lineage_edges`` and ``governance.lineage_runs``: the recorded lineage, one run at a time.

A run appends its edges first and its run row last: readers take the newest run row and the edges of that
run, so a run that died half-way is never read (its edges stay, unreferenced, for forensics).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import EqualTo

from governance.lineage.model import EDGES_SCHEMA, RUNS_SCHEMA, Edge
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

    def row(self) -> dict:
        return dict(self.__dict__)


def write_run(catalog: Catalog, run: LineageRun, edges: list[Edge]) -> None:
    rows = [e.row(run.run_id, run.recorded_at, run.code_version) for e in edges]
    ensure_table(catalog, LINEAGE_EDGES, EDGES_SCHEMA)
    commit(catalog, LINEAGE_EDGES, pa.Table.from_pylist(rows, schema=EDGES_SCHEMA), "append")
    ensure_table(catalog, LINEAGE_RUNS, RUNS_SCHEMA)
    commit(catalog, LINEAGE_RUNS, pa.Table.from_pylist([run.row()], schema=RUNS_SCHEMA), "append")


def latest_run(catalog: Catalog) -> LineageRun | None:
    if not catalog.table_exists(LINEAGE_RUNS):
        return None
    rows = catalog.load_table(LINEAGE_RUNS).scan().to_arrow().to_pylist()
    if not rows:
        return None
    newest = max(rows, key=lambda r: (r["recorded_at"], r["run_id"]))
    return LineageRun(**{name: newest[name] for name in LineageRun.__dataclass_fields__})


def read_edges(catalog: Catalog, run_id: str) -> list[Edge]:
    if not catalog.table_exists(LINEAGE_EDGES):
        return []
    table = catalog.load_table(LINEAGE_EDGES).scan(row_filter=EqualTo("run_id", run_id)).to_arrow()
    return [Edge.of_row(row) for row in table.to_pylist()]

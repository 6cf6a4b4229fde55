"""The lineage to answer from: the newest recorded run, or — before any run recorded one — computed now;
with the edges of the Trino queries that wrote tables (``governance.lineage.trino``) added to either."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyiceberg.catalog import Catalog

from governance.lineage.graph import LineageGraph
from governance.lineage.record import Extraction
from governance.lineage.store import LineageRun, latest_run, read_edges
from governance.lineage.trino import query_edges
from infra.clock import format_china


@dataclass(frozen=True)
class CurrentLineage:
    graph: LineageGraph
    run: LineageRun | None  # None: computed now, nothing recorded yet
    queries: int = 0  # recorded Trino queries whose edges are in the graph

    def describe(self) -> str:
        if self.run is None:
            text = "computed now from the contracts and dbt's compiled SQL (no recorded run yet)"
        else:
            text = (
                f"recorded by run {self.run.run_id} at {format_china(self.run.recorded_at, 'china')} China time "
                f"(Asia/Shanghai), code {self.run.code_version}"
            )
        if self.queries:
            text += f"; with the lineage of {self.queries} Trino quer{'y' if self.queries == 1 else 'ies'}"
        return text


def current_lineage(catalog: Catalog, compute: Callable[[], Extraction]) -> CurrentLineage:
    """The newest recorded run's edges; ``compute()`` when no run has recorded any. Either way with the
    edges of the Trino queries still in force."""
    queries = query_edges(catalog)
    run = latest_run(catalog)
    if run is not None:
        edges = read_edges(catalog, run.run_id)
        if edges:
            return CurrentLineage(LineageGraph([*edges, *queries.edges]), run, queries.queries)
    return CurrentLineage(LineageGraph([*compute().edges, *queries.edges]), None, queries.queries)

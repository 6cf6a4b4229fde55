"""The lineage to answer from: the newest recorded run, or — before any run recorded one — computed now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyiceberg.catalog import Catalog

from governance.lineage.graph import LineageGraph
from governance.lineage.record import Extraction
from governance.lineage.store import LineageRun, latest_run, read_edges


@dataclass(frozen=True)
class CurrentLineage:
    graph: LineageGraph
    run: LineageRun | None  # None: computed now, nothing recorded yet

    def describe(self) -> str:
        if self.run is None:
            return "computed now from the contracts and dbt's compiled SQL (no recorded run yet)"
        return (
            f"recorded by run {self.run.run_id} at {self.run.recorded_at:%Y-%m-%d %H:%M:%S} China time "
            f"(Asia/Shanghai), code {self.run.code_version}"
        )


def current_lineage(catalog: Catalog, compute: Callable[[], Extraction]) -> CurrentLineage:
    """The newest recorded run's edges; ``compute()`` when no run has recorded any."""
    run = latest_run(catalog)
    if run is not None:
        edges = read_edges(catalog, run.run_id)
        if edges:
            return CurrentLineage(LineageGraph(edges), run)
    return CurrentLineage(LineageGraph(compute().edges), None)

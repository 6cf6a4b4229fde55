"""OpenLineage events for a Dagster run, read back from the run's event log: per asset, START at its step's
start, COMPLETE at its materialisation or FAIL at its step's failure, with the run's recorded lineage.

Called once per run: after an in-process run (``orchestration.run.materialize_all``) and, when the daemon
runs, by the run-status sensors in ``orchestration.defs.lineage``. A marker file per run under
``$LAKEHOUSE_HOME/lineage/emitted/`` makes a second call for the same run a no-op.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from pyiceberg.catalog import Catalog

from governance.contracts import load_contracts
from governance.lineage import Edge, latest_run, read_edges
from governance.lineage.openlineage import (
    DUCKDB,
    ICEBERG,
    AssetRun,
    DatasetLineage,
    dataset_name,
    lineage_client,
    masking_facet,
    run_events,
)
from infra.dbt_manifest import load_manifest
from infra.zones import STAGING

log = logging.getLogger(__name__)


def _time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _error(event: dg.DagsterEvent) -> str:
    """The innermost cause's first line: the asset's own exception, not Dagster's wrapper around it."""
    error = getattr(event.event_specific_data, "error", None)
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = (getattr(error, "message", None) or "step failed").strip()
    return message.splitlines()[0] if message else "step failed"


def asset_runs(instance: dg.DagsterInstance, run_id: str) -> list[tuple[dg.AssetKey, AssetRun]]:
    """What each planned asset of the run did: materialised, or failed with its step; never started = none."""
    started: dict[str, float] = {}
    failed: dict[str, tuple[float, str]] = {}
    planned: dict[str, list[dg.AssetKey]] = defaultdict(list)
    done: dict[dg.AssetKey, float] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind == "STEP_START" and record.step_key:
            started[record.step_key] = record.timestamp
        elif kind == "ASSET_MATERIALIZATION_PLANNED" and record.step_key and event.asset_key:
            planned[record.step_key].append(event.asset_key)
        elif kind == "ASSET_MATERIALIZATION" and event.asset_key:
            done[event.asset_key] = record.timestamp
        elif kind == "STEP_FAILURE" and record.step_key:
            failed[record.step_key] = (record.timestamp, _error(event))
    found = []
    for step, keys in planned.items():
        if step not in started:
            continue  # skipped: an upstream failed or a gate blocked it
        for key in keys:
            if key in done:
                run = AssetRun(key.to_user_string(), ("", ""), _time(started[step]), _time(done[key]), False)
            elif step in failed:
                at, message = failed[step]
                run = AssetRun(key.to_user_string(), ("", ""), _time(started[step]), _time(at), True, message)
            else:
                continue
            found.append((key, run))
    return found


class _Lineage:
    """The edges, columns and contracts the events describe, indexed for one run."""

    def __init__(self, catalog: Catalog, run_id: str) -> None:
        self.catalog = catalog
        edges = read_edges(catalog, run_id)
        if not edges:  # the lineage asset did not run (failed upstream): the last recorded lineage
            last = latest_run(catalog)
            edges = read_edges(catalog, last.run_id) if last else []
        self.into: dict[str, list[Edge]] = defaultdict(list)
        for edge in edges:
            self.into[edge.to_table].append(edge)
        self.manifest = load_manifest()
        self.marts = {str(m.table) for m in self.manifest.marts()}
        self.contracts = load_contracts()

    def _iceberg_fields(self, table: str) -> list[tuple[str, str]]:
        if not self.catalog.table_exists(table):
            return []
        return [(f.name, str(f.field_type)) for f in self.catalog.load_table(table).schema().fields]

    def dataset(self, key: dg.AssetKey) -> tuple[tuple[str, str], DatasetLineage]:
        path = key.path
        if path[0] == "dbt":  # a dbt model, in DuckDB
            node = ".".join(path[1:])
            model = next((m for m in self.manifest.models.values() if [m.schema, m.name] == path[1:]), None)
            fields = [(c.name, c.data_type or "unknown") for c in model.columns] if model else []
            # A mart's edges are recorded under its published name, which is also its DuckDB name.
            edges = self.into.get(node, [])
            inputs = sorted({dataset_name(e.from_table) for e in edges})
            return (DUCKDB, node), DatasetLineage(inputs, fields, edges)
        table = ".".join(path)
        fields = self._iceberg_fields(table)
        if table in self.marts:  # a dbt mart published from DuckDB: the same columns, copied
            identity = [Edge("publish", f"duckdb:{table}", n, table, n, "copy") for n, _ in fields]
            return (ICEBERG, table), DatasetLineage(
                [(DUCKDB, table)], fields, identity, rename=self._duck_name
            )
        edges = self.into.get(table, [])
        masking = None
        if path[0] == STAGING.name and path[1] in self.contracts:
            masking = masking_facet(self.contracts[path[1]])
        inputs = sorted({dataset_name(e.from_table) for e in edges})
        return (ICEBERG, table), DatasetLineage(inputs, fields, edges, masking=masking)

    def _duck_name(self, node: str) -> tuple[str, str]:
        """Inputs of dbt models are DuckDB relations: stg views, and staging tables as dbt reads them."""
        if node.startswith("duckdb:"):
            return DUCKDB, node.removeprefix("duckdb:")
        return dataset_name(node)


def _marker(home: Path, run_id: str) -> Path:
    return home / "lineage" / "emitted" / run_id


def emit_run(instance: dg.DagsterInstance, run_id: str, catalog: Catalog, home: Path) -> int:
    """Emit the run's OpenLineage events (once per run); returns how many were emitted."""
    marker = _marker(home, run_id)
    if marker.exists():
        return 0
    runs = asset_runs(instance, run_id)
    # A run of checks only (the freshness of sources with nothing new) describes no dataset: its lineage
    # (edges, manifest, contracts) is not even read.
    emitted = _emit(instance, run_id, runs, catalog, home) if runs else 0
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(emitted))
    return emitted


def _emit(
    instance: dg.DagsterInstance,
    run_id: str,
    runs: list[tuple[dg.AssetKey, AssetRun]],
    catalog: Catalog,
    home: Path,
) -> int:
    run = instance.get_run_by_id(run_id)
    job_name = run.job_name if run else "dagster"
    lineage = _Lineage(catalog, run_id)
    client = lineage_client(home)
    emitted = 0
    for key, asset in runs:
        output, described = lineage.dataset(key)
        asset = AssetRun(asset.job, output, asset.started, asset.ended, asset.failed, asset.error)
        for event in run_events(asset, run_id, job_name, described):
            client.emit(event)
            emitted += 1
    return emitted

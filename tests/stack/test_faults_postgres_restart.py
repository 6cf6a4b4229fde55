"""PostgreSQL restarted between runs (stopped and started again through our stack code, same port).

Without any manual step afterwards, the CLI (`lakehouse tables`, an ingest), Trino (whose Iceberg JDBC
catalog held connections to the old server) and Dagster's run and event-log storage in that PostgreSQL keep
working. Three repetitions on the session's stack.
Found here: Trino's first catalog query after the restart used to fail with "Cannot check and eventually
update SQL schema": the fast shutdown ends each pooled connection with SQLSTATE 57P01, which Iceberg's
JDBC pool does not retry by default. The catalog now lists 57P01/57P02/57P03 as retryable
(`iceberg.jdbc-catalog.retryable-status-codes`), so the pool reconnects and the first query answers.
Dagster: an instance from the stack's generated dagster.yaml (in a temporary DAGSTER_HOME, so the session's
stack gets no Dagster components to report) records a run and an event before the restart and, the same
instance object, again after it; a new instance reads them all. The session's stack runs no Dagster servers
(tests/stack/test_dagster_stack.py starts its own), and none is started for this.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import dagster as dg
import pytest
from dagster._core.utils import make_new_run_id

from governance.contracts import load_contracts
from infra import stack
from infra.stack import dagster as dagster_node
from infra.stack import postgres, procs
from ingest.simulator import simulate
from tests.stack.stack_cli import lakehouse

pytestmark = pytest.mark.stack
FLOW = load_contracts()["traffic_flow"]


PROBE_JOB = "lakehouse_fault_probe"


def _record(instance: dg.DagsterInstance, repetition: int, step: str) -> None:
    """A run in the run storage and a runless materialization in the event log, as Dagster records them."""
    instance.add_run(
        dg.DagsterRun(job_name=PROBE_JOB, run_id=make_new_run_id(), tags={"repetition": str(repetition)})
    )
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=PROBE_JOB, metadata={"repetition": repetition, "step": step})
    )


def _recorded(instance: dg.DagsterInstance, repetition: int) -> tuple[int, str]:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=PROBE_JOB, tags={"repetition": str(repetition)}))
    event = instance.get_latest_materialization_event(dg.AssetKey(PROBE_JOB))
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert metadata["repetition"].value == repetition
    return len(runs), str(metadata["step"].value)


def _sql_count(running) -> subprocess.CompletedProcess[str]:
    return lakehouse(
        running, "sql", "--profile", "stack", "--json", f"SELECT count(*) AS n FROM {FLOW.raw_table}"
    )


def _count(running) -> int:
    done = _sql_count(running)
    assert done.returncode == 0, done.stderr[-3000:]
    return int(json.loads(done.stdout)[0]["n"])


@pytest.mark.parametrize("repetition", [1, 2, 3])
def test_cli_trino_and_dagster_recover_after_postgres_restart(running_stack, tmp_path, repetition) -> None:
    settings, paths = running_stack.settings, running_stack.paths
    folder = tmp_path / "sources"
    simulate(folder, scale=0.05, days=1, seed=repetition, start=date(2026, 9, 1) + timedelta(days=repetition))
    first = lakehouse(running_stack, "ingest", "traffic_flow", str(folder / "traffic"))
    assert first.returncode == 0, first.stderr[-3000:]
    before = _count(running_stack)  # Trino's catalog now holds pooled connections to this server
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(dagster_node.instance_yaml(settings), encoding="utf-8")
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    _record(instance, repetition, "before")
    assert _recorded(instance, repetition) == (1, "before")

    old_pid = procs.running_pid(paths.pid_file(postgres.NAME))
    assert postgres.stop(paths) == old_pid
    stack.up(settings, components=[postgres.NAME], progress=lambda _m: None)
    new_pid = procs.running_pid(paths.pid_file(postgres.NAME))
    assert new_pid is not None and new_pid != old_pid

    tables = lakehouse(running_stack, "tables")
    assert tables.returncode == 0, tables.stderr[-3000:]
    zone, name = FLOW.raw_table.split(".")
    assert any(line.split()[:2] == [zone, name] for line in tables.stdout.splitlines()), tables.stdout

    more = tmp_path / "more"
    simulate(
        more, scale=0.05, days=1, seed=100 + repetition, start=date(2026, 8, 1) + timedelta(days=repetition)
    )
    again = lakehouse(running_stack, "ingest", "traffic_flow", str(more / "traffic"), "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    loaded = json.loads(again.stdout[again.stdout.index("{") :])["rows_loaded"]
    assert loaded > 0

    # Trino: every query after the restart answers, the first included (the catalog's pool has more than one
    # connection to the old server; each is retried on a new connection when 57P01 ends it).
    for _ in range(3):
        assert _count(running_stack) == before + loaded

    # Dagster: the instance opened before the restart records again, and a new one reads everything.
    try:
        _record(instance, repetition, "after")
        assert _recorded(instance, repetition) == (2, "after")
    finally:
        instance.dispose()
    fresh = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        assert _recorded(fresh, repetition) == (2, "after")
    finally:
        fresh.dispose()

"""PostgreSQL restarted between runs (stopped and started again through our stack code, same port).

Without any manual step afterwards, the CLI (`lakehouse tables`, an ingest) and Trino (whose Iceberg JDBC
catalog held connections to the old server) keep working. Three repetitions on the session's stack.
Found here: the CLI recovers; Trino's first query after the restart fails with "Cannot check and
eventually update SQL schema" (its JDBC catalog reuses a pooled connection to the dead server) and the next
query works, so that case ends as xfail until Trino's catalog is configured or retried to avoid it.
Dagster's PostgreSQL storage is not part of the session's stack (tests/stack/test_dagster_stack.py runs its
own), so it is not restarted here.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import pytest

from governance.contracts import load_contracts
from infra import stack
from infra.stack import postgres, procs
from ingest.simulator import simulate
from tests.stack.stack_cli import lakehouse

pytestmark = pytest.mark.stack
FLOW = load_contracts()["traffic_flow"]


# What Trino 476's Iceberg JDBC catalog answers when its pooled connection died with the old server.
STALE_POOL = "Cannot check and eventually update SQL schema"


def _sql_count(running) -> subprocess.CompletedProcess[str]:
    return lakehouse(
        running, "sql", "--profile", "stack", "--json", f"SELECT count(*) AS n FROM {FLOW.raw_table}"
    )


def _count(running) -> int:
    done = _sql_count(running)
    assert done.returncode == 0, done.stderr[-3000:]
    return int(json.loads(done.stdout)[0]["n"])


@pytest.mark.parametrize("repetition", [1, 2, 3])
def test_cli_and_trino_recover_after_postgres_restart(running_stack, tmp_path, repetition) -> None:
    settings, paths = running_stack.settings, running_stack.paths
    folder = tmp_path / "sources"
    simulate(folder, scale=0.05, days=1, seed=repetition, start=date(2026, 9, 1) + timedelta(days=repetition))
    first = lakehouse(running_stack, "ingest", "traffic_flow", str(folder / "traffic"))
    assert first.returncode == 0, first.stderr[-3000:]
    before = _count(running_stack)  # Trino's catalog now holds pooled connections to this server

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

    # Trino: the first query after the restart fails once (known, reported), the next one is right.
    first_query = _sql_count(running_stack)
    if first_query.returncode != 0:
        assert STALE_POOL in first_query.stderr, first_query.stderr[-3000:]
        assert _count(running_stack) == before + loaded
        pytest.xfail(
            f"Trino's first query after a PostgreSQL restart fails with {STALE_POOL!r}; the next works"
        )
    assert int(json.loads(first_query.stdout)[0]["n"]) == before + loaded

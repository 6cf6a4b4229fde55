"""The Trino worker killed (SIGKILL, by its recorded PID) while a steward's query has a running task on it.

The client must get a clear TrinoQueryError naming the worker within a bounded time (no hang), the
coordinator must keep serving, and `lakehouse status` must show the worker down and the coordinator up.
Then our stack code starts the worker again and each repetition ends only once the coordinator lists it
active *and* schedules a task on it, so the next repetition (and the stack tests after this module) find
the two-node stack they started with. Three repetitions on the session's stack.

Found while writing it: a node killed with SIGKILL by the process that started it (here pytest, whose
session fixture spawned the worker) stays a zombie until that process waits for it, and Trino's launcher
takes a zombie's PID in its own launcher.pid for a running server ("already running as <pid>"): our stack
code now reaps it and drops that file before starting a node (infra/stack/trino.py). And a query sent
before the coordinator's failure detector has dropped the dead worker (about a minute here) may still be
scheduled on it and fail the same way, so the "keeps serving" query waits for that first.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date

import pytest
import trino as trino_client

from governance.contracts import load_contracts
from infra import stack
from infra.stack import procs, trino, trino_nodes
from infra.stack.secrets import STEWARD_USER
from ingest.simulator import simulate
from tests.stack.stack_cli import lakehouse

pytestmark = pytest.mark.stack
FLOW = load_contracts()["traffic_flow"]
MARK = "lakehouse-worker-kill"
# About 150M rows through a cross join and a hash aggregation: tens of seconds on two cores, and the
# aggregation's hash-partitioned stage puts a task on every node, the worker included.
LONG_QUERY = (
    f"SELECT /* {MARK} */ (length(t.detector_id) + x + y) % 97 AS k, count(*) AS n "
    f"FROM {FLOW.raw_table} t CROSS JOIN UNNEST(sequence(1, 10000)) a(x) "
    "CROSS JOIN UNNEST(sequence(1, 3)) b(y) GROUP BY 1"
)
TASK_WAIT = 120  # for the long query to have a running task on the worker
ERROR_WITHIN = 240  # from the kill to the client's error (Trino 476 gives up on a node after about 60 s)
DROP_WITHIN = 240  # for the failure detector to drop the dead worker
SCHEDULE_WITHIN = 180  # for a restarted worker to be given a task


def _worker_id(running) -> str:
    return trino_nodes.worker_node(running.settings, running.paths).node_id


def _query(running, sql: str) -> list[list[object]]:
    return trino.query(running.settings, running.paths, sql, running.user(STEWARD_USER))


def _active(running) -> set[str]:
    return {
        str(r[0]) for r in _query(running, "SELECT node_id FROM system.runtime.nodes WHERE state = 'active'")
    }


def _running_tasks(running, marker: str) -> set[str]:
    """Nodes with a RUNNING task of the running query carrying `marker` (this probe excluded)."""
    rows = _query(
        running,
        "SELECT t.node_id FROM system.runtime.tasks t JOIN system.runtime.queries q ON t.query_id = q.query_id "
        f"WHERE q.state = 'RUNNING' AND t.state = 'RUNNING' AND strpos(q.query, '/* {marker} */') > 0 "
        "AND strpos(q.query, 'system.runtime') = 0",
    )
    return {str(r[0]) for r in rows}


def _worker_takes_tasks(running) -> None:
    """A short distributed query gets a task on the worker (the coordinator really schedules there)."""
    worker = _worker_id(running)
    deadline = time.monotonic() + SCHEDULE_WITHIN
    while time.monotonic() < deadline:
        user = running.user(STEWARD_USER)
        with trino.connect(running.settings, running.paths, user.name, user.password) as conn:
            cur = conn.cursor()
            cur.execute(
                f"SELECT k, count(*) FROM (SELECT length(detector_id) % 13 AS k FROM {FLOW.raw_table}) GROUP BY 1"
            )
            cur.fetchall()
            query_id = cur.query_id
        nodes = {
            str(r[0])
            for r in _query(
                running, f"SELECT node_id FROM system.runtime.tasks WHERE query_id = '{query_id}'"
            )
        }
        if worker in nodes:
            return
        time.sleep(2)
    pytest.fail(f"the coordinator gave the restarted worker no task within {SCHEDULE_WITHIN} s")


@pytest.fixture(scope="module")
def flow_rows(running_stack, tmp_path_factory) -> None:
    """One day of traffic in the raw table: the long query's input."""
    folder = tmp_path_factory.mktemp("worker-kill") / "sources"
    simulate(folder, scale=0.05, days=1, seed=7, start=date(2026, 7, 1))
    done = lakehouse(running_stack, "ingest", "traffic_flow", str(folder / "traffic"))
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("repetition", [1, 2, 3])
def test_worker_killed_mid_query(running_stack, flow_rows, repetition) -> None:
    settings, paths = running_stack.settings, running_stack.paths
    worker = _worker_id(running_stack)
    worker_port = settings.trino_worker_port
    pid = procs.running_pid(paths.pid_file(trino_nodes.WORKER))
    assert pid is not None, "the session's stack runs no Trino worker"
    assert worker in _active(running_stack)

    marker = f"{MARK}-{repetition}"
    outcome: dict[str, object] = {}

    user = running_stack.user(STEWARD_USER)

    def long_query() -> None:
        try:
            with trino.connect(settings, paths, user.name, user.password) as conn:
                cur = conn.cursor()
                cur.execute(LONG_QUERY.replace(MARK, marker))
                outcome["rows"] = cur.fetchall()
        except Exception as exc:  # the assertion below says which one was expected
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=long_query, daemon=True)
    thread.start()
    deadline = time.monotonic() + TASK_WAIT
    while worker not in _running_tasks(running_stack, marker):
        assert thread.is_alive(), f"the long query ended before it had a task on the worker: {outcome}"
        assert time.monotonic() < deadline, f"no running task of the long query on {worker} in {TASK_WAIT} s"
        time.sleep(0.5)

    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    assert procs.wait_gone(pid, 30)  # and reaped: pytest started it

    # The client: a clear error naming the worker, in bounded time.
    thread.join(ERROR_WITHIN)
    assert not thread.is_alive(), f"the query neither failed nor finished {ERROR_WITHIN} s after the kill"
    error = outcome.get("error")
    assert isinstance(error, trino_client.exceptions.TrinoQueryError), outcome
    assert f"127.0.0.1:{worker_port}" in error.message, error
    print(
        f"repetition {repetition}: {error.error_name} {float(outcome['ended']) - killed:.0f} s after the kill"
    )

    # The coordinator answers at once (system tables run on it), `lakehouse status` shows the worker down.
    assert _query(running_stack, "SELECT 1") == [[1]]
    status = lakehouse(running_stack, "status")
    assert status.returncode == 1, status.stdout + status.stderr
    lines = {line.split()[1]: line.split()[0] for line in status.stdout.splitlines() if len(line.split()) > 1}
    assert lines.get(trino_nodes.WORKER) == "DOWN", status.stdout
    assert lines.get(trino_nodes.COORDINATOR) == "ok", status.stdout

    # Once the failure detector has dropped the worker, the coordinator serves table queries alone.
    deadline = time.monotonic() + DROP_WITHIN
    while True:
        try:
            if worker not in _active(running_stack):
                break
        except trino_client.exceptions.TrinoQueryError as exc:
            # Until the worker is dropped even this probe may be given a task on it and fail like the
            # long query: that is the reason for waiting, not a failure of the coordinator.
            assert "talking to a worker node" in exc.message, exc
        assert time.monotonic() < deadline, f"the coordinator still lists {worker} active {DROP_WITHIN} s on"
        time.sleep(1)
    print(f"repetition {repetition}: worker dropped {time.monotonic() - killed:.0f} s after the kill")
    assert _query(running_stack, f"SELECT count(*) FROM {FLOW.raw_table}")[0][0] > 0

    # Started again by our stack code (it waits for the registration), then really given work.
    started = time.monotonic()
    stack.up(settings, components=[trino_nodes.WORKER], progress=lambda _m: None)
    assert worker in _active(running_stack)
    _worker_takes_tasks(running_stack)
    print(
        f"repetition {repetition}: worker back and scheduled {time.monotonic() - started:.0f} s after restart"
    )
    new_pid = procs.running_pid(paths.pid_file(trino_nodes.WORKER))
    assert new_pid is not None and new_pid != pid

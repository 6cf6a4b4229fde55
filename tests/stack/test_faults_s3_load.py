"""s3proxy killed (SIGKILL, by its recorded PID) in the middle of `lakehouse ingest` on the stack profile.

The load must end with one line naming the S3 server and what to do, the table must stay at its previous
snapshot (nothing half-committed referenced), and once our stack code has started s3proxy again the re-run
loads every row exactly once. Three repetitions on the session's stack, each with its own days' files;
s3proxy is running again when each test ends.
"""

from __future__ import annotations

import signal
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from governance.contracts import load_contracts
from infra import stack
from infra.catalog import open_catalog
from infra.stack import procs
from ingest.simulator import simulate
from tests.stack.stack_cli import LAKEHOUSE, stack_env

pytestmark = pytest.mark.stack
FLOW = load_contracts()["traffic_flow"]
FIRST_DAY = date(2026, 10, 1)


def _rows_in(files: list[Path]) -> int:
    return sum(sum(1 for line in f.read_text(encoding="utf-8").splitlines() if line.strip()) for f in files)


def _days(tmp: Path, start: date, days: int) -> Path:
    """A hand-over folder with `days` of traffic files from `start` (distinct days: distinct rows)."""
    out = tmp / f"sources-{start.isoformat()}"
    simulate(out, scale=0.05, days=days, seed=start.toordinal(), start=start)
    return out / "traffic"


def _ingest(running, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAKEHOUSE, "ingest", "traffic_flow", str(folder)],
        env=stack_env(running) | {"PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _raw_state(running) -> tuple[int | None, int]:
    table = open_catalog(running.settings).load_table(FLOW.raw_table)
    snapshot = table.current_snapshot()
    return (None if snapshot is None else snapshot.snapshot_id), table.scan().to_arrow().num_rows


@pytest.fixture(scope="module")
def baseline(running_stack, tmp_path_factory) -> None:
    """The raw table holds one earlier day, so a failed load has a previous snapshot to stay at."""
    done = _ingest(running_stack, _days(tmp_path_factory.mktemp("base"), FIRST_DAY, 1))
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("repetition", [1, 2, 3])
def test_s3_killed_mid_load_then_rerun_loads_once(running_stack, baseline, tmp_path, repetition) -> None:
    settings, paths = running_stack.settings, running_stack.paths
    folder = _days(tmp_path, FIRST_DAY + timedelta(days=10 * repetition), 3)
    files = sorted(folder.glob("flow_*.ndjson"))
    before_snapshot, before_rows = _raw_state(running_stack)
    assert before_snapshot is not None

    process = subprocess.Popen(
        [LAKEHOUSE, "ingest", "traffic_flow", str(folder)],
        env=stack_env(running_stack) | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            # The first of three files is read; the data files are written to S3 after the last one.
            if line.startswith("traffic_flow: read "):
                break
        pid = procs.running_pid(paths.pid_file("s3"))
        assert pid is not None
        procs.stop_pid(pid, sig=signal.SIGKILL, timeout=20)
        _out, err = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        stack.up(settings, components=["s3"], progress=lambda _m: None)

    assert process.returncode == 1, err[-3000:]
    assert "Traceback" not in err
    (message,) = err.strip().splitlines()
    assert f"s3 ({settings.s3_endpoint}" in message and "stopped answering" in message
    assert "`lakehouse up`" in message and "`lakehouse ingest traffic_flow" in message

    # s3proxy is back (the metadata lives in the bucket): the table is where it was, every file readable.
    assert _raw_state(running_stack) == (before_snapshot, before_rows)

    rerun = _ingest(running_stack, folder)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    after_snapshot, after_rows = _raw_state(running_stack)
    assert after_snapshot != before_snapshot
    assert after_rows == before_rows + _rows_in(files)
    again = _ingest(running_stack, folder)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _raw_state(running_stack) == (after_snapshot, after_rows)

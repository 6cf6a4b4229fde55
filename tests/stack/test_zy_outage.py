"""A stack server that dies under a command: one line naming it and what to do, exit code 1, no traceback.

Kills the session's s3proxy (by its recorded PID), so it sorts just before test_zz_shutdown.py and starts
s3proxy again at the end.
"""

from __future__ import annotations

import pytest

from infra import stack
from infra.stack import procs
from tests.stack.stack_cli import lakehouse

pytestmark = pytest.mark.stack


@pytest.fixture
def s3_killed(running_stack):
    settings, paths = running_stack.settings, running_stack.paths
    if not any(settings.sources_dir.glob("*/*")):
        done = lakehouse(running_stack, "simulate", "--scale", "0.01", "--days", "1", profile=None)
        assert done.returncode == 0, done.stderr
    pid = procs.running_pid(paths.pid_file("s3"))
    assert pid is not None
    procs.stop_pid(pid, timeout=20)
    try:
        yield running_stack
    finally:
        stack.up(settings, components=["s3"], progress=lambda _m: None)
        assert all(s.healthy for s in stack.status(settings) if s.name == "s3")


def test_ingest_with_s3_gone_says_so_in_one_line(s3_killed) -> None:
    done = lakehouse(s3_killed, "ingest", "parking_lots", timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr[-3000:]
    assert "s3 (" in lines[0] and "stopped answering" in lines[0]
    assert "`lakehouse status`" in lines[0] and "`lakehouse up`" in lines[0]
    assert "`lakehouse ingest parking_lots`" in lines[0]

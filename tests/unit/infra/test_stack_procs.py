"""PID bookkeeping of the stack with harmless stand-in processes (sleep), no servers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infra.stack import procs
from infra.stack.model import StackError


def _spawn(tmp_path: Path, code: str) -> int:
    return procs.spawn(
        [sys.executable, "-c", code], pid_file=tmp_path / "x.pid", log_file=tmp_path / "x.log", cwd=tmp_path
    )


def _signal_state(pid: int) -> str:
    """The child's state and signal masks, for the message when SIGTERM did not end it (seen once in CI)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError as exc:
        return f"no status ({type(exc).__name__})"
    return "; ".join(
        line for line in lines if line.startswith(("State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn"))
    )


def test_spawn_records_pid_and_stop_ends_it(tmp_path: Path) -> None:
    pid = _spawn(tmp_path, "import time; time.sleep(60)")
    assert procs.running_pid(tmp_path / "x.pid") == pid
    before = _signal_state(pid)
    # 30 s: on a loaded CI machine a just-started interpreter may take long to get scheduled.
    assert procs.stop_pid(pid, timeout=30) is False, f"SIGTERM did not end the child; before it: {before}"
    assert not procs.is_alive(pid)
    assert procs.running_pid(tmp_path / "x.pid") is None
    assert not (tmp_path / "x.pid").exists()  # stale file removed


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    pid = _spawn(tmp_path, code)
    procs.wait_until(
        lambda: "ready" in (tmp_path / "x.log").read_text(), what="x", timeout=10, log_file=tmp_path / "x.log"
    )
    assert procs.stop_pid(pid, timeout=1) is True
    assert not procs.is_alive(pid)


def test_reused_pid_is_not_ours(tmp_path: Path) -> None:
    pid = _spawn(tmp_path, "import time; time.sleep(60)")
    pid_file = tmp_path / "x.pid"
    pid_file.write_text(f"{pid}\n12345\n")  # another start time: the PID now belongs to someone else
    try:
        assert procs.running_pid(pid_file) is None
    finally:
        procs.stop_pid(pid, timeout=10)


def test_timeout_stops_the_server_and_names_the_log(tmp_path: Path) -> None:
    pid = _spawn(tmp_path, "print('still booting', flush=True); import time; time.sleep(60)")
    with pytest.raises(StackError, match=r"not ready after 1 s.*x\.log") as err:
        procs.wait_until(lambda: False, what="thing", timeout=1, log_file=tmp_path / "x.log", pid=pid)
    assert "still booting" in str(err.value)
    assert not procs.is_alive(pid)


def test_early_exit_is_reported(tmp_path: Path) -> None:
    pid = _spawn(tmp_path, "import sys; print('bad config', flush=True); sys.exit(3)")
    with pytest.raises(StackError, match="exited during start-up"):
        procs.wait_until(
            lambda: False, what="thing", timeout=20, log_file=tmp_path / "x.log", pid=pid, interval=0.1
        )

"""A Trino node killed by the process that started it must be able to start again.

Trino's launcher refuses to start while the PID in its launcher.pid exists, and a killed child that its
parent has not waited for is a zombie whose PID still exists. Our stack code reaps it and drops the file.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from infra.stack import procs
from infra.stack.trino import _forget_dead_launcher, launcher_pid_file
from infra.stack.trino_config import TrinoNode


def _node(tmp_path: Path) -> TrinoNode:
    return TrinoNode("trino-worker", False, 18444, tmp_path / "worker", heap="1G")


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_zombie_in_launcher_pid_is_reaped_and_forgotten(tmp_path: Path) -> None:
    node = _node(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while _state(child.pid) != "Z":  # exited, not waited for: what a SIGKILLed node is to its parent
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid_file = launcher_pid_file(node)
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{child.pid}\n")

    _forget_dead_launcher(node)

    assert not pid_file.exists()
    assert not Path(f"/proc/{child.pid}").exists()  # reaped
    child.returncode = 0  # already waited for above; keep Popen's destructor quiet


def test_a_running_launcher_pid_is_kept(tmp_path: Path) -> None:
    node = _node(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        pid_file = launcher_pid_file(node)
        pid_file.parent.mkdir(parents=True)
        pid_file.write_text(f"{child.pid}\n")
        _forget_dead_launcher(node)
        assert pid_file.read_text() == f"{child.pid}\n"
        assert procs.is_alive(child.pid)
    finally:
        child.kill()
        child.wait()

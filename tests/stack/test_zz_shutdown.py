"""Last stack test (the file name sorts last): `down` stops every server and leaves no process behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import stack
from infra.stack import procs

pytestmark = pytest.mark.stack


def test_down_leaves_no_process(running_stack) -> None:
    paths = running_stack.paths
    pids = {f.stem: procs.read_pid(f) for f in paths.run.glob("*.pid")}
    assert set(pids) == {"postgres", "s3", "audit", "trino", "trino-worker"}
    # PostgreSQL's backends and any helper a server forked must go too.
    family = _descendants({pid for pid in pids.values() if pid})
    assert len(family) > len(pids)
    stopped = stack.down(running_stack.settings)
    assert len(stopped) == 5
    for pid in family:
        assert not procs.is_alive(pid), pid
    assert not list(paths.run.glob("*.pid"))
    assert all(not s.healthy and s.pid is None for s in stack.status(running_stack.settings))


def _descendants(roots: set[int]) -> set[int]:
    parent: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(proc.name)] = int(fields[1])
    found = set(roots)
    changed = True
    while changed:
        children = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= children
        changed = bool(children)
    return found

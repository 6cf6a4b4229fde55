"""Files the lakehouse and its servers create are the owner's only; old homes are tightened at `up`."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.settings import exposed_paths, load_settings, make_private
from infra.stack import procs
from infra.stack.paths import StackPaths


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The usual 022 of a login shell, put back afterwards whatever the test did."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_loading_the_settings_makes_new_files_private(tmp_path: Path, lax_umask: None) -> None:
    load_settings()
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "data.csv").write_text("id\n1\n")
    assert _mode(tmp_path / "folder") == 0o700
    assert _mode(tmp_path / "folder" / "data.csv") == 0o600


def test_servers_create_private_files_whatever_our_umask(tmp_path: Path, lax_umask: None) -> None:
    code = "import os; os.mkdir('spool'); open('spool/events.ndjson', 'w').write('{}')"
    pid = procs.spawn(
        [sys.executable, "-c", code], pid_file=tmp_path / "x.pid", log_file=tmp_path / "x.log", cwd=tmp_path
    )
    assert procs.wait_gone(pid, 20)
    assert _mode(tmp_path / "spool") == 0o700
    assert _mode(tmp_path / "spool" / "events.ndjson") == 0o600
    assert _mode(tmp_path / "x.log") == 0o644  # made by this process, under the lax umask: the contrast


def test_exposed_paths_lists_offenders_and_make_private_fixes_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "stack" / "audit").mkdir(parents=True)
    spool = home / "stack" / "audit" / "query-events.ndjson"
    spool.write_text("{}\n")
    (home / "dbt.duckdb").write_bytes(b"x")
    (home / "link").symlink_to(spool)
    for path, mode in ((home, 0o755), (home / "stack", 0o755), (home / "stack" / "audit", 0o755)):
        path.chmod(mode)
    spool.chmod(0o644)
    (home / "dbt.duckdb").chmod(0o640)
    traversable = (home, home / "stack")

    found = dict(exposed_paths(home, traversable))
    assert found == {
        home: 0o755,
        home / "stack": 0o755,
        home / "stack" / "audit": 0o755,
        spool: 0o644,
        home / "dbt.duckdb": 0o640,
    }
    assert make_private(home, traversable) == 5
    assert exposed_paths(home, traversable) == []
    assert (_mode(home), _mode(home / "stack"), _mode(home / "stack" / "audit")) == (0o711, 0o711, 0o700)
    assert (_mode(spool), _mode(home / "dbt.duckdb")) == (0o600, 0o600)


def test_stack_folders_are_private_except_the_way_to_postgres(tmp_path: Path) -> None:
    paths = StackPaths(home=tmp_path / "home", cache=tmp_path / "cache")
    paths.ensure()
    assert _mode(paths.home) == _mode(paths.root) == 0o711  # search only: the postgres OS user passes
    assert _mode(paths.run) == _mode(paths.logs) == _mode(paths.secrets) == 0o700
    assert exposed_paths(paths.home, paths.traversable) == []

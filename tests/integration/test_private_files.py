"""After `lakehouse demo` (embedded, tiny scale), no file under LAKEHOUSE_HOME is readable by another user.

The command runs as a user would start it, from a shell with the common umask 022: the lakehouse itself
must make its files (warehouse, catalog.db, dbt.duckdb, sources, reports, Dagster state) owner-only.
Offenders are listed by path and mode, never by content.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration


def exposed(home: Path) -> list[str]:
    """`mode path` of every file or folder under `home` that group or others could read, write or list."""
    found = []
    for folder, _dirs, files in os.walk(home):  # os.walk does not follow symlinked folders
        here = Path(folder)
        mode = stat.S_IMODE(here.stat().st_mode)
        if mode & 0o077:
            found.append(f"{oct(mode)} {here.relative_to(home)}/")
        for name in files:
            info = (here / name).lstat()
            if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                found.append(f"{oct(stat.S_IMODE(info.st_mode))} {(here / name).relative_to(home)}")
    return found


def _umask_022() -> None:
    os.umask(0o022)


def test_demo_leaves_no_file_readable_by_others(tmp_path: Path) -> None:
    home = tmp_path / "lakehouse"  # created by the command itself
    env = {
        **os.environ,
        "LAKEHOUSE_HOME": str(home),
        "LAKEHOUSE_PROFILE": "embedded",
        "LAKEHOUSE_PSEUDONYM_KEY": "integration-test-pseudonym-key-0002",
        "LAKEHOUSE_LOG_LEVEL": "WARNING",
        "DAGSTER_HOME": str(home / "dagster"),
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lakehouse")), "demo", "--scale", "0.01", "--days", "1"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        preexec_fn=_umask_022,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("catalog.db", "dbt.duckdb"):
        assert (home / name).is_file(), name
    assert any((home / "warehouse").rglob("*.parquet"))
    offenders = exposed(home)
    assert offenders == [], "\n".join(offenders)

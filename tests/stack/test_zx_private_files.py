"""After a real pipeline on the stack, no file under LAKEHOUSE_HOME is readable by another user.

Sorts after test_stack_governance.py, whose pipeline fixture fills the home; run alone, it runs the
tiny pipeline itself. The check reads modes only and lists offenders by path, never their contents.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infra.stack import trino as trino_node
from infra.stack.audit import spool_path
from infra.stack.secrets import STEWARD_USER
from tests.stack.stack_data import pipeline_once

pytestmark = pytest.mark.stack


def exposed(home: Path) -> list[str]:
    """Files (and folders) other users could read, write or list: `mode path`, relative to the home.

    Search permission alone is allowed on the home and stack/: the PostgreSQL OS user passes through them
    to its data dir. An oracle of its own (not infra.settings.exposed_paths), so it judges that helper too.
    """
    search_only = {home, home / "stack"}
    found = []
    for folder, _dirs, files in os.walk(home):  # os.walk does not follow symlinked folders
        here = Path(folder)
        mode = stat.S_IMODE(here.stat().st_mode)
        if mode & (0o066 if here in search_only else 0o077):
            found.append(f"{oct(mode)} {here.relative_to(home)}/")
        for name in files:
            info = (here / name).lstat()
            if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                found.append(f"{oct(stat.S_IMODE(info.st_mode))} {(here / name).relative_to(home)}")
    return found


@pytest.fixture(scope="module")
def filled_home(running_stack):
    settings = running_stack.settings
    # The session's pipeline (Trino builds the marts there: dbt.duckdb exists only when the project was
    # compiled or built for the embedded target against the stack, e.g. by tests/stack/test_dbt_trino.py).
    pipeline_once(running_stack)
    # A query, so that the audit spool holds query text.
    trino_node.query(settings, running_stack.paths, "SELECT 1", running_stack.user(STEWARD_USER))
    return running_stack


def test_every_file_in_the_stack_home_is_the_owners_only(filled_home) -> None:
    paths = filled_home.paths
    settings = filled_home.settings
    assert any((paths.s3 / settings.s3_bucket).rglob("*.parquet"))
    offenders = exposed(settings.home)  # Trino's generated rules and groups included
    assert offenders == [], "\n".join(offenders)
    # What the finding named, present and private.
    duckdb_file = [settings.duckdb_path] if settings.duckdb_path.exists() else []
    for path in (spool_path(paths), *duckdb_file, paths.secrets / "stack.json"):
        assert path.is_file(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

"""One real stack (PostgreSQL, s3proxy, Trino coordinator + worker) for the whole test session.

It runs in a fresh temporary LAKEHOUSE_HOME on free loopback ports, so it never touches a developer's
own stack, and is stopped at the end even when tests fail. Downloads come from LAKEHOUSE_CACHE.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.sharing.service import rules_at_start
from infra import stack
from infra.settings import Settings, load_settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser, load_or_create_users
from tests.factories import free_port


@dataclasses.dataclass(frozen=True)
class RunningStack:
    settings: Settings
    paths: StackPaths
    started: list[stack.ComponentStatus]

    def user(self, name: str) -> TrinoUser:
        return next(u for u in load_or_create_users(self.paths.secrets) if u.name == name)


@pytest.fixture(scope="session")
def running_stack() -> Iterator[RunningStack]:
    # Short path: PostgreSQL's unix socket path must stay under 107 bytes. The postgres OS user
    # must be able to traverse it, so it is made world-executable (it holds only this test's data).
    home = Path(tempfile.mkdtemp(prefix="lhstack-"))
    home.chmod(0o755)
    base = load_settings()
    settings = dataclasses.replace(
        base,
        profile="stack",
        home=home,
        pg_port=free_port(),
        pg_password="",
        s3_endpoint=f"http://127.0.0.1:{free_port()}",
        s3_access_key="lakehouse",
        s3_secret_key="",
        trino_port=free_port(),
        trino_worker_port=free_port(),
        audit_port=free_port(),
    )
    try:
        started = stack.up(settings, with_worker=True, access_rules=rules_at_start)
        yield RunningStack(stack.stack_settings(settings), StackPaths.of(settings), started)
    finally:
        stack.down(settings)
        shutil.rmtree(home, ignore_errors=True)

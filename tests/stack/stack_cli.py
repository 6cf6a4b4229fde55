"""Run the `lakehouse` command against the session's stack (its home, ports and profile) in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from infra.settings import PROJECT_ROOT

LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))


def stack_env(running, profile: str | None = "stack") -> dict[str, str]:
    s = running.settings
    env = {
        **os.environ,
        "LAKEHOUSE_HOME": str(s.home),
        "LAKEHOUSE_PG_PORT": str(s.pg_port),
        "LAKEHOUSE_S3_ENDPOINT": s.s3_endpoint,
        "LAKEHOUSE_TRINO_PORT": str(s.trino_port),
        "LAKEHOUSE_TRINO_WORKER_PORT": str(s.trino_worker_port),
        "LAKEHOUSE_AUDIT_PORT": str(s.audit_port),
        "LAKEHOUSE_LOG_LEVEL": "WARNING",
    }
    env.pop("LAKEHOUSE_PROFILE", None)
    if profile:
        env["LAKEHOUSE_PROFILE"] = profile
    return env


def lakehouse(
    running, *args: str, profile: str | None = "stack", timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAKEHOUSE, *args],
        env=stack_env(running, profile),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )

"""The query-event receiver as a stack component (`audit`): our own small HTTP server on loopback.

Trino's HTTP event listener POSTs every completed query to it with the generated audit token; events land
in an NDJSON spool under $LAKEHOUSE_HOME/stack/audit/ and `governance.audit.query_log.ingest_query_log`
loads them into `governance.query_log`. Posts without the token are refused and recorded beside the spool.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx

from infra.settings import PROJECT_ROOT, Settings
from infra.stack import procs
from infra.stack.event_receiver import AUDIT_TOKEN_ENV, refusals_path
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths

NAME = "audit"
START_TIMEOUT = 30


def spool_path(paths: StackPaths) -> Path:
    return paths.root / "audit" / "query-events.ndjson"


def refused_path(paths: StackPaths) -> Path:
    """The receiver's record of refused posts (no token or a wrong one): time, client uid, reason."""
    return refusals_path(spool_path(paths))


def url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.audit_port}"


def ingest_uri(settings: Settings) -> str:
    """What Trino's event listener posts to."""
    return f"{url(settings)}/events"


def _healthy(settings: Settings) -> bool:
    # trust_env=False: HTTP(S)_PROXY in the environment must not route loopback traffic.
    response = httpx.get(f"{url(settings)}/health", timeout=2, trust_env=False)
    return response.status_code == 200


def up(settings: Settings, paths: StackPaths, token: str, progress: Progress) -> ComponentStatus:
    """Start the receiver; it accepts only posts carrying `token` (Trino's listener sends it)."""
    pid_file, log_file = paths.pid_file(NAME), paths.log_file(NAME)
    pid = procs.running_pid(pid_file)
    if pid is None:
        if procs.port_open("127.0.0.1", settings.audit_port):
            raise StackError(f"port {settings.audit_port} is already in use by another program")
        progress(f"starting the query-event receiver on {url(settings)}")
        cmd = [sys.executable, "-m", "infra.stack.event_receiver", "--port", str(settings.audit_port)]
        # The token goes in the environment (private to the process), not argv (readable by every user).
        pid = procs.spawn(
            [*cmd, "--spool", str(spool_path(paths))],
            pid_file=pid_file,
            log_file=log_file,
            cwd=PROJECT_ROOT,
            env={**os.environ, AUDIT_TOKEN_ENV: token},
        )
        procs.wait_until(
            lambda: _healthy(settings),
            what="query-event receiver",
            timeout=START_TIMEOUT,
            log_file=log_file,
            pid=pid,
        )
    return status(settings, paths)


def status(settings: Settings, paths: StackPaths) -> ComponentStatus:
    pid, healthy = procs.pid_and_health(paths.pid_file(NAME), lambda: _healthy(settings))
    return ComponentStatus(
        name=NAME,
        url=url(settings),
        version="query-event receiver",
        healthy=healthy,
        pid=pid,
        log=str(paths.log_file(NAME)),
    )


def stop(paths: StackPaths) -> int | None:
    return procs.stop_recorded(paths.pid_file(NAME), timeout=10)

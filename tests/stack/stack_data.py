"""Data and grants on the session's stack for the access tests: the tiny pipeline once, grants made and revoked.

`pipeline_once` runs `lakehouse demo --profile stack` (scale 0.01, one day) the first time a module asks and
hands later modules the same run. `granted` approves sharing requests in the stack's store, regenerates
Trino's rules, waits until Trino serves them, and revokes them afterwards (other modules expect no grants).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import trino

from governance.access.row_match import matched_rows
from governance.contracts import load_contracts
from governance.sharing.deadlines import now_cst
from governance.sharing.rules import SharingRequest, shared_columns
from governance.sharing.service import refresh_access_rules, rules_at_start
from governance.sharing.store import RequestStore, sharing_db_url
from infra import stack
from infra.catalog import open_catalog
from infra.stack import trino as trino_node
from infra.stack.superset.secrets import SERVICE_USER, ensure_service_user
from tests.stack.stack_cli import lakehouse

_RUNS: dict[Path, subprocess.CompletedProcess[str]] = {}


def pipeline_once(running) -> subprocess.CompletedProcess[str]:
    """The demo on the stack, run once per session (the first caller waits for it)."""
    home = running.settings.home
    if home not in _RUNS:
        started = time.monotonic()
        done = lakehouse(
            running, "demo", "--profile", "stack", "--scale", "0.01", "--days", "1", profile=None
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        print(f"\npipeline on the stack: {time.monotonic() - started:.0f} s")
        _RUNS[home] = done
    return _RUNS[home]


def eventually(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Trino re-reads rules.json every 5 s: poll instead of sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def can_read(running, sql: str, user: str) -> bool:
    try:
        trino_node.query(running.settings, running.paths, sql, running.user(user))
        return True
    except trino.exceptions.TrinoUserError as exc:
        if "Access Denied" not in str(exc):
            raise
        return False


def _logs_in(running, user: str) -> bool:
    try:
        trino_node.query(running.settings, running.paths, "SELECT 1", running.user(user))
    except trino.exceptions.TrinoUserError:
        return True  # logged in; what it may do is another matter
    except trino.exceptions.HttpError:
        return False  # 401: not (yet) in the password file
    return True


def with_service_account(running) -> str:
    """Superset's Trino service account, known to the coordinator (it is added when Superset is set up:
    here the coordinator's password file is rewritten, and Trino re-reads it within seconds)."""
    ensure_service_user(running.paths.secrets)
    if not _logs_in(running, SERVICE_USER):
        stack.up(
            running.settings, components=["trino"], access_rules=rules_at_start, progress=lambda _m: None
        )
        eventually(lambda: _logs_in(running, SERVICE_USER), "Trino knows Superset's service account")
    return SERVICE_USER


@dataclass(frozen=True)
class Wanted:
    """One grant a test needs: `department` reads these `columns` of `dataset`, rows of `row_condition`."""

    dataset: str
    department: str
    columns: tuple[str, ...]
    row_condition: str | None = None


@contextmanager
def granted(running, wanted: Sequence[Wanted]) -> Iterator[list[SharingRequest]]:
    """Approve each request (its rows counted, as the service does), serve the rules, revoke at the end."""
    settings = running.settings
    store = RequestStore.open(sharing_db_url(settings))
    catalog = open_catalog(settings)
    contracts = load_contracts()
    made: list[SharingRequest] = []
    try:
        for want in wanted:
            contract = contracts[want.dataset]
            request = store.create(
                contract, want.department, want.columns, "访问矩阵测试", want.row_condition, published=True
            )
            shared = shared_columns(contract)
            rows = matched_rows(catalog, request.exchange_table, request.requested_row_condition, shared)
            assert rows > 0, f"{want}: the demo data has no row for this grant"
            made.append(
                store.approve(
                    contract,
                    request.request_id,
                    contract.provider_department,
                    expires_at=now_cst() + timedelta(days=1),
                    matched_rows=rows,
                )
            )
        assert len(refresh_access_rules(settings, store=store).grants) >= len(made)
        for request in made:
            probe = f"SELECT count(*) FROM {request.exchange_table}"
            eventually(
                lambda p=probe, r=request: can_read(running, p, _analyst(r)), f"{request.request_id} served"
            )
        yield made
    finally:
        for request in made:
            store.revoke(request.request_id, request.provider_department, "测试结束")
        refresh_access_rules(settings, store=store)
        for request in made:
            probe = f"SELECT count(*) FROM {request.exchange_table}"
            eventually(lambda p=probe, r=request: not can_read(running, p, _analyst(r)), "grant closed")


def _analyst(request: SharingRequest) -> str:
    return f"analyst_{request.requester_department}"

"""Against the REAL servers: the pipeline on the stack profile, generated access rules, query audit, CLI.

The tiny pipeline (scale 0.01, one day) runs once through `lakehouse demo --profile stack`; then Trino
must serve every table pyiceberg wrote, enforce the generated rules per department, and log every query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import trino

from governance.audit.query_log import ingest_query_log, load_query_log, read_spool
from governance.contracts import load_contracts
from governance.sharing.service import refresh_access_rules
from infra.catalog import open_catalog
from infra.settings import PROJECT_ROOT
from infra.stack import trino as trino_node
from infra.stack.audit import spool_path
from infra.stack.secrets import STEWARD_USER
from tests.stack.stack_data import pipeline_once

pytestmark = pytest.mark.stack

ANALYST = "analyst_transport"
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))


def _sql(running, sql: str, user: str = STEWARD_USER) -> list[list[object]]:
    return trino_node.query(running.settings, running.paths, sql, running.user(user))


def _denied(running, sql: str, user: str = ANALYST) -> None:
    with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
        _sql(running, sql, user)


def _eventually(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    """Trino re-reads rules.json every 5 s: poll instead of sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def _can_read(running, sql: str, user: str) -> bool:
    try:
        _sql(running, sql, user)
        return True
    except trino.exceptions.TrinoUserError as exc:
        if "Access Denied" not in str(exc):
            raise
        return False


def _env(running) -> dict[str, str]:
    s = running.settings
    return {
        **os.environ,
        "LAKEHOUSE_HOME": str(s.home),
        "LAKEHOUSE_PG_PORT": str(s.pg_port),
        "LAKEHOUSE_S3_ENDPOINT": s.s3_endpoint,
        "LAKEHOUSE_TRINO_PORT": str(s.trino_port),
        "LAKEHOUSE_TRINO_WORKER_PORT": str(s.trino_worker_port),
        "LAKEHOUSE_AUDIT_PORT": str(s.audit_port),
        "LAKEHOUSE_LOG_LEVEL": "WARNING",
    }


def _lakehouse(running, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in _env(running).items() if k != "LAKEHOUSE_PROFILE"}
    return subprocess.run(
        [LAKEHOUSE, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def pipeline(running_stack):
    # The same run as the access tests' (one demo per session; it is idempotent, but takes minutes).
    return pipeline_once(running_stack)


def test_pipeline_writes_and_trino_reads_every_table(running_stack, pipeline) -> None:
    assert "Trino access rules regenerated" in pipeline.stdout
    catalog = open_catalog(running_stack.settings)
    written = {}
    for (namespace,) in catalog.list_namespaces():
        for identifier in catalog.list_tables(namespace):
            snapshot = catalog.load_table(identifier).current_snapshot()
            written[".".join(identifier)] = int(snapshot.summary["total-records"]) if snapshot else 0
    for zone in ("raw_transport", "staging", "exchange", "kpi", "governance"):
        assert any(name.startswith(zone + ".") for name in written), zone
    assert written["exchange.parking_utilisation_hourly"] > 0
    for name, rows in sorted(written.items()):
        if name.startswith("stack_test."):
            continue
        assert _sql(running_stack, f"SELECT count(*) FROM {name}") == [[rows]], name


def test_transport_analyst_reads_parking_marts(running_stack, pipeline) -> None:
    for table in ("exchange.parking_utilisation_hourly", "exchange.parking_lots", "exchange.traffic_flow"):
        assert _sql(running_stack, f"SELECT count(*) FROM {table}", ANALYST)[0][0] > 0, table
    assert _sql(running_stack, "SELECT count(*) FROM kpi.sharing_rate", ANALYST)[0][0] > 0


def test_transport_analyst_denied_health_mart_and_every_raw_table(running_stack, pipeline) -> None:
    _denied(running_stack, "SELECT count(*) FROM exchange.resident_health_summary")
    catalog = open_catalog(running_stack.settings)
    raw = [
        ".".join(t)
        for (ns,) in catalog.list_namespaces()
        if ns.startswith("raw_") or ns == "quarantine"
        for t in catalog.list_tables(ns)
    ]
    assert len(raw) >= 16
    for table in raw:
        _denied(running_stack, f"SELECT * FROM {table} LIMIT 1")
    _denied(running_stack, "SELECT count(*) FROM governance.resource_catalogue")


def test_pii_column_masked_for_other_departments(running_stack, pipeline) -> None:
    sql = "SELECT DISTINCT legal_representative FROM exchange.enterprises"
    assert _sql(running_stack, sql, ANALYST) == [["***"]]
    steward_values = {r[0] for r in _sql(running_stack, sql)}
    assert "***" not in steward_values and any(v and v.endswith("*") for v in steward_values)


def test_conditional_mart_after_approval_and_expiry(running_stack, pipeline) -> None:
    from governance.sharing.deadlines import now_cst
    from governance.sharing.store import RequestStore, sharing_db_url

    settings = running_stack.settings
    contract = load_contracts()["kiosk_checks"]
    table = "exchange.kiosk_checks"
    kiosk = _sql(running_stack, f"SELECT kiosk_id, count(*) FROM {table} GROUP BY 1 ORDER BY 2 DESC")
    assert len(kiosk) >= 2
    chosen, expected = kiosk[0]
    _denied(running_stack, f"SELECT check_id FROM {table}")

    store = RequestStore.open(sharing_db_url(settings))
    request = store.create(
        contract,
        "transport",
        ["check_id", "kiosk_id", "checked_at"],
        "交通出行健康服务点选址分析",
        row_condition=f"kiosk_id = '{chosen}'",
        published=True,
    )
    expires = now_cst() + timedelta(seconds=40)
    store.approve(contract, request.request_id, "steward", expires_at=expires)
    result = refresh_access_rules(settings)  # grants come from the sharing module's store
    assert [(g.department, g.table) for g in result.grants] == [("transport", table)]

    granted = f"SELECT check_id, kiosk_id FROM {table}"
    _eventually(lambda: _can_read(running_stack, granted, ANALYST), "the grant opens the table")
    rows = _sql(running_stack, granted, ANALYST)
    assert len(rows) == expected and {r[1] for r in rows} == {chosen}  # filtered rows only
    _denied(running_stack, f"SELECT systolic_mmhg FROM {table}")  # a column not granted
    _denied(running_stack, f"SELECT * FROM {table}")
    _denied(running_stack, granted, "analyst_gov_services")  # other departments: still no

    # At expiry the rule's own time check returns no rows, even before the rules are regenerated ...
    time.sleep(max(0.0, (expires - now_cst()).total_seconds()) + 1)
    assert _sql(running_stack, granted, ANALYST) == []
    # ... and the next refresh drops the rule: Access Denied.
    assert refresh_access_rules(settings).grants == ()
    _eventually(lambda: not _can_read(running_stack, granted, ANALYST), "the expired grant closes the table")


def test_query_log_records_who_read_what(running_stack, pipeline) -> None:
    marker = f"audit-{time.time_ns()}"
    _sql(running_stack, f"SELECT count(*), '{marker}' FROM exchange.enterprises", ANALYST)
    _denied(running_stack, f"SELECT '{marker}' FROM raw_health.resident_health_records")
    settings = running_stack.settings
    _eventually(
        lambda: ingest_query_log(settings).rows_written >= 0 and _logged(running_stack, marker) >= 2, "events"
    )
    rows = _sql(
        running_stack,
        "SELECT user, groups, state, error_code, tables, masked_columns FROM governance.query_log "
        f"WHERE query LIKE '%{marker}%' AND user = '{ANALYST}' ORDER BY created_at",
    )
    assert [r[:4] for r in rows] == [
        [ANALYST, ["transport"], "FINISHED", None],
        [ANALYST, ["transport"], "FAILED", "PERMISSION_DENIED"],
    ]
    assert rows[0][4] == ["lakehouse.exchange.enterprises"]
    assert rows[1][4] == ["lakehouse.raw_health.resident_health_records"]  # what was attempted
    # Loading the same events again adds nothing: the log is keyed by query id.
    events = read_spool(spool_path(running_stack.paths))
    catalog = open_catalog(settings)
    load_query_log(catalog, events, {})
    assert load_query_log(catalog, events, {}).rows_written == 0
    _denied(running_stack, "SELECT count(*) FROM governance.query_log")


def _logged(running, marker: str) -> int:
    sql = f"SELECT count(*) FROM governance.query_log WHERE query LIKE '%{marker}%' AND user = '{ANALYST}'"
    return int(_sql(running, sql)[0][0])


def test_cli_sql_runs_through_trino_as_the_user(running_stack, pipeline) -> None:
    done = _lakehouse(
        running_stack,
        "sql",
        "--profile",
        "stack",
        "--user",
        ANALYST,
        "--json",
        "SELECT DISTINCT legal_representative AS who FROM exchange.enterprises",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"who": "***"}]
    denied = _lakehouse(
        running_stack,
        "sql",
        "--profile",
        "stack",
        "--user",
        ANALYST,
        "SELECT 1 FROM raw_transport.parking_sessions",
    )
    assert denied.returncode != 0 and "Access Denied" in denied.stderr
    unknown = _lakehouse(running_stack, "sql", "--profile", "stack", "--user", "mallory", "SELECT 1")
    assert unknown.returncode != 0 and "no Trino user 'mallory'" in unknown.stderr

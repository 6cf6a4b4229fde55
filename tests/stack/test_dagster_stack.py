"""Dagster on the stack, against real servers: `up` starts dagster-webserver and dagster-daemon on their own
small stack (PostgreSQL and the S3 API server only, free loopback ports, a temporary home), with the
instance's storage in PostgreSQL's `dagster` database and run monitoring on; `status` shows both; `down`
stops them and `status` then shows them down."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import httpx
import psycopg
import pytest

from infra import stack
from infra.settings import PROJECT_ROOT, Settings, load_settings
from infra.stack import dagster as dagster_node
from infra.stack import procs
from infra.stack.paths import StackPaths
from tests.factories import free_port
from tests.stack.stack_cli import LAKEHOUSE
from tests.stack.test_stack_servers import LOOPBACK, _listening_addresses

pytestmark = pytest.mark.stack

START_TIMEOUT = "123"  # seconds, through the environment variable, not the default


@dataclasses.dataclass(frozen=True)
class DagsterStack:
    settings: Settings
    paths: StackPaths
    started: list[stack.ComponentStatus]


@pytest.fixture(scope="module")
def dagster_stack() -> Iterator[DagsterStack]:
    home = Path(tempfile.mkdtemp(prefix="lhdag-"))
    home.chmod(0o755)  # the postgres OS user passes through to its data dir
    settings = dataclasses.replace(
        load_settings(),
        profile="stack",
        home=home,
        pg_port=free_port(),
        pg_password="",
        s3_endpoint=f"http://127.0.0.1:{free_port()}",
        s3_access_key="lakehouse",
        s3_secret_key="",
        extra={"dagster_port": str(free_port())},
    )
    previous = os.environ.get(dagster_node.START_TIMEOUT_ENV)
    os.environ[dagster_node.START_TIMEOUT_ENV] = START_TIMEOUT
    try:
        started = stack.up(settings, components=list(dagster_node.NAMES), progress=print)
        yield DagsterStack(stack.stack_settings(settings), StackPaths.of(settings), started)
    finally:
        stack.down(settings)
        if previous is None:
            os.environ.pop(dagster_node.START_TIMEOUT_ENV, None)
        else:
            os.environ[dagster_node.START_TIMEOUT_ENV] = previous
        shutil.rmtree(home, ignore_errors=True)


def _env(running: DagsterStack) -> dict[str, str]:
    s = running.settings
    env = {
        **os.environ,
        "LAKEHOUSE_HOME": str(s.home),
        "LAKEHOUSE_PROFILE": "stack",
        "LAKEHOUSE_PG_PORT": str(s.pg_port),
        "LAKEHOUSE_S3_ENDPOINT": s.s3_endpoint,
        "LAKEHOUSE_TRINO_PORT": str(free_port()),
        "LAKEHOUSE_AUDIT_PORT": str(free_port()),
        dagster_node.PORT_ENV: s.extra["dagster_port"],
    }
    return env


def _status_json(running: DagsterStack) -> tuple[int, dict[str, dict]]:
    done = subprocess.run(
        [LAKEHOUSE, "status", "--json"],
        env=_env(running),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, {c["name"]: c for c in json.loads(done.stdout)}


def _pg(running: DagsterStack, sql: str) -> list[tuple]:
    s = running.settings
    with psycopg.connect(
        host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password, dbname="dagster"
    ) as conn:
        return conn.execute(sql).fetchall()


def test_up_starts_the_webserver_and_the_daemon_after_postgres(dagster_stack) -> None:
    names = [s.name for s in dagster_stack.started]
    assert names == ["postgres", "s3", "dagster-webserver", "dagster-daemon"]
    assert all(s.healthy and s.pid for s in dagster_stack.started), dagster_stack.started


def test_the_webserver_answers_server_info_on_loopback_only(dagster_stack) -> None:
    port = dagster_node.port(dagster_stack.settings)
    response = httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=10, trust_env=False)
    assert response.status_code == 200
    assert response.json()["dagster_version"] == dg.__version__
    addresses = _listening_addresses(port)
    assert addresses and addresses <= LOOPBACK, addresses


def test_runs_events_and_heartbeats_are_in_postgres_with_run_monitoring_on(dagster_stack) -> None:
    home = dagster_node.home(dagster_stack.paths)
    config = dagster_node.config_file(dagster_stack.paths)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it holds the PostgreSQL password
    beats = dict(_pg(dagster_stack, "SELECT daemon_type, daemon_id FROM daemon_heartbeats"))
    assert {"SCHEDULER", "SENSOR", "MONITORING"} <= set(beats), beats
    assert min(dagster_node.heartbeats(dagster_stack.settings).values()) < dagster_node.HEARTBEAT_MAX_AGE
    tables = {r[0] for r in _pg(dagster_stack, "SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert {"runs", "event_logs", "jobs", "job_ticks"} <= tables
    # Nothing fell back to Dagster's SQLite defaults under DAGSTER_HOME.
    assert not list(home.rglob("*.db")), list(home.rglob("*.db"))
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_start_timeout_seconds == int(START_TIMEOUT)
        assert instance.run_monitoring_max_runtime_seconds == dagster_node.DEFAULT_MAX_RUNTIME
    finally:
        instance.dispose()


def test_the_daemon_ticks_the_alert_sensors_from_our_code(dagster_stack) -> None:
    deadline = time.monotonic() + 150
    bodies: list[str] = []
    while time.monotonic() < deadline:
        bodies = [str(r[0]) for r in _pg(dagster_stack, "SELECT tick_body FROM job_ticks")]
        if any("alert_on_gate_failure" in b for b in bodies) and any(
            "alert_on_run_failure" in b for b in bodies
        ):
            return
        time.sleep(5)
    pytest.fail(f"no tick of the alert sensors within 150 s ({len(bodies)} ticks)")


def test_status_shows_both_and_down_stops_them(dagster_stack) -> None:
    _code, listed = _status_json(dagster_stack)
    assert listed["dagster-webserver"]["healthy"] and listed["dagster-daemon"]["healthy"], listed
    assert listed["dagster-daemon"]["url"].endswith("/dagster")
    pids = [procs.read_pid(dagster_stack.paths.pid_file(n)) for n in dagster_node.NAMES]
    for name in reversed(dagster_node.NAMES):
        dagster_node.stop(name, dagster_stack.paths)
    assert all(pid and not procs.is_alive(pid) for pid in pids)
    code, listed = _status_json(dagster_stack)
    assert code == 1  # something is down
    assert not listed["dagster-webserver"]["healthy"] and listed["dagster-webserver"]["pid"] is None
    assert not listed["dagster-daemon"]["healthy"] and listed["dagster-daemon"]["pid"] is None
    assert listed["postgres"]["healthy"]


def test_the_instance_gives_a_table_pool_one_step_at_a_time_and_queues_sensor_runs(dagster_stack) -> None:
    """The generated limits as the stack's PostgreSQL instance applies them (docs/adr/0018-…): two steps of
    one table's pool, one claims the slot and the other waits until the first run frees it."""
    from infra.dagster_concurrency import POOL_LIMIT, TRIGGER_TAG
    from orchestration.pools import table_pool

    instance = dg.DagsterInstance.from_config(str(dagster_node.home(dagster_stack.paths)))
    storage = instance.event_log_storage
    pool = table_pool("raw_transport.traffic_flow")
    try:
        config = instance.get_concurrency_config()
        assert config.pool_config.default_pool_limit == POOL_LIMIT
        assert config.run_queue_config.tag_concurrency_limits == [{"key": TRIGGER_TAG, "limit": 1}]
        assert storage.supports_global_concurrency_limits
        storage.initialize_concurrency_limit_to_default(pool)  # as a step does before its first claim
        first = storage.claim_concurrency_slot(pool, "run-a", "raw_transport__traffic_flow")
        second = storage.claim_concurrency_slot(pool, "run-b", "raw_transport__traffic_flow")
        assert first.is_claimed and not second.is_claimed
        storage.free_concurrency_slots_for_run("run-a")
        assert storage.claim_concurrency_slot(pool, "run-b", "raw_transport__traffic_flow").is_claimed
    finally:
        storage.free_concurrency_slots_for_run("run-a")
        storage.free_concurrency_slots_for_run("run-b")
        instance.dispose()

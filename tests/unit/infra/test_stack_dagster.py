"""The stack's Dagster instance as generated: PostgreSQL storage, run monitoring from the environment, the
code the project declares, and start order (no servers here; tests/stack/test_dagster_stack.py runs them)."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest
import yaml

from infra.settings import load_settings
from infra.stack import dagster, registry
from infra.stack.model import StackError
from infra.stack.paths import StackPaths


@pytest.fixture
def settings(lakehouse_home):
    return dataclasses.replace(load_settings(), profile="stack", pg_port=51234, pg_password="pw:with'quote#")


def test_instance_keeps_runs_events_and_schedules_in_postgres(settings) -> None:
    config = yaml.safe_load(dagster.instance_yaml(settings))
    db = config["storage"]["postgres"]["postgres_db"]
    assert db == {
        "hostname": "127.0.0.1",
        "port": 51234,
        "username": "lakehouse",
        "password": "pw:with'quote#",  # quoted whatever it holds
        "db_name": "dagster",
        # psycopg 3 (SQLAlchemy 2.1's default) rejects the event log's `NOTIFY run_events, $1`.
        "scheme": "postgresql+psycopg2",
    }
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True
    assert monitoring["start_timeout_seconds"] == dagster.DEFAULT_START_TIMEOUT
    assert monitoring["max_runtime_seconds"] == dagster.DEFAULT_MAX_RUNTIME


def test_run_monitoring_limits_come_from_the_environment(settings, monkeypatch) -> None:
    monkeypatch.setenv(dagster.START_TIMEOUT_ENV, "90")
    monkeypatch.setenv(dagster.MAX_RUNTIME_ENV, "7200")
    monitoring = yaml.safe_load(dagster.instance_yaml(settings))["run_monitoring"]
    assert (monitoring["start_timeout_seconds"], monitoring["max_runtime_seconds"]) == (90, 7200)
    monkeypatch.setenv(dagster.MAX_RUNTIME_ENV, "2h")
    with pytest.raises(StackError, match=dagster.MAX_RUNTIME_ENV):
        dagster.instance_yaml(settings)


def test_the_generated_file_is_the_owners_only(settings) -> None:
    path = dagster.configure(settings, StackPaths.of(settings))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dagster.configured(StackPaths.of(settings))


def test_the_code_is_what_the_project_declares_for_dg(tmp_path: Path) -> None:
    assert dagster.code_module() == "orchestration.definitions"
    (tmp_path / "pyproject.toml").write_text('[tool.dg.project]\nroot_module = "x"\n')
    assert dagster.code_module(tmp_path) == "x.definitions"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    with pytest.raises(StackError, match="root_module"):
        dagster.code_module(tmp_path)


def test_the_daemon_starts_after_postgres_and_the_webserver(settings) -> None:
    assert registry.resolve(["dagster-daemon"], with_worker=False) == [
        "postgres",
        "s3",
        "dagster-webserver",
        "dagster-daemon",
    ]
    # The Python API's default stays the core: Dagster's servers are asked for by name (`lakehouse up`).
    assert "dagster-webserver" not in registry.resolve(None, with_worker=True)


def test_the_servers_see_the_callers_ports_and_home(settings) -> None:
    env = dagster.server_env(settings, StackPaths.of(settings))
    assert env["LAKEHOUSE_PG_PORT"] == "51234" and env["LAKEHOUSE_PROFILE"] == "stack"
    assert env["DAGSTER_HOME"] == str(settings.home / "stack" / "dagster")
    assert "pw:with" not in " ".join(dagster.command("dagster-webserver", settings, "m"))


def test_a_shared_host_can_make_the_ui_read_only(settings, monkeypatch) -> None:
    assert "--read-only" not in dagster.command("dagster-webserver", settings, "m")
    monkeypatch.setenv(dagster.READ_ONLY_ENV, "1")
    webserver = dagster.command("dagster-webserver", settings, "m")
    assert "--read-only" in webserver and webserver[webserver.index("-h") + 1] == "127.0.0.1"
    assert "--read-only" not in dagster.command("dagster-daemon", settings, "m")

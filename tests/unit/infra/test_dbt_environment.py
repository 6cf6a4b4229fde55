"""dbt's own environment (infra/dbt_env, ADR 0025) holds the packages it shares with the project's at the
project lock's versions: dbt writes the DuckDB file and the Iceberg tables the project reads."""

from __future__ import annotations

import tomllib

import pytest

from infra.dbt_manifest import DBT_ENVIRONMENT, DbtNotInstalledError, dbt_executable
from infra.settings import PROJECT_ROOT

SHARED_STATE = ("duckdb", "pyiceberg", "pyiceberg-core", "pyarrow", "sqlalchemy", "psycopg")


def _locked(path) -> dict[str, str]:
    lock = tomllib.loads(path.read_text(encoding="utf-8"))
    return {package["name"]: package["version"] for package in lock["package"] if "version" in package}


def test_packages_both_environments_hold_are_locked_at_one_version() -> None:
    project, dbt = _locked(PROJECT_ROOT / "uv.lock"), _locked(PROJECT_ROOT / "infra" / "dbt_env" / "uv.lock")
    for name in SHARED_STATE:
        assert dbt[name] == project[name], name
    assert "dbt-core" in dbt and "dbt-core" not in project


def test_dbt_runs_from_its_environment_and_finds_the_project() -> None:
    assert dbt_executable() == DBT_ENVIRONMENT / "bin" / "dbt"
    linked = list(DBT_ENVIRONMENT.glob("lib/python*/site-packages/lingang_lakehouse.pth"))
    assert [p.read_text(encoding="utf-8").strip() for p in linked] == [str(PROJECT_ROOT)]


def test_a_missing_environment_says_how_to_make_it(monkeypatch, tmp_path) -> None:
    import infra.dbt_manifest as dbt_manifest

    monkeypatch.setattr(dbt_manifest, "DBT_EXECUTABLE", tmp_path / "bin" / "dbt")
    with pytest.raises(DbtNotInstalledError, match="make install"):
        dbt_manifest.dbt_executable()

"""dbt's two targets (docs/adr/0016-…): which one each profile builds with, what the dbt process is handed, the
publishing statement, and that the project describes itself by the embedded target whatever builds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.dbt_manifest import DBT_DIR, DESCRIBING_TARGET, load_manifest, parse_manifest
from infra.dbt_trino import BUILD_SCHEMA, built_relation, dbt_environment, publish_statement
from infra.settings import Settings
from infra.stack.secrets import write_private


def _settings(tmp_path: Path, profile: str) -> Settings:
    return Settings(profile=profile, home=tmp_path, catalog_name="lakehouse", trino_port=51234)


def test_each_profile_picks_its_target() -> None:
    assert _settings(Path("/x"), "embedded").dbt_target == "embedded"
    assert _settings(Path("/x"), "stack").dbt_target == "trino"
    assert _settings(Path("/x"), "cluster").dbt_target == "trino"


def test_the_profile_file_has_both_targets_and_no_secret() -> None:
    profile = yaml.safe_load((DBT_DIR / "profiles.yml").read_text(encoding="utf-8"))["lingang_lakehouse"]
    assert set(profile["outputs"]) == {"embedded", "trino"}
    trino = profile["outputs"]["trino"]
    assert trino["type"] == "trino" and trino["schema"] == BUILD_SCHEMA
    assert "env_var(" in trino["password"]  # from the environment only
    assert "LAKEHOUSE_DBT_TARGET" in profile["target"]


def test_embedded_dbt_gets_no_trino_connection(tmp_path: Path) -> None:
    env = dbt_environment(_settings(tmp_path, "embedded"))
    assert env == {"LAKEHOUSE_DBT_TARGET": "embedded", "LAKEHOUSE_HOME": str(tmp_path)}


def test_stack_dbt_logs_in_as_the_steward_with_the_stack_certificate(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_TRINO_STEWARD_PASSWORD", raising=False)
    write_private(
        tmp_path / "secrets" / "trino-users.json", {"steward": {"password": "s3cret", "groups": []}}
    )
    env = dbt_environment(_settings(tmp_path, "stack"))
    assert env["LAKEHOUSE_DBT_TARGET"] == "trino"
    assert env["LAKEHOUSE_DBT_TRINO_USER"] == "steward"
    assert env["LAKEHOUSE_DBT_TRINO_PASSWORD"] == "s3cret"
    assert env["LAKEHOUSE_DBT_TRINO_CATALOG"] == "lakehouse_admin"  # the only catalog that writes
    assert env["LAKEHOUSE_TRINO_PORT"] == "51234"
    assert env["LAKEHOUSE_TRINO_CERT"].endswith("trino.pem")
    assert env["REQUESTS_CA_BUNDLE"] == env["LAKEHOUSE_TRINO_CERT"]


def test_publishing_replaces_the_zone_table_with_the_built_one() -> None:
    sql = publish_statement(
        "exchange",
        "parking_utilisation_hourly",
        {"format": "'PARQUET'", "partitioning": "ARRAY['day(hour_start)']"},
    )
    assert sql == (
        'CREATE OR REPLACE TABLE "lakehouse_admin"."exchange"."parking_utilisation_hourly" '
        "WITH (format = 'PARQUET', partitioning = ARRAY['day(hour_start)']) "
        'AS SELECT * FROM "lakehouse_admin"."mart_build"."parking_utilisation_hourly"'
    )
    assert built_relation('a"b') == '"lakehouse_admin"."mart_build"."a""b"'
    assert "WITH" not in publish_statement("kpi", "online_prereview_rate", None)


def test_marts_carry_their_trino_table_properties() -> None:
    hourly = load_manifest().mart("exchange.parking_utilisation_hourly")
    assert hourly.config["properties"]["partitioning"] == "ARRAY['day(hour_start)']"
    for mart in load_manifest().marts():
        assert mart.config["properties"]["format"] == "'PARQUET'", mart.table


@pytest.mark.parametrize("adapter", ["duckdb", "trino"])
def test_a_model_keeps_its_zone_whichever_schema_the_target_builds_it_in(adapter: str) -> None:
    built_in = "exchange" if adapter == "duckdb" else BUILD_SCHEMA
    node = {
        "resource_type": "model",
        "name": "m",
        "schema": built_in,
        "config": {"schema": "exchange"},
        "columns": {},
        "depends_on": {"nodes": []},
    }
    document = {"metadata": {"adapter_type": adapter}, "nodes": {"model.p.m": node}, "sources": {}}
    manifest = parse_manifest(json.loads(json.dumps(document)))
    assert manifest.adapter_type == adapter
    assert str(manifest.models["model.p.m"].table) == "exchange.m"
    assert DESCRIBING_TARGET == "embedded"

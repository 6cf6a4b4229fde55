"""Concurrency on the catalog, as Dagster sees it (docs/adr/0018-concurrent-writers.md): every asset that writes
one Iceberg table is in that table's pool, dbt builds in one pool, and the dagster.yaml we generate limits runs a
sensor starts to one at a time (both instances) and each pool to one step (the stack's)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dagster as dg
import pytest
import yaml

from infra.dagster_concurrency import (
    POOL_LIMIT,
    TRIGGER_TAG,
    TRIGGERED_RUNS_AT_ONCE,
    concurrency_yaml,
    embedded_instance_yaml,
)
from infra.settings import load_settings
from infra.stack import dagster as stack_dagster
from orchestration.defs import sensors
from orchestration.pools import DBT_POOL, MAINTENANCE_POOL, table_pool, write_embedded_instance

TRIGGER_LIMIT = [{"key": TRIGGER_TAG, "limit": TRIGGERED_RUNS_AT_ONCE}]


def _instance_config(home: Path, text: str, monkeypatch: pytest.MonkeyPatch):
    """Dagster's own reading of a dagster.yaml: the instance's concurrency settings."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        return type(instance.run_coordinator).__name__, instance.get_concurrency_config()


def test_sensor_runs_are_tagged_with_what_the_run_queue_limits() -> None:
    assert sensors.TRIGGER_TAG == TRIGGER_TAG


def test_the_embedded_instance_queues_sensor_runs_one_at_a_time_and_sets_no_pool_limit(
    tmp_path, monkeypatch
) -> None:
    config = yaml.safe_load(embedded_instance_yaml())
    assert config["concurrency"] == {"runs": {"tag_concurrency_limits": TRIGGER_LIMIT}}
    coordinator, concurrency = _instance_config(tmp_path / "dagster", embedded_instance_yaml(), monkeypatch)
    assert coordinator == "QueuedRunCoordinator"
    assert concurrency.run_queue_config.tag_concurrency_limits == TRIGGER_LIMIT
    # No limit: an in-process run killed with its slot held would block every later `lakehouse run`.
    assert concurrency.pool_config.default_pool_limit is None


def test_the_stack_instance_limits_each_pool_to_one_step_and_frees_slots_of_ended_runs(
    lakehouse_home, tmp_path, monkeypatch
) -> None:
    settings = dataclasses.replace(load_settings(), profile="stack", pg_port=51234, pg_password="pw")
    config = yaml.safe_load(stack_dagster.instance_yaml(settings))
    assert config["concurrency"] == {
        "pools": {"default_limit": POOL_LIMIT, "granularity": "op"},
        "runs": {"tag_concurrency_limits": TRIGGER_LIMIT},
    }
    assert config["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    # The same section read by Dagster (without the PostgreSQL storage, which would need the server).
    section = "\n".join(concurrency_yaml(pools=True)) + "\n"
    _, concurrency = _instance_config(tmp_path / "dagster", section, monkeypatch)
    assert concurrency.pool_config.default_pool_limit == POOL_LIMIT
    assert concurrency.pool_config.pool_granularity.value == "op"
    assert concurrency.run_queue_config.tag_concurrency_limits == TRIGGER_LIMIT


def test_the_embedded_file_is_written_replaced_when_ours_and_left_when_an_operators(tmp_path) -> None:
    home = tmp_path / "dagster"
    config = write_embedded_instance(home)
    assert config.read_text(encoding="utf-8") == embedded_instance_yaml()
    config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # what `lakehouse run` wrote before
    write_embedded_instance(home)
    assert config.read_text(encoding="utf-8") == embedded_instance_yaml()
    own = "telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 2\n"
    config.write_text(own, encoding="utf-8")
    write_embedded_instance(home)
    assert config.read_text(encoding="utf-8") == own


def test_table_pools_are_named_by_the_table() -> None:
    assert table_pool(dg.AssetKey(["raw_transport", "traffic_flow"])) == "iceberg/raw_transport.traffic_flow"
    assert table_pool("staging.parks") == "iceberg/staging.parks"


def test_definitions_load_with_a_pool_for_every_single_table_writer(lakehouse_home) -> None:
    from orchestration.definitions import defs

    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    pools: dict[str, str | None] = {}
    for key in graph.get_all_asset_keys():
        assets_def = graph.get(key).assets_def
        if assets_def.is_executable:
            pools[key.to_user_string()] = assets_def.node_def.pool
    zones = ("raw_", "staging/", "exchange/")
    tables = {k: p for k, p in pools.items() if k.startswith(zones)}
    assert tables and all(p == table_pool(dg.AssetKey.from_user_string(k)) for k, p in tables.items()), tables
    assert pools["kpi/online_prereview_rate"] == table_pool("kpi.online_prereview_rate")
    assert {p for k, p in pools.items() if k.startswith("dbt/")} == {DBT_POOL}
    maintenance = definitions.get_job_def("table_maintenance")
    assert [node.definition.pool for node in maintenance.graph.nodes] == [MAINTENANCE_POOL]

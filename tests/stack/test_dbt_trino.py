"""On the REAL stack: the dbt project builds on both targets from the same staging tables (docs/adr/0016-…).

The session's pipeline (`lakehouse demo --profile stack`) loads the simulated input and, through Dagster,
builds the marts with dbt on Trino and publishes them. Here dbt runs again on both targets over the same
staging snapshot: `dbt compile` and `dbt build` on Trino (model contracts enforced, every dbt test), and on
DuckDB (the embedded target, reading the same Iceberg tables through our plugin). Every mart must hold the
same rows on both (order-independent checksums), the shared exchange / kpi tables must be the ones Trino
built (Trino is the writer in their Iceberg snapshot) and equal to them.

The incremental parking mart (docs/adr/0020-incremental-marts.md) takes its incremental path on Trino: the
pipeline built it, a few of its rows are then made to disagree with their sessions, and the Trino build
merges the recounted hours back (a MERGE, not a new table); it must equal the embedded target's full build
and Trino's own `--full-refresh` build.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from infra.catalog import open_catalog
from infra.dbt_manifest import DBT_DIR, DBT_EXECUTABLE, load_manifest
from infra.dbt_trino import BUILD_SCHEMA, built_relation, dbt_environment, read_built
from infra.stack import trino as trino_node
from infra.stack.secrets import STEWARD_USER
from tests.mart_checksum import checksum, differences
from tests.stack.stack_cli import stack_env
from tests.stack.stack_data import pipeline_once

pytestmark = pytest.mark.stack

# The kpi mart stamps each rate with the time it was computed: two builds never agree on it.
BUILD_TIME_COLUMNS = ("measured_at",)
INCREMENTAL = "parking_utilisation_hourly"


def _dbt(running, target: str, command: str, target_path: Path, *args: str) -> dict:
    env = {**stack_env(running), **dbt_environment(running.settings), "LAKEHOUSE_DBT_TARGET": target}
    done = subprocess.run(
        [
            *(str(DBT_EXECUTABLE), command, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)),
            *("--target", target, "--target-path", str(target_path), *args),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=DBT_DIR,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, (
        f"dbt {command} --target {target}:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    )
    return json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(running_stack, tmp_path_factory) -> dict[str, dict]:
    """dbt compile + build on Trino, then build on DuckDB, over the staging tables of the session's pipeline."""
    pipeline_once(running_stack)
    catalog = open_catalog(running_stack.settings)
    folder = tmp_path_factory.mktemp("dbt-targets")
    results: dict = {"compile": _dbt(running_stack, "trino", "compile", folder / "trino-compile")}
    # The pipeline built the incremental mart; rows that disagree with their sessions must be recounted.
    results["spoiled"] = _spoil_entry_hours(running_stack)
    results["trino"] = _dbt(running_stack, "trino", "build", folder / "trino")
    results["trino_executed"] = _executed(folder / "trino", INCREMENTAL)
    results["trino_incremental"] = read_built(catalog, INCREMENTAL)
    results["embedded"] = _dbt(running_stack, "embedded", "build", folder / "embedded")
    results["trino_manifest"] = json.loads((folder / "trino" / "manifest.json").read_text(encoding="utf-8"))
    _dbt(running_stack, "trino", "build", folder / "trino-full", "--full-refresh", "--select", INCREMENTAL)
    results["trino_full_executed"] = _executed(folder / "trino-full", INCREMENTAL)
    results["trino_full"] = read_built(catalog, INCREMENTAL)
    return results


def _steward(running, sql: str) -> list[list[object]]:
    return trino_node.query(running.settings, running.paths, sql, running.user(STEWARD_USER))


def _spoil_entry_hours(running) -> int:
    """Add 1000 sessions started to the mart's first few entry hours, as if they had been counted wrongly;
    returns how many rows were changed (the incremental run must find those entry hours and recount them)."""
    table = built_relation(INCREMENTAL)  # in the steward's catalog: the shared one is read-only
    [[first]] = _steward(running, f"SELECT min(hour_start) FROM {table} WHERE sessions_started > 0")
    assert first is not None, "the pipeline built an empty parking mart"
    where = f"WHERE sessions_started > 0 AND hour_start <= TIMESTAMP '{first}' + INTERVAL '3' HOUR"
    spoiled = len(_steward(running, f"SELECT 1 FROM {table} {where}"))
    _steward(running, f"UPDATE {table} SET sessions_started = sessions_started + 1000 {where}")
    return spoiled


def _executed(target_path: Path, model: str) -> str:
    """The statement dbt ran for a model (dbt writes it under target/run)."""
    found = list((target_path / "run").rglob(f"{model}.sql"))
    assert len(found) == 1, found
    return found[0].read_text(encoding="utf-8").lower()


def _outcomes(run_results: dict) -> dict[str, str]:
    return {r["unique_id"]: r["status"] for r in run_results["results"]}


def test_trino_build_passes_every_model_contract_and_test(built) -> None:
    outcomes = _outcomes(built["trino"])
    failed = {uid: status for uid, status in outcomes.items() if status not in ("success", "pass")}
    assert not failed
    marts = load_manifest().marts()
    assert {m.unique_id for m in marts} <= set(outcomes)
    tests = [uid for uid in outcomes if uid.startswith("test.")]
    assert len(tests) >= 30, "the project's dbt tests ran on Trino"
    # The same models and tests on both targets, all passing on DuckDB too.
    assert set(_outcomes(built["embedded"])) == set(outcomes)
    assert set(_outcomes(built["embedded"]).values()) <= {"success", "pass"}
    # Contracts were enforced on Trino (not only declared).
    nodes = built["trino_manifest"]["nodes"]
    for mart in marts:
        assert nodes[mart.unique_id]["contract"]["enforced"] is True
        assert nodes[mart.unique_id]["schema"] == BUILD_SCHEMA


def test_the_incremental_mart_merges_on_trino_and_equals_every_full_build(running_stack, built) -> None:
    assert built["spoiled"] > 0
    assert "merge into" in built["trino_executed"], "the Trino build did not take the incremental path"
    assert "merge into" not in built["trino_full_executed"]
    incremental, full = built["trino_incremental"], built["trino_full"]
    assert incremental.column("sessions_started").to_pylist(), "the mart is empty"
    assert max(incremental.column("sessions_started").to_pylist()) < 1000, "a spoiled row was not recounted"
    assert checksum(incremental) == checksum(full), differences(incremental, full)
    with duckdb.connect(str(running_stack.settings.duckdb_path), read_only=True) as duck:
        embedded = duck.table(f"exchange.{INCREMENTAL}").to_arrow_table()
    assert checksum(incremental) == checksum(embedded), differences(incremental, embedded)


def test_trino_compile_names_the_build_schema(built) -> None:
    compiled = {r["unique_id"]: r["status"] for r in built["compile"]["results"]}
    assert set(compiled.values()) == {"success"}


def test_every_mart_equals_between_targets(running_stack, built) -> None:
    catalog = open_catalog(running_stack.settings)
    duck = duckdb.connect(str(running_stack.settings.duckdb_path), read_only=True)
    try:
        for mart in load_manifest().marts():
            on_trino = read_built(catalog, mart.name)
            on_duckdb = duck.table(str(mart.table)).to_arrow_table()
            assert on_trino.num_rows > 0, mart.table
            assert sorted(on_trino.column_names) == sorted(on_duckdb.column_names), mart.table
            left = checksum(on_trino, BUILD_TIME_COLUMNS)
            right = checksum(on_duckdb, BUILD_TIME_COLUMNS)
            assert left == right, f"{mart.table}:\n{differences(on_trino, on_duckdb, BUILD_TIME_COLUMNS)}"
    finally:
        duck.close()


def test_shared_marts_are_written_by_trino_and_equal_the_build(running_stack, built) -> None:
    """The pipeline's publish step: Trino replaced each exchange / kpi mart with the one it built."""
    catalog = open_catalog(running_stack.settings)
    for mart in load_manifest().marts():
        table = catalog.load_table(str(mart.table))
        summary = table.current_snapshot().summary
        assert summary is not None and summary.additional_properties.get("trino_query_id"), mart.table
        assert table.metadata.partition_specs is not None
        published = table.scan().to_arrow()
        rebuilt = read_built(catalog, mart.name)
        assert checksum(published, BUILD_TIME_COLUMNS) == checksum(rebuilt, BUILD_TIME_COLUMNS), mart.table
    hourly = catalog.load_table("exchange.parking_utilisation_hourly")
    assert [f.transform.__class__.__name__ for f in hourly.spec().fields] == ["DayTransform"]


def test_analysts_never_read_the_build_schema(running_stack, built) -> None:
    from tests.stack.stack_data import can_read

    mart = load_manifest().marts()[0]
    assert not can_read(
        running_stack, f"SELECT count(*) FROM {BUILD_SCHEMA}.{mart.name}", "analyst_data_office"
    )
    assert can_read(running_stack, f"SELECT count(*) FROM {BUILD_SCHEMA}.{mart.name}", "steward")


def test_the_dbt_environment_carries_no_secret_into_the_repository(running_stack) -> None:
    env = dbt_environment(running_stack.settings)
    assert env["LAKEHOUSE_DBT_TARGET"] == "trino"
    password = env["LAKEHOUSE_DBT_TRINO_PASSWORD"]
    assert password and password not in (DBT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert os.environ.get("LAKEHOUSE_DBT_TRINO_PASSWORD") != password

"""The freshness checks of the pipeline: one op judges the checks a run selects and records them together, in
one commit to governance.quality_results (docs/adr/0021-gate-cost.md)."""

from __future__ import annotations

import dagster as dg
import pytest

from governance.contracts import load_contracts
from infra.dbt_manifest import ensure_manifest
from infra.zones import QUALITY_RESULTS
from quality.results import FRESHNESS_SUITE, read_results


@pytest.fixture(scope="module")
def quality_defs():
    ensure_manifest()  # the quality definitions name the dbt marts
    from orchestration.defs import quality

    return quality


def _evaluate(quality_defs, checks: set[dg.AssetCheckKey] | None = None) -> list[dg.AssetCheckEvaluation]:
    from orchestration.resources import lakehouse_resource

    job = dg.Definitions(
        asset_checks=[quality_defs.freshness_checks],
        jobs=[quality_defs.freshness_job],
        resources={"lakehouse": lakehouse_resource()},
    ).resolve_job_def(quality_defs.freshness_job.name)
    if checks is not None:
        job = job.get_subset(asset_check_selection=checks)
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result.get_asset_check_evaluations()


def _keys(quality_defs) -> dict[str, dg.AssetCheckKey]:
    return {
        c.name: dg.AssetCheckKey(dg.AssetKey([c.raw_namespace, c.name]), quality_defs.FRESHNESS)
        for c in load_contracts().values()
    }


def test_the_checks_keep_one_non_blocking_check_per_dataset(quality_defs):
    specs = {spec.key: spec for spec in quality_defs.freshness_checks.check_specs}
    assert set(specs) == set(_keys(quality_defs).values())
    for contract in load_contracts().values():
        spec = specs[_keys(quality_defs)[contract.name]]
        assert not spec.blocking
        assert spec.description.startswith(f"更新周期 {contract.update_frequency}:")


def test_one_evaluation_of_every_check_is_one_commit(quality_defs, catalog):
    evaluations = _evaluate(quality_defs)
    assert {(e.asset_key, e.check_name) for e in evaluations} == {
        (k.asset_key, k.name) for k in _keys(quality_defs).values()
    }
    assert all(e.severity == dg.AssetCheckSeverity.WARN and not e.passed for e in evaluations)  # never loaded
    assert len(catalog.load_table(QUALITY_RESULTS).snapshots()) == 1
    rows = read_results(catalog).to_pylist()
    assert len(rows) == len(evaluations) and {r["suite"] for r in rows} == {FRESHNESS_SUITE}
    assert {r["observed_value"] for r in rows} == {"never loaded"}
    assert len({r["run_id"] for r in rows}) == 1


def test_a_subset_evaluates_only_the_selected_checks(quality_defs, catalog):
    keys = _keys(quality_defs)
    chosen = {keys["parking_sessions"], keys["energy_readings"]}
    evaluations = _evaluate(quality_defs, chosen)
    assert {dg.AssetCheckKey(e.asset_key, e.check_name) for e in evaluations} == chosen
    results = read_results(catalog).to_pylist()
    assert sorted(r["dataset"] for r in results) == ["energy_readings", "parking_sessions"]
    assert len(catalog.load_table(QUALITY_RESULTS).snapshots()) == 1


def test_a_loaded_table_reports_its_age_in_the_metadata(quality_defs, catalog):
    from infra.iceberg.writer import commit, ensure_table
    from tests.unit.quality.quality_tables import parking_sessions

    contract = load_contracts()["parking_sessions"]
    rows = parking_sessions()
    ensure_table(catalog, contract.raw_table, rows.schema)
    snapshot = commit(catalog, contract.raw_table, rows, "append").snapshot_id
    (evaluation,) = _evaluate(quality_defs, {_keys(quality_defs)["parking_sessions"]})
    assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "fresh, age 0h00m" in evaluation.description
    assert set(evaluation.metadata) == {"update_frequency", "max_age", "age", "last_updated_utc"}
    assert evaluation.metadata["update_frequency"].value == contract.update_frequency
    (row,) = read_results(catalog).to_pylist()
    assert row["snapshot_id"] == snapshot and row["success"]

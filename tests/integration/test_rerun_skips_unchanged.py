"""A re-run with no new data skips what did not change (docs/adr/0017-skip-unchanged-work.md), through real
Dagster runs on one instance and real Iceberg tables: staging and exchange say "unchanged since snapshot N"
and write no snapshot, the gates report their last results again (saying so), and a new day's file makes
exactly the assets of its dataset run again."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from governance.contracts import load_contracts
from ingest.simulator import simulate
from orchestration.defs.exchange import _resource_asset
from orchestration.defs.masking import PRIVACY_GATE, _staging_asset
from orchestration.defs.quality import GATE, _raw_gate
from orchestration.defs.sources import _raw_asset
from orchestration.resources import lakehouse_resource

pytestmark = pytest.mark.integration

DATASETS = ("rental_trips", "parks")
NEW_DAY = date(2026, 11, 21)


def _snapshots(catalog) -> dict[str, int | None]:
    found = {}
    for zone in ("raw_transport", "raw_development", "staging", "exchange"):
        for identifier in catalog.list_tables(zone):
            snapshot = catalog.load_table(identifier).current_snapshot()
            found[".".join(identifier)] = snapshot.snapshot_id if snapshot else None
    return found


def _run(job, instance, succeeds: bool = True) -> dg.ExecuteInProcessResult:
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success == succeeds
    return result


def _materialized(result) -> dict[str, dict]:
    return {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def _checks(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def test_a_rerun_skips_unchanged_work_and_a_new_file_reruns_only_its_dataset(lakehouse_home: Path, tmp_path):
    from infra.catalog import open_catalog

    everything = tmp_path / "handed-over"
    simulate(everything, scale=0.01, days=2, seed=5, start=date(2026, 11, 20))
    sources = lakehouse_home / "sources"
    shutil.copytree(everything, sources)
    later = next(sources.glob(f"rental/trips_{NEW_DAY:%Y-%m-%d}.csv"))
    later.unlink()  # handed over before the second day's rental trips

    contracts = [load_contracts()[name] for name in DATASETS]
    definitions = dg.Definitions(
        assets=[
            *(_raw_asset(c) for c in contracts),
            *(_staging_asset(c) for c in contracts),
            *(_resource_asset(c) for c in contracts),
        ],
        asset_checks=[_raw_gate(c) for c in contracts],
        resources={"lakehouse": lakehouse_resource()},
    )
    job = definitions.resolve_implicit_global_asset_job_def()
    catalog = open_catalog()
    with dg.DagsterInstance.ephemeral() as instance:
        first = _run(job, instance)
        assert not [k for k, m in _materialized(first).items() if "unchanged" in m]
        before = _snapshots(catalog)

        # No new data: nothing is masked, gated or written again; every gate still reports.
        second = _run(job, instance)
        assert _snapshots(catalog) == before
        done = _materialized(second)
        for name in DATASETS:
            for zone in ("staging", "exchange"):
                metadata = done[f"{zone}/{name}"]
                assert metadata["unchanged"].value == f"unchanged since snapshot {before[f'{zone}.{name}']}"
            assert done[f"staging/{name}"]["rows"] == _materialized(first)[f"staging/{name}"]["rows"]
        checks = _checks(second)
        for contract in contracts:
            raw = f"{contract.raw_namespace}/{contract.name}"
            gate = checks[(raw, GATE)]
            assert gate.passed == _checks(first)[(raw, GATE)].passed
            assert "not re-evaluated" in gate.metadata["carried_forward"].value
            privacy = checks[(f"staging/{contract.name}", PRIVACY_GATE)]
            assert privacy.passed and "carried_forward" in privacy.metadata

        # The second day's rental trips arrive: exactly that dataset's assets do their work again.
        shutil.copy(everything / later.relative_to(sources), later)
        third = _run(job, instance)
        after = _snapshots(catalog)
        changed = {t for t in after if after[t] != before[t]}
        assert {"raw_transport.rental_trips", "staging.rental_trips", "exchange.rental_trips"} == changed
        done = _materialized(third)
        assert "unchanged" not in done["staging/rental_trips"]
        assert "unchanged" not in done["exchange/rental_trips"]
        assert "unchanged" in done["staging/parks"] and "unchanged" in done["exchange/parks"]
        checks = _checks(third)
        assert "carried_forward" not in checks[("raw_transport/rental_trips", GATE)].metadata
        assert "carried_forward" in checks[("raw_development/parks", GATE)].metadata


def test_a_failed_gate_is_carried_forward_as_failed(lakehouse_home: Path):
    """A carried result is the last one as it was: a gate that failed on a snapshot stays failed on it."""
    simulate(lakehouse_home / "sources", scale=0.01, days=1, seed=5, start=date(2026, 11, 20))
    contract = load_contracts()["parks"]
    gate = _raw_gate(contract)
    definitions = dg.Definitions(
        assets=[_raw_asset(contract)], asset_checks=[gate], resources={"lakehouse": lakehouse_resource()}
    )
    job = definitions.resolve_implicit_global_asset_job_def()
    check_key = dg.AssetCheckKey(dg.AssetKey([contract.raw_namespace, contract.name]), GATE)
    with dg.DagsterInstance.ephemeral() as instance:
        _run(job, instance)
        last = _checks(_run(job, instance))[(check_key.asset_key.to_user_string(), GATE)]
        assert "carried_forward" in last.metadata
        # Record a failed evaluation of the same snapshot with the same state, as a failed validation would.
        failed = dg.AssetCheckEvaluation(
            asset_key=check_key.asset_key,
            check_name=GATE,
            passed=False,
            metadata={
                k: v for k, v in last.metadata.items() if k not in ("carried_forward", "skipped_because")
            },
            description="1 expectation failed",
        )
        instance.report_runless_asset_event(failed)
        again = _checks(_run(job, instance, succeeds=False))[(check_key.asset_key.to_user_string(), GATE)]
        assert not again.passed
        assert "FAILED" in again.metadata["carried_forward"].value

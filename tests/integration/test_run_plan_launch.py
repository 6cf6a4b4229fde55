"""A run starts only what needs to run (orchestration/launch_plan.py, docs/adr/0017-skip-unchanged-work.md),
through `run_assets` on one real Dagster instance, real Iceberg tables and a real dbt build.

With no new data the second run loads only what it must ask (a file hand-over whose files are all loaded
and a database with no row past its watermark are not started; their freshness is still read), starts the
assets that record nothing to compare, and reports every derived table unchanged without a Dagster step,
writing no snapshot. A new day's file for one
dataset starts exactly that dataset's path (and what reads it), and the result equals what a run that
starts everything would have written."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ingest.simulator import simulate

pytestmark = pytest.mark.integration

NEW_DAY = date(2026, 11, 21)


# The sharing KPI is measured by every run (it records nothing to compare): its tables move each time.
MEASURED_EACH_RUN = ("kpi.sharing_rate", "kpi.sharing_gaps")


def _snapshots(catalog) -> dict[str, int | None]:
    found = {}
    for zone in ("staging", "exchange", "kpi"):
        for identifier in catalog.list_tables(zone):
            if ".".join(identifier) in MEASURED_EACH_RUN:
                continue
            snapshot = catalog.load_table(identifier).current_snapshot()
            found[".".join(identifier)] = snapshot.snapshot_id if snapshot else None
    return found


def _loads() -> dict[str, list[str]]:
    """The raw assets the plan can leave out: handed over as files (it asks the load state) or read from a
    database past a watermark (it counts the rows past it); and the rest, which the load itself must ask."""
    from governance.contracts import load_contracts
    from ingest.connectors import DROPPED_FORMATS, SQL_FORMATS

    found: dict[str, list[str]] = {"files": [], "databases": [], "asked": []}
    for contract in load_contracts().values():
        source = contract.source
        if source.format in DROPPED_FORMATS:
            kind = "files"
        elif source.format in SQL_FORMATS and source.watermark:
            kind = "databases"
        else:
            kind = "asked"
        found[kind].append(f"{contract.raw_namespace}/{contract.name}")
    return found


def _freshness_runs(run_ids: list[str]) -> set[str]:
    """The raw assets whose latest freshness evaluation happened in one of ``run_ids``."""
    import dagster as dg

    from governance.contracts import load_contracts

    keys = [
        dg.AssetCheckKey(dg.AssetKey([c.raw_namespace, c.name]), "freshness")
        for c in load_contracts().values()
    ]
    with dg.DagsterInstance.get() as instance:
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    return {key.asset_key.to_user_string() for key, record in latest.items() if record.run_id in run_ids}


def _status(outcome) -> dict[str, str]:
    return {line.asset: line.status for line in outcome.assets}


@pytest.fixture
def home(lakehouse_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(lakehouse_home / "dagster"))
    monkeypatch.delenv("LAKEHOUSE_RUN_UNCHANGED", raising=False)
    everything = tmp_path / "handed-over"
    simulate(everything, scale=0.01, days=2, seed=5, start=date(2026, 11, 20))
    shutil.copytree(everything, lakehouse_home / "sources")
    later = next((lakehouse_home / "sources").glob(f"rental/trips_{NEW_DAY:%Y-%m-%d}.csv"))
    later.unlink()  # handed over after the first two runs
    return everything


def test_a_run_with_no_new_data_starts_no_file_load_and_a_new_file_starts_its_path(
    home: Path, lakehouse_home: Path, monkeypatch: pytest.MonkeyPatch
):
    from infra.catalog import open_catalog
    from orchestration.run import run_assets

    first = run_assets(progress=print)
    assert first.success, [a for a in first.assets if a.status != "materialised"]
    assert "unchanged" not in _status(first).values()
    catalog = open_catalog()
    before = _snapshots(catalog)

    second = run_assets(progress=print)
    assert second.success
    status = _status(second)
    assert _snapshots(catalog) == before
    # A file hand-over with nothing new and a database with no row past its watermark are not even loaded.
    loads = _loads()
    every_load = {a for kind in loads.values() for a in kind}
    assert loads["files"] and loads["databases"]
    quiet = loads["files"] + loads["databases"]
    assert all(status[a] == "unchanged" for a in quiet), {a: status[a] for a in quiet}
    assert all(status[a] == "materialised" for a in loads["asked"])
    # Every dataset's freshness was read again in this run, loaded or not (time passes).
    assert _freshness_runs(second.run_ids) == every_load
    for zone in ("staging/", "exchange/", "dbt/"):
        started = sorted(a for a, s in status.items() if a.startswith(zone) and s != "unchanged")
        assert not started, f"started with no new data: {started}"
    assert status["kpi/online_prereview_rate"] == "unchanged"
    # Two runs: the freshness checks, then what records nothing to compare (KPIs, governance).
    assert len(second.run_ids) == 2
    assert any("not started" in note for note in second.notes)

    # The second day's rental trips arrive: that dataset's path runs; the others stay unchanged.
    shutil.copy(home / f"rental/trips_{NEW_DAY:%Y-%m-%d}.csv", lakehouse_home / "sources" / "rental")
    third = run_assets(progress=print)
    assert third.success
    status = _status(third)
    for asset in ("staging/rental_trips", "exchange/rental_trips", "dbt/stg/stg_transport__rental_trips"):
        assert status[asset] == "materialised", asset
    assert status["raw_transport/rental_trips"] == "materialised"
    assert status["staging/parks"] == "unchanged" and status["raw_development/parks"] == "unchanged"
    assert status["exchange/parking_sessions"] == "unchanged"
    after = _snapshots(catalog)
    changed = {t for t in after if after[t] != before[t]}
    assert {"staging.rental_trips", "exchange.rental_trips"} <= changed
    assert not {t for t in changed if "parks" in t or "parking" in t}

    # Starting everything again (each asset deciding for itself) changes nothing more: the plan left out
    # exactly what the assets would have skipped.
    monkeypatch.setenv("LAKEHOUSE_RUN_UNCHANGED", "1")
    fourth = run_assets(progress=print)
    assert fourth.success
    assert "unchanged" not in _status(fourth).values()  # every asset was started…
    assert _snapshots(catalog) == after  # …and none wrote anything

    # A database export arrives damaged: its loads fail, and Dagster skips the one op that reads every
    # source's freshness with them. The run reads freshness again on its own: no source goes unwatched.
    monkeypatch.delenv("LAKEHOUSE_RUN_UNCHANGED")
    damaged = next(lakehouse_home.joinpath("sources").glob("*.db"))
    damaged.write_bytes(b"not a database" * 100)
    fifth = run_assets(progress=print)
    status = _status(fifth)
    failed = sorted(a for a, s in status.items() if s == "failed")
    assert failed and all(a.startswith("raw_") for a in failed)
    assert not fifth.success
    assert _freshness_runs(fifth.run_ids) == every_load
    assert any("skipped the freshness checks" in note for note in fifth.notes)

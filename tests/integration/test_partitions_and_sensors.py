"""Issue #17's acceptance for daily partitions and file sensors, on a real temporary home and a real Dagster
instance: a day's file dropped into the hand-over folder starts exactly one run for that day, which loads
only that file; re-evaluating or re-dropping it unchanged starts nothing; a three-day backfill loads exactly
those three days."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow.csv as pacsv
import pytest

from governance.contracts import load_contracts
from infra.catalog import open_catalog
from ingest.connectors.base import fingerprint_bytes
from ingest.simulator import simulate
from orchestration.defs.sources import raw_asset_key
from orchestration.partitions import partition_keys
from orchestration.resources import LakehouseResource
from orchestration.run import run_assets

pytestmark = pytest.mark.integration

CONTRACTS = load_contracts()
TRIPS = CONTRACTS["rental_trips"]
FLOW = CONTRACTS["traffic_flow"]
DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A home whose hand-over folder is empty, the simulated departments' outbox beside it, the
    definitions and a persistent Dagster instance in the home."""
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0014")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    (home / "dagster").mkdir()
    (home / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    outbox = home / "outbox"
    simulate(outbox, scale=0.01, days=len(DAYS), seed=14, start=date.fromisoformat(DAYS[0]))
    (home / "sources").mkdir()
    from orchestration.definitions import defs

    with dg.DagsterInstance.get() as instance:
        yield home, outbox, defs(), instance
    patch.undo()


def _drop(home: Path, outbox: Path, relative: str) -> Path:
    """A department's hand-over: the file lands whole, finished a minute ago (past the settle window)."""
    target = home / "sources" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(outbox / relative, target)
    finished = time.time() - 60
    os.utime(target, (finished, finished))
    return target


def _ids(path: Path, column: str) -> set[str]:
    return set(pacsv.read_csv(path).column(column).cast("string").to_pylist())


def _raw_ids(contract, column: str) -> set[str]:
    return set(open_catalog().load_table(contract.raw_table).scan().to_arrow().column(column).to_pylist())


def test_a_dropped_day_file_starts_one_run_for_its_day_that_loads_only_that_file(world) -> None:
    home, outbox, definitions, instance = world
    job = definitions.resolve_implicit_global_asset_job_def()
    sensor = definitions.resolve_sensor_def("rental_trips_files")
    resources = {"lakehouse": LakehouseResource()}

    def evaluate(cursor: str | None) -> dg.SensorResult:
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
        return sensor(context)

    # Day 1 through its partition run (what the demo's first load or a backfill leaves behind).
    day1 = _drop(home, outbox, "rental/trips_2026-11-01.csv")
    first = job.execute_in_process(
        instance=instance, partition_key="2026-11-01", asset_selection=[raw_asset_key(TRIPS)]
    )
    assert first.success
    assert _raw_ids(TRIPS, "trip_id") == _ids(day1, "trip_id")

    # A file already loaded asks for nothing, even from a sensor that has never run.
    settled = evaluate(None)
    assert settled.run_requests == []

    day2 = _drop(home, outbox, "rental/trips_2026-11-02.csv")
    result = evaluate(settled.cursor)
    (request,) = result.run_requests
    assert request.partition_key == "2026-11-02"
    assert request.run_key == f"rental/trips_2026-11-02.csv@{fingerprint_bytes(day2.read_bytes())}"

    # The request as the daemon launches it: the sensor's own job (raw and downstream) for that day.
    sensor_job = definitions.resolve_job_def(sensor.job_name)
    targeted = sensor_job.asset_layer.selected_asset_keys
    assert {raw_asset_key(TRIPS), dg.AssetKey(["staging", "rental_trips"])} <= targeted
    run = sensor_job.execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags
    )
    assert run.success
    assert _raw_ids(TRIPS, "trip_id") == _ids(day1, "trip_id") | _ids(day2, "trip_id")
    events = [e.event_specific_data.materialization for e in run.get_asset_materialization_events()]
    (raw_event,) = [m for m in events if m.asset_key == raw_asset_key(TRIPS)]
    assert raw_event.partition == "2026-11-02"
    assert raw_event.metadata["rows_loaded"].value == len(_ids(day2, "trip_id"))
    assert instance.get_materialized_partitions(raw_asset_key(TRIPS)) == {"2026-11-01", "2026-11-02"}

    # Evaluated again: nothing. Re-dropped byte for byte (a new modification time): nothing.
    again = evaluate(result.cursor)
    assert again.run_requests == []
    day2.unlink()
    _drop(home, outbox, "rental/trips_2026-11-02.csv")
    redropped = evaluate(again.cursor)
    assert redropped.run_requests == []

    # The provider corrects the file: a changed fingerprint is a new run for the same day.
    lines = day2.read_text(encoding="utf-8").splitlines(keepends=True)
    day2.write_text("".join(lines[:-1]), encoding="utf-8")
    finished = time.time() - 60
    os.utime(day2, (finished, finished))
    (changed,) = evaluate(redropped.cursor).run_requests
    assert changed.partition_key == "2026-11-02"
    assert changed.run_key != request.run_key


def test_a_three_day_backfill_loads_exactly_those_days(world) -> None:
    """`lakehouse run --select traffic_flow --from 2026-11-02 --to 2026-11-04`, through the function the
    command calls: one run per day for the raw table, then staging and exchange once."""
    home, outbox, _, instance = world
    files = {day: _drop(home, outbox, f"traffic/flow_{day}.ndjson") for day in DAYS}
    key = raw_asset_key(FLOW)

    outcome = run_assets(["traffic_flow"], partition_keys("2026-11-02", "2026-11-04"), progress=print)
    assert outcome.success
    assert len(outcome.run_ids) == 4  # three days, then what reads the raw table
    wanted = {
        json.loads(line)["measurement_id"]
        for day in DAYS[1:]
        for line in files[day].read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert _raw_ids(FLOW, "measurement_id") == wanted
    assert instance.get_materialized_partitions(key) == set(DAYS[1:])
    staged = open_catalog().load_table("staging.traffic_flow").scan().to_arrow()
    assert staged.num_rows == len(wanted)
    # A day already loaded runs again as a no-op: the load state is per file, not per run.
    assert run_assets([f"key:{key.to_user_string()}"], ["2026-11-03"], progress=print).success
    assert _raw_ids(FLOW, "measurement_id") == wanted


def test_every_sensor_has_a_job_dagster_can_build_with_its_raw_asset_first(world) -> None:
    _, _, definitions, _ = world
    sensors = [s for s in definitions.sensors or [] if s.name.endswith(("_files", "_poll"))]
    assert len(sensors) == 16  # one per contract: 11 handed over as files, 5 databases with a watermark
    for sensor in sensors:
        selected = definitions.resolve_job_def(sensor.job_name).asset_layer.selected_asset_keys
        dataset = sensor.name.rsplit("_", 1)[0]
        assert raw_asset_key(CONTRACTS[dataset]) in selected
        assert dg.AssetKey(["staging", dataset]) in selected

"""The next day costs one day (docs/adr/0019-incremental-staging.md), through real Dagster runs on real
Iceberg tables (embedded profile) fed by the simulator: after day 1 and then day 2, staging and exchange
hold exactly what a full rebuild of both days holds, the append-only datasets said `mode: incremental`, the
others said why not, and a raw table that was not only appended to sends its dataset down the full path."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pyiceberg.expressions import EqualTo

from governance.anonymity import prepare_release
from governance.contracts import load_contracts
from governance.masking.keys import load_pseudonym_key
from governance.staging import mask_for_staging, staging_table
from ingest.simulator import simulate
from orchestration.defs.exchange import _resource_asset
from orchestration.defs.masking import PRIVACY_GATE, _staging_asset
from orchestration.defs.quality import _raw_gate
from orchestration.defs.sources import _raw_asset
from orchestration.resources import lakehouse_resource
from tests.mart_checksum import checksum

pytestmark = pytest.mark.integration

DAY_1, DAY_2 = date(2026, 11, 20), date(2026, 11, 21)
# Append-only with a row-level release; append-only with suppression of small classes; merged by key.
DATASETS = ("rental_trips", "elderly_care_alerts", "hotline_tickets")
SECOND_DAY_FILES = (
    f"rental/trips_{DAY_2:%Y-%m-%d}.csv",
    f"health/elderly_alerts_{DAY_2:%Y-%m-%d}.ndjson",
    f"hotline_12345/tickets_{DAY_2:%Y-%m-%d}.csv",
)


def _definitions() -> dg.Definitions:
    contracts = [load_contracts()[name] for name in DATASETS]
    return dg.Definitions(
        assets=[
            *(_raw_asset(c) for c in contracts),
            *(_staging_asset(c) for c in contracts),
            *(_resource_asset(c) for c in contracts),
        ],
        asset_checks=[_raw_gate(c) for c in contracts],
        resources={"lakehouse": lakehouse_resource()},
    )


def _run(job, instance) -> dg.ExecuteInProcessResult:
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success
    return result


def _materialized(result) -> dict[str, dict]:
    return {
        e.asset_key.to_user_string(): {
            k: getattr(v, "value", v) for k, v in e.materialization.metadata.items()
        }
        for e in result.get_asset_materialization_events()
    }


def _table(catalog, identifier: str) -> pa.Table:
    return catalog.load_table(identifier).scan().to_arrow()


def _handed_over(home: Path, tmp_path: Path) -> Path:
    """Both days simulated; only the first day's files of the day-by-day datasets handed over yet."""
    everything = tmp_path / "handed-over"
    simulate(everything, scale=0.01, days=2, seed=7, start=DAY_1)
    shutil.copytree(everything, home / "sources")
    for name in SECOND_DAY_FILES:
        (home / "sources" / name).unlink()
    return everything


def _hand_over_day_2(home: Path, everything: Path) -> None:
    for name in SECOND_DAY_FILES:
        shutil.copy(everything / name, home / "sources" / name)


def _zones(catalog) -> dict[str, pa.Table]:
    found = {}
    for name in DATASETS:
        found[f"staging.{name}"] = _table(catalog, staging_table(load_contracts()[name]))
        found[f"exchange.{name}"] = _table(catalog, f"exchange.{name}")
    return found


def test_day_2_appends_only_its_rows_and_equals_a_full_rebuild(lakehouse_home: Path, tmp_path: Path):
    from infra.catalog import open_catalog

    everything = _handed_over(lakehouse_home, tmp_path)
    job = _definitions().resolve_implicit_global_asset_job_def()
    catalog = open_catalog()
    with dg.DagsterInstance.ephemeral() as instance:
        first = _materialized(_run(job, instance))
        for name in DATASETS:
            assert first[f"staging/{name}"]["mode"] == "full"
            assert first[f"staging/{name}"]["reason"] in (
                "no previous materialization recorded",
                "write mode merge: raw rows are replaced by key, not only appended",
            )
        raw_day_1 = _table(catalog, "raw_transport.rental_trips").num_rows

        _hand_over_day_2(lakehouse_home, everything)
        second_run = _run(job, instance)
        second = _materialized(second_run)
        gates = {
            (e.asset_key.to_user_string(), e.check_name): e for e in second_run.get_asset_check_evaluations()
        }

    raw_both = _table(catalog, "raw_transport.rental_trips").num_rows
    assert raw_both > raw_day_1
    trips = second["staging/rental_trips"]
    assert trips["mode"] == "incremental" and trips["incremental"] is True, trips["reason"]
    assert trips["rows_appended"] == raw_both - raw_day_1
    assert trips["rows"] == raw_both
    assert (
        trips["from_snapshot"]
        == first["staging/rental_trips"]["skip_state"]["inputs"]["raw_transport.rental_trips"]
    )
    assert trips["to_snapshot"] == trips["skip_state"]["inputs"]["raw_transport.rental_trips"]
    exchange = second["exchange/rental_trips"]
    assert exchange["mode"] == "incremental", exchange["reason"]
    assert exchange["rows_appended"] > 0
    # The privacy gate judged the whole exchange table (k and l as the full path computes them on all of
    # staging), not only the appended rows.
    gate = gates[("staging/rental_trips", PRIVACY_GATE)]
    assert gate.passed and "carried_forward" not in gate.metadata
    whole = prepare_release(load_contracts()["rental_trips"], _table(catalog, "staging.rental_trips"))
    judged = gate.metadata["reidentification"].value
    assert (judged["k"], judged["l"]) == (whole.k, whole.l)
    only_new = prepare_release(load_contracts()["rental_trips"], _appended(catalog, "staging.rental_trips"))
    assert whole.l != only_new.l  # so the equality above tells a whole-table verdict from a day's

    alerts = second["staging/elderly_care_alerts"]
    assert alerts["mode"] == "incremental", alerts["reason"]
    assert second["exchange/elderly_care_alerts"]["mode"] == "full"
    assert "suppresses" in second["exchange/elderly_care_alerts"]["reason"]
    hotline = second["staging/hotline_tickets"]
    assert hotline["mode"] == "full" and hotline["incremental"] is False
    assert hotline["reason"].startswith("write mode merge")

    incremental = _zones(catalog)
    # A full rebuild of both days from the same raw tables: a fresh Dagster instance has no record, so every
    # asset takes the full path and overwrites staging and exchange.
    with dg.DagsterInstance.ephemeral() as fresh:
        rebuilt_run = _materialized(_run(job, fresh))
    assert {rebuilt_run[f"staging/{n}"]["mode"] for n in DATASETS} == {"full"}
    rebuilt = _zones(catalog)
    for identifier, table in incremental.items():
        assert table.num_rows > 0, identifier
        assert checksum(table) == checksum(rebuilt[identifier]), identifier


def _appended(catalog, identifier: str) -> pa.Table:
    """The rows the table's last (appended) snapshot added."""
    table = catalog.load_table(identifier)
    snapshot = table.current_snapshot()
    assert snapshot is not None and snapshot.parent_snapshot_id is not None
    return table.incremental_append_scan(from_snapshot_id_exclusive=snapshot.parent_snapshot_id).to_arrow()


def test_no_unmasked_value_and_every_row_accounted_for(lakehouse_home: Path, tmp_path: Path):
    from infra.catalog import open_catalog

    everything = _handed_over(lakehouse_home, tmp_path)
    job = _definitions().resolve_implicit_global_asset_job_def()
    catalog = open_catalog()
    with dg.DagsterInstance.ephemeral() as instance:
        _run(job, instance)
        _hand_over_day_2(lakehouse_home, everything)
        assert _materialized(_run(job, instance))["staging/rental_trips"]["mode"] == "incremental"

    ledger = _table(catalog, "governance.load_ledger").to_pylist()
    for name in DATASETS:
        contract = load_contracts()[name]
        raw, staged = _table(catalog, contract.raw_table), _table(catalog, staging_table(contract))
        entries = [e for e in ledger if e["dataset"] == name and e["status"] == "committed"]
        assert entries, name
        for entry in entries:
            assert (
                entry["rows_in"] == entry["rows_loaded"] + entry["rows_quarantined"] + entry["rows_duplicate"]
            )
        if contract.load.write_mode == "append":
            assert raw.num_rows == sum(e["rows_loaded"] for e in entries), name
        assert staged.num_rows == raw.num_rows, name  # masking keeps every row, appended or rebuilt
        personal = {
            value
            for column in contract.columns
            if column.pii and column.masking not in ("keep", "tag_text") and column.name in raw.column_names
            for value in raw.column(column.name).to_pylist()
            if value not in (None, "")
        }
        assert personal, name
        for column in staged.column_names:
            values = set(pc.cast(staged.column(column), pa.string()).to_pylist())
            assert not values & personal, f"staging.{name}.{column} holds an unmasked value"


def test_a_raw_table_not_only_appended_to_is_rebuilt_whole(lakehouse_home: Path, tmp_path: Path):
    from infra.catalog import open_catalog

    everything = _handed_over(lakehouse_home, tmp_path)
    job = _definitions().resolve_implicit_global_asset_job_def()
    catalog = open_catalog()
    with dg.DagsterInstance.ephemeral() as instance:
        _run(job, instance)
        # A steward deletes one station's trips from raw (a correction): a 'delete' snapshot, not an append.
        raw = catalog.load_table("raw_transport.rental_trips")
        station = raw.scan(selected_fields=("start_station",)).to_arrow().column(0)[0].as_py()
        raw.delete(EqualTo("start_station", station))
        _hand_over_day_2(lakehouse_home, everything)
        second = _materialized(_run(job, instance))

    trips = second["staging/rental_trips"]
    assert trips["mode"] == "full" and trips["incremental"] is False
    assert "not only appends" in trips["reason"]
    assert second["exchange/rental_trips"]["mode"] == "full"
    assert "not only appends" in second["exchange/rental_trips"]["reason"]
    raw_rows = _table(catalog, "raw_transport.rental_trips")
    staged = _table(catalog, "staging.rental_trips")
    assert staged.num_rows == raw_rows.num_rows
    # What the full path wrote is the mask of the raw table as it now is, the deleted trips gone.
    rebuilt = mask_for_staging(load_contracts()["rental_trips"], raw_rows, load_pseudonym_key()).table
    assert checksum(staged) == checksum(rebuilt)

"""The database poll asks for a load only when rows lie past the raw table's watermark, once per set of new
rows; loads through the SQL connector retry with back-off, except a load rejected for its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from governance.contracts import load_contracts
from ingest.load import load_dataset
from orchestration.defs.sensors import poll_sensors
from orchestration.defs.sources import NETWORK_RETRY, raw_asset_key
from orchestration.defs.sources import defs as source_defs
from orchestration.resources import LakehouseResource

CONTRACTS = load_contracts()
STEPS = CONTRACTS["approval_steps"]
RAW = {a.key: a for a in source_defs.assets or [] if isinstance(a, dg.AssetsDefinition)}


def _hall(home: Path, steps: list[tuple]) -> Path:
    """The service hall's database as the department's system keeps it (no constraints of ours)."""
    db = home / "sources" / "online_service_hall.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "create table if not exists approval_steps (step_id integer primary key, application_id text, "
            "step_name text, handler_department text, started_at text, finished_at text, outcome text)"
        )
        connection.executemany("insert into approval_steps values (?, ?, ?, ?, ?, ?, ?)", steps)
    return db


def _step(n: int, application: str | None = "A1") -> tuple:
    return (n, application, "review", "行政服务中心", f"2026-11-0{1 + n % 3} 09:00:00", None, "passed")


def _poll(context_instance: dg.DagsterInstance) -> dg.SensorResult:
    (sensor,) = [s for s in poll_sensors if s.name == "approval_steps_poll"]
    context = dg.build_sensor_context(instance=context_instance, resources={"lakehouse": LakehouseResource()})
    return sensor(context)


def test_the_poll_asks_once_per_set_of_new_rows(lakehouse_home: Path, catalog) -> None:
    _hall(lakehouse_home, [_step(n) for n in (1, 2, 3)])
    with dg.instance_for_test() as instance:
        (first,) = _poll(instance).run_requests
        assert first.run_key == "online_service_hall.db:approval_steps:step_id>None..3"
        assert _poll(instance).run_requests[0].run_key == first.run_key  # the daemon drops the repeat

        load_dataset(STEPS, lakehouse_home / "sources", catalog)
        nothing = _poll(instance)
        assert nothing.run_requests == []
        assert "no new rows" in str(nothing.skip_reason)

        _hall(lakehouse_home, [_step(10)])  # 10 > 3 as numbers: the column's own type decides
        (second,) = _poll(instance).run_requests
        assert second.run_key == "online_service_hall.db:approval_steps:step_id>3..10"


def test_a_missing_database_is_a_skipped_tick_not_a_crash(lakehouse_home: Path) -> None:
    with dg.instance_for_test() as instance:
        result = _poll(instance)
    assert result.run_requests == []
    assert "database file not found" in str(result.skip_reason)


def test_only_loads_through_sql_or_http_retry() -> None:
    policies = {name: RAW[raw_asset_key(contract)].op.retry_policy for name, contract in CONTRACTS.items()}
    sql = {n for n, c in CONTRACTS.items() if c.source.format in ("sqlite", "postgres", "http_json")}
    assert {n for n, p in policies.items() if p is not None} == sql
    assert NETWORK_RETRY.backoff == dg.Backoff.EXPONENTIAL and NETWORK_RETRY.max_retries == 3


@pytest.mark.parametrize("bad_share", [0.5])
def test_a_rejected_load_is_not_retried(lakehouse_home: Path, bad_share: float) -> None:
    # Half the rows lack their application: far above the contract's 5%, and the same on every retry.
    _hall(lakehouse_home, [_step(n, None if n % 2 else "A1") for n in range(1, 11)])
    raw = RAW[raw_asset_key(STEPS)]
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw], instance=instance, resources={"lakehouse": LakehouseResource()}, raise_on_error=False
        )
    assert not result.success
    kinds = [e.event_type_value for e in result.all_events]
    assert "STEP_UP_FOR_RETRY" not in kinds
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "break the contract" in failure.event_specific_data.error.message

"""Which datasets are partitioned by day, how a date range becomes partition keys, and how a deployment
turns automation off."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import pytest

from governance.contracts import load_contracts
from orchestration.automation import automation_on, schedule_status, sensor_status
from orchestration.partitions import DAILY, FIRST_DAY, is_daily, partition_keys, today

CONTRACTS = load_contracts()


def test_only_appended_day_partitioned_events_handed_over_as_files_are_daily() -> None:
    daily = {name for name, contract in CONTRACTS.items() if is_daily(contract)}
    assert daily == {"energy_readings", "elderly_care_alerts", "kiosk_checks", "rental_trips", "traffic_flow"}
    # Merged by key (hotline tickets), a page set (parking sessions), a database (approval steps): not daily.
    assert not {"hotline_tickets", "parking_sessions", "approval_steps", "parks"} & daily


def test_a_range_is_every_day_from_first_to_last_inclusive() -> None:
    assert partition_keys(date(2026, 11, 1), date(2026, 11, 3)) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert partition_keys("2026-11-05") == ["2026-11-05"]
    assert all(DAILY.has_partition_key(k) for k in partition_keys(FIRST_DAY, today()))


def test_today_in_china_is_a_partition_and_tomorrow_is_refused() -> None:
    assert DAILY.get_last_partition_key() == today().isoformat()
    with pytest.raises(ValueError, match="outside"):
        partition_keys(today(), today() + timedelta(days=1))


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-11-03", "2026-11-01", "after"),
        ("2025-12-31", "2026-01-02", "outside"),
        ("2026-11-31", None, "YYYY-MM-DD"),
        ("3 Nov", None, "YYYY-MM-DD"),
    ],
)
def test_a_wrong_range_is_an_error_not_an_empty_backfill(first: str, last: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        partition_keys(first, last)


def test_automation_is_on_unless_the_deployment_says_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_AUTOMATION", raising=False)
    assert automation_on()
    assert sensor_status() == dg.DefaultSensorStatus.RUNNING
    assert schedule_status(safe=False) == dg.DefaultScheduleStatus.STOPPED
    monkeypatch.setenv("LAKEHOUSE_AUTOMATION", " OFF ")
    assert sensor_status() == dg.DefaultSensorStatus.STOPPED
    assert schedule_status() == dg.DefaultScheduleStatus.STOPPED
    monkeypatch.setenv("LAKEHOUSE_AUTOMATION", "of")
    with pytest.raises(ValueError, match="use on or off"):
        automation_on()

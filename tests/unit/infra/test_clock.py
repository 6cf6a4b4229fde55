"""China time: one conversion and one display format for every report."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from infra.clock import CHINA, china_naive, china_now, format_china, to_china

# 2026-11-30 15:05:00 UTC is 23:05 the same day in China; 16:30 UTC is already the next day there.
UTC_INSTANT = datetime(2026, 11, 30, 15, 5, tzinfo=UTC)


def test_aware_instant_is_shown_eight_hours_ahead_with_its_offset() -> None:
    assert format_china(UTC_INSTANT) == "2026-11-30 23:05:00 +08:00"
    assert format_china(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-12-01 00:30:00 +08:00"


def test_epoch_milliseconds_are_an_instant() -> None:
    millis = int(UTC_INSTANT.timestamp() * 1000)
    assert to_china(millis) == UTC_INSTANT
    assert to_china(millis).utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("stored", "naive"),
    [
        (datetime(2026, 11, 30, 15, 5), "utc"),
        (datetime(2026, 11, 30, 23, 5), "china"),
    ],
)
def test_naive_times_are_read_as_declared(stored: datetime, naive: str) -> None:
    assert to_china(stored, naive) == UTC_INSTANT  # type: ignore[arg-type]
    assert china_naive(stored, naive) == datetime(2026, 11, 30, 23, 5)  # type: ignore[arg-type]


def test_naive_local_time_follows_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        # 10:05 in New York in late November (EST, UTC-5) is 15:05 UTC.
        assert to_china(datetime(2026, 11, 30, 10, 5), "local") == UTC_INSTANT
    finally:
        monkeypatch.undo()  # the machine's own zone back before the next test reads the clock
        time.tzset()


def test_other_zones_are_converted() -> None:
    tokyo = datetime(2026, 12, 1, 0, 5, tzinfo=timezone(timedelta(hours=9)))
    assert format_china(tokyo) == "2026-11-30 23:05:00 +08:00"


def test_now_is_china_time() -> None:
    now = china_now()
    assert now.tzinfo is CHINA
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(china_naive() - now.replace(tzinfo=None)) < timedelta(seconds=5)


def test_missing_and_wrong_types() -> None:
    assert format_china(None) == "—"
    assert format_china(None, missing="?") == "?"
    with pytest.raises(TypeError):
        to_china("2026-11-30")  # type: ignore[arg-type]

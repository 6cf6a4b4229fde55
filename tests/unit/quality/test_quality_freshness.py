"""Update frequency → maximum age; age from the Iceberg snapshot or a timestamp column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from governance.contracts import load_contracts
from governance.freshness import MAX_AGE, max_age
from infra.iceberg.writer import commit, ensure_table
from quality.freshness import check_freshness, evaluate, format_age
from tests.factories import resident_id

CONTRACTS = load_contracts()
NOW = datetime(2026, 11, 24, 12, 0)


def test_every_contract_frequency_has_a_max_age_longer_than_its_period():
    period = {
        "realtime": timedelta(0),
        "hourly": timedelta(hours=1),
        "daily": timedelta(days=1),
        "weekly": timedelta(weeks=1),
        "monthly": timedelta(days=31),
        "quarterly": timedelta(days=92),
        "yearly": timedelta(days=366),
    }
    assert set(MAX_AGE) == set(period)
    for frequency, age in MAX_AGE.items():
        assert age > period[frequency]
    assert {c.update_frequency for c in CONTRACTS.values()} <= set(MAX_AGE)


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("parking_sessions", timedelta(hours=2)),
        ("approval_steps", timedelta(hours=30)),
        ("parks", timedelta(days=33)),
    ],
)
def test_fresh_up_to_the_limit_and_stale_one_second_after(name, limit):
    contract = CONTRACTS[name]
    assert max_age(contract.update_frequency) == limit
    at_limit = evaluate(contract, NOW - limit, now=NOW)
    assert at_limit.fresh and at_limit.age == limit
    late = evaluate(contract, NOW - limit - timedelta(seconds=1), now=NOW)
    assert not late.fresh
    assert "STALE" in late.describe() and contract.raw_table in late.describe()


def test_never_loaded_is_not_fresh():
    status = evaluate(CONTRACTS["traffic_flow"], None, now=NOW)
    assert status.age is None and not status.fresh
    assert "never loaded" in status.describe()


def test_format_age():
    assert format_age(timedelta(days=1, hours=6, minutes=5)) == "1d 6h05m"
    assert format_age(timedelta(minutes=30)) == "0h30m"
    assert format_age(None) == "-"


def _load(catalog, contract, rows):
    ensure_table(catalog, contract.raw_table, contract.raw_arrow_schema())
    return commit(
        catalog, contract.raw_table, pa.Table.from_pylist(rows, contract.raw_arrow_schema()), "append"
    )


def test_age_from_the_last_snapshot(catalog):
    contract = CONTRACTS["elderly_care_alerts"]  # realtime: 30 minutes
    assert check_freshness(contract, catalog).last_updated is None
    result = _load(
        catalog,
        contract,
        [
            {
                "alert_id": "A1",
                "resident_id_number": resident_id("31011519500101123"),
                "alert_type": "fall",
                "raised_at": datetime(2026, 1, 1, 8, 0),
                "town": "泥城镇",
            }
        ],
    )
    committed = catalog.load_table(contract.raw_table).current_snapshot()
    committed_at = datetime.fromtimestamp(committed.timestamp_ms / 1000, UTC).replace(tzinfo=None)
    fresh = check_freshness(contract, catalog, now=committed_at + timedelta(minutes=29))
    assert fresh.fresh and fresh.snapshot_id == result.snapshot_id
    assert fresh.last_updated == committed_at
    stale = check_freshness(contract, catalog, now=committed_at + timedelta(minutes=31))
    assert not stale.fresh
    # By the data's own clock (Shanghai wall time, UTC+8) the newest alert is from 2026-01-01 00:00 UTC.
    by_column = check_freshness(contract, catalog, now=datetime(2026, 1, 1, 0, 20), column="raised_at")
    assert by_column.last_updated == datetime(2026, 1, 1, 0, 0)
    assert by_column.fresh and by_column.basis == "column raised_at"

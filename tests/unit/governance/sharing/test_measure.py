"""The measured sharing rate on small in-memory fixtures: what counts as shared online, and why not."""

from datetime import datetime, timedelta

import pytest

from governance.access.grant import Grant
from governance.catalogue import build_catalogue
from governance.sharing.gates import GateStatus, latest_runs
from governance.sharing.measure import (
    Observed,
    count_grant_rows,
    freshness_window,
    gap_rows,
    measure,
    rate_rows,
)
from tests.unit.governance.sharing.conftest import write_exchange_table

AT = datetime(2026, 11, 24, 12, 0)
PASSED = GateStatus("passed", "run-1", AT - timedelta(hours=3))


@pytest.fixture
def entries(contracts):
    # Three resources of one department, one of another, and one exempt by law.
    chosen = ("parking_lots", "parking_sessions", "traffic_flow", "parks", "clinic_visits")
    return build_catalogue({n: contracts[n] for n in chosen}, marts=False).to_pylist()


def _grant(table="exchange.parking_sessions", department="city_management", expires=AT + timedelta(days=30)):
    return Grant(
        department,
        table,
        ("lot_id",),
        None,
        expires,
        grant_id="SR-1",
        granted_at=AT - timedelta(days=1),
        provider_department="transport",
    )


def _healthy(entries, **changes) -> Observed:
    shared = [e for e in entries if e["exchange_table"]]
    observed = {
        "refreshed": {e["exchange_table"]: AT - timedelta(hours=2) for e in shared},
        "quality": {e["dataset"]: PASSED for e in shared},
        "leak_scan": {e["dataset"]: PASSED for e in shared},
        "grants": [_grant()],
    }
    observed.update(changes)
    return Observed(**observed)


def _rate(measurement, department):
    return next(r for r in measurement.rates if r.department == department)


def _gaps(measurement):
    return {(s.dataset, g.reason) for s, g in measurement.gaps()}


def test_everything_healthy_is_fully_shared_and_the_exempt_resource_is_apart(entries):
    measurement = measure(entries, _healthy(entries), AT)
    overall = _rate(measurement, "all")
    assert (overall.resources, overall.exempt, overall.in_scope, overall.shared_online) == (5, 1, 4, 4)
    assert overall.sharing_rate == 1.0
    health = _rate(measurement, "health")
    assert (health.exempt, health.in_scope, health.sharing_rate) == (1, 0, None)  # nothing to share: n/a
    assert _gaps(measurement) == set()


def test_a_stale_exchange_table_is_a_gap(entries):
    observed = _healthy(entries)
    observed.refreshed["exchange.parking_lots"] = AT - freshness_window("daily") - timedelta(minutes=1)
    # A monthly resource refreshed 3 days ago is still fresh.
    observed.refreshed["exchange.parks"] = AT - timedelta(days=3)
    measurement = measure(entries, observed, AT)
    assert _gaps(measurement) == {("parking_lots", "stale")}
    assert _rate(measurement, "transport").sharing_rate == pytest.approx(2 / 3, abs=1e-4)
    assert _rate(measurement, "all").sharing_rate == 0.75


def test_the_same_tables_go_stale_as_time_passes(entries):
    observed = _healthy(entries)
    later = measure(entries, observed, AT + timedelta(days=2))
    # Daily, hourly and realtime resources are past their window; the monthly park list is not.
    assert {d for d, r in _gaps(later) if r == "stale"} == {
        "parking_lots",
        "parking_sessions",
        "traffic_flow",
    }
    assert _rate(later, "lingang_group").sharing_rate == 1.0


def test_a_failed_or_missing_gate_is_a_gap(entries):
    failed = GateStatus("failed", "run-2", AT, "1 failed: parking_lots/expect_column_values_to_not_be_null")
    observed = _healthy(entries)
    observed.quality["parking_lots"] = failed
    del observed.leak_scan["traffic_flow"]
    measurement = measure(entries, observed, AT)
    assert _gaps(measurement) == {("parking_lots", "quality_failed"), ("traffic_flow", "leak_scan_not_run")}
    assert _rate(measurement, "transport").shared_online == 1


def test_gate_tables_that_do_not_exist_mean_not_run_for_everyone(entries):
    measurement = measure(entries, _healthy(entries, quality={}, leak_scan={}), AT)
    assert _rate(measurement, "all").shared_online == 0
    assert {r for _, r in _gaps(measurement)} == {"quality_not_run", "leak_scan_not_run"}


def test_a_missing_exchange_table_is_a_gap(entries):
    observed = _healthy(entries)
    observed.refreshed["exchange.parks"] = None
    assert ("parks", "missing_exchange_table") in _gaps(measure(entries, observed, AT))


def test_a_conditional_resource_needs_a_live_grant(entries):
    without = measure(entries, _healthy(entries, grants=[]), AT)
    assert _gaps(without) == {("parking_sessions", "no_grant")}
    expired = measure(entries, _healthy(entries, grants=[_grant(expires=AT - timedelta(seconds=1))]), AT)
    assert _gaps(expired) == {("parking_sessions", "no_grant")}
    other_table = measure(entries, _healthy(entries, grants=[_grant(table="exchange.rental_trips")]), AT)
    assert ("parking_sessions", "no_grant") in _gaps(other_table)
    granted = measure(entries, _healthy(entries), AT)
    state = next(s for s in granted.resources if s.dataset == "parking_sessions")
    # The readers are the access policy's: the provider, the grantee and the stewards.
    assert state.shared_online and state.readers == ("city_management", "stewards", "transport")


def test_a_grant_that_matches_no_row_shares_nothing(entries):
    """Issue #14, finding 5: a grant whose row condition matches no row lifted the rate. Counted rows are
    part of what is observed; a grant counts while it matches at least one."""
    grant = _grant()
    empty = measure(entries, _healthy(entries, matched_rows={grant: 0}), AT)
    assert _gaps(empty) == {("parking_sessions", "grant_matches_no_rows")}
    (gap,) = [g for s, g in empty.gaps()]
    assert "SR-1" in gap.detail and gap.label == "授权行条件无匹配数据"
    assert (
        _rate(empty, "transport").shared_online
        == _rate(measure(entries, _healthy(entries), AT), "transport").shared_online - 1
    )
    matching = measure(entries, _healthy(entries, matched_rows={grant: 12}), AT)
    assert _gaps(matching) == set()
    # A second, matching grant of another department is enough.
    other = Grant(
        "emergency", "exchange.parking_sessions", ("lot_id",), "lot_id = 'PL3101150001'", grant_id="SR-2"
    )
    both = _healthy(entries, grants=[grant, other], matched_rows={grant: 0, other: 3})
    assert _gaps(measure(entries, both, AT)) == set()


def test_every_reason_of_a_resource_is_listed(entries):
    observed = _healthy(entries, grants=[])
    observed.refreshed["exchange.parking_sessions"] = None
    observed.quality["parking_sessions"] = GateStatus("failed", "r", AT, "x")
    reasons = {r for d, r in _gaps(measure(entries, observed, AT)) if d == "parking_sessions"}
    assert reasons == {"missing_exchange_table", "quality_failed", "no_grant"}


def test_kpi_rows(entries):
    observed = _healthy(entries)
    observed.quality["parking_lots"] = GateStatus("failed", "run-2", AT, "1 failed")
    measurement = measure(entries, observed, AT)
    rates = {r["department"]: r for r in rate_rows(measurement).to_pylist()}
    assert set(rates) == {"all", "transport", "lingang_group", "health"}
    assert (rates["transport"]["shared_online"], rates["transport"]["gaps"]) == (2, 1)
    gaps = gap_rows(measurement).to_pylist()
    assert [(g["resource_id"], g["reason"], g["reason_label"]) for g in gaps] == [
        ("transport.parking_lots", "quality_failed", "质量校验未通过")
    ]


def test_latest_run_per_dataset_decides_the_gate():
    t0, t1 = datetime(2026, 11, 23), datetime(2026, 11, 24)
    rows = [
        {"dataset": "exchange.parks", "run_id": "a", "ok": False, "at": t0},
        {"dataset": "exchange.parks", "run_id": "b", "ok": True, "at": t1},
        {"dataset": "exchange.parks", "run_id": "b", "ok": True, "at": t1},
        {"dataset": "parking_lots", "run_id": "a", "ok": True, "at": t0},
        {"dataset": "parking_lots", "run_id": "c", "ok": False, "at": t1},
        {"dataset": "parking_lots", "run_id": "c", "ok": True, "at": t1},
    ]
    result = latest_runs(rows, "at", "ok", "run_id", lambda r: r["dataset"])
    assert result["parks"].state == "passed"  # an old failure, fixed by the latest run
    assert result["parking_lots"].state == "failed"  # one failed expectation in the latest run
    assert "traffic_flow" not in result


def test_grant_rows_are_counted_again_at_each_measurement(catalog, entries):
    """The KPI re-counts every grant on the exchange table as it is when measured."""
    write_exchange_table(catalog, "parking_sessions", [{"session_id": "S1", "lot_id": "PL1"}])
    some = _grant()
    lot = Grant("emergency", "exchange.parking_sessions", ("lot_id",), "lot_id = 'PL1'", grant_id="SR-2")
    broken = Grant("health", "exchange.parking_sessions", ("lot_id",), "no_such_column = 1", grant_id="SR-3")
    elsewhere = Grant("health", "exchange.rental_trips", ("trip_id",), grant_id="SR-4")  # no such table
    assert count_grant_rows(catalog, entries, [some, lot, broken, elsewhere]) == {
        some: 1,
        lot: 1,
        broken: 0,
        elsewhere: 0,
    }
    write_exchange_table(catalog, "parking_sessions", [{"session_id": "S2", "lot_id": "PL2"}])
    assert count_grant_rows(catalog, entries, [some, lot]) == {some: 1, lot: 0}

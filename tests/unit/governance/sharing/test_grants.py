"""Approvals compile into grants; expired and revoked grants disappear."""

from datetime import UTC, datetime

from governance.access.grant import Grant
from governance.sharing.grants import grants_arrow, live_grants
from infra.zones import EXCHANGE

SUBMITTED = datetime(2025, 9, 26, 10, 0)
APPROVED = datetime(2025, 9, 29, 15, 0)
EXPIRES = datetime(2025, 12, 31, 0, 0)


def _approved(store, contracts, requester="city_management"):
    request = store.create(
        contracts["parking_sessions"],
        requester,
        ["session_id", "lot_id", "entered_at", "exited_at"],
        "停车秩序治理: 各停车场周转率",
        "lot_id = 'P001'",
        published=True,
        at=SUBMITTED,
    )
    return store.approve(
        contracts["parking_sessions"],
        request.request_id,
        "transport",
        expires_at=EXPIRES,
        columns=["lot_id", "entered_at", "exited_at"],
        at=APPROVED,
    )


def test_an_approval_produces_the_expected_grant(store, contracts):
    approved = _approved(store, contracts)
    assert live_grants(datetime(2025, 10, 1), store) == [
        Grant(
            department="city_management",
            table=EXCHANGE.table("parking_sessions"),
            columns=("lot_id", "entered_at", "exited_at"),
            row_condition="lot_id = 'P001'",
            expires_at=EXPIRES,
            grant_id=approved.request_id,
            granted_at=APPROVED,
            provider_department="transport",
        )
    ]


def test_no_grant_before_approval_or_for_pending_and_refused_requests(store, contracts):
    pending = store.create(
        contracts["parking_sessions"], "emergency", ["lot_id"], "应急疏散", published=True, at=SUBMITTED
    )
    refused = store.create(
        contracts["parking_sessions"], "health", ["lot_id"], "健康小屋选址", published=True, at=SUBMITTED
    )
    store.refuse(refused.request_id, "transport", "与职责无关", at=SUBMITTED)
    assert live_grants(datetime(2025, 10, 1), store) == []
    approved = _approved(store, contracts)
    assert live_grants(APPROVED.replace(hour=14), store) == []  # an hour before the approval
    assert [g.grant_id for g in live_grants(APPROVED, store)] == [approved.request_id]
    assert store.get(pending.request_id).state == "submitted"


def test_an_expired_grant_disappears_and_its_expiry_is_recorded(store, contracts):
    approved = _approved(store, contracts)
    assert live_grants(datetime(2025, 12, 30, 23, 59), store)
    # Gone at the expiry instant, before any sweep has run …
    assert live_grants(EXPIRES, store) == []
    assert store.get(approved.request_id).state == "approved"
    # … and the sweep records it as a history event.
    assert store.expire_due(datetime(2026, 1, 2)) == [approved.request_id]
    expired = store.get(approved.request_id)
    assert expired.state == "expired"
    assert [e.action for e in expired.history][-1] == "expire"
    assert store.expire_due(datetime(2026, 1, 3)) == []


def test_a_revoked_grant_disappears(store, contracts):
    approved = _approved(store, contracts)
    store.revoke(approved.request_id, "transport", "用途已完成", at=datetime(2025, 11, 1))
    assert live_grants(datetime(2025, 11, 2), store) == []


def test_aware_times_are_compared_in_china_time(store, contracts):

    _approved(store, contracts)
    # 16:30 UTC on 30 December is 00:30 on 31 December in Beijing: past the expiry.
    assert live_grants(datetime(2025, 12, 30, 16, 30, tzinfo=UTC), store) == []
    assert live_grants(datetime(2025, 12, 30, 15, 30, tzinfo=UTC), store)


def test_grants_table_rows(store, contracts):
    _approved(store, contracts)
    table = grants_arrow(live_grants(datetime(2025, 10, 1), store), datetime(2025, 10, 1))
    row = table.to_pylist()[0]
    assert (row["department"], row["table_name"], row["columns"], row["row_filter"]) == (
        "city_management",
        "exchange.parking_sessions",
        ["lot_id", "entered_at", "exited_at"],
        "lot_id = 'P001'",
    )
    assert row["department_name"] == "城市管理"

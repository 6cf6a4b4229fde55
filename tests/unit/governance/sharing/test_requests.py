"""The sharing request state machine on a real SQLite store."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from governance.sharing.rules import RequestError
from governance.sharing.store import RequestStore, events_table, sharing_db_url

SUBMITTED = datetime(2025, 9, 26, 10, 0)  # Friday before the 2025 National Day holiday


def _create(store, contracts, **overrides):
    arguments = {
        "contract": contracts["hotline_tickets"],
        "requester": "emergency",
        "columns": ["ticket_id", "received_at", "category", "street"],
        "purpose": "应急联动研判: 按街道统计噪声与火情工单",
        "row_condition": "category = '消防安全'",
        "published": True,
        "at": SUBMITTED,
    }
    arguments.update(overrides)
    contract = arguments.pop("contract")
    return store.create(contract, **arguments)


def test_a_request_gets_its_working_day_deadlines(store, contracts):
    request = _create(store, contracts)
    assert request.state == "submitted"
    assert request.provider_department == "city_management"
    assert request.exchange_table == "exchange.hotline_tickets"
    assert (request.compliance_due, request.answer_due) == (date(2025, 9, 29), date(2025, 10, 10))
    unpublished = _create(store, contracts, published=False)
    assert unpublished.answer_due == date(2025, 10, 16)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"contract_name": "parks"}, "无条件共享"),
        ({"contract_name": "clinic_visits"}, "不予共享"),
        ({"requester": "city_management"}, "provides"),
        ({"requester": "police"}, "not a department"),
        ({"columns": ["caller_name"]}, "never shared"),
        ({"columns": ["shoe_size"]}, "no columns"),
        ({"columns": []}, "at least one column"),
        ({"purpose": "  "}, "purpose"),
        ({"row_condition": "street = '申港大道'; drop table x"}, "row condition"),
        ({"row_condition": "ticket_id in (select ticket_id from exchange.hotline_tickets)"}, "query"),
        ({"row_condition": "caller_name = '张三'"}, "does not share"),
        ({"row_condition": "street"}, "boolean"),
        ({"row_condition": "(street)"}, "boolean"),
    ],
)
def test_invalid_requests_are_rejected(store, contracts, overrides, words):
    if "contract_name" in overrides:
        overrides["contract"] = contracts[overrides.pop("contract_name")]
        overrides["columns"] = [overrides["contract"].columns[0].name]
    with pytest.raises(RequestError, match=words):
        _create(store, contracts, **overrides)
    assert store.list() == []


def test_the_data_office_requests_like_any_department(store, contracts):
    """Steward rights are the named steward accounts'; the data office's analysts need a grant too."""
    request = _create(store, contracts, requester="data_office")
    assert (request.state, request.requester_department) == ("submitted", "data_office")


def test_an_approval_that_matches_no_row_needs_a_stated_reason(store, contracts):
    """Issue #14, finding 5. The service counts the rows (test_service.py); the store refuses 0 without a
    reason, and keeps the count and the reason in the approval's history."""
    request = _create(store, contracts)
    approve = {"expires_at": datetime(2026, 9, 30), "at": datetime(2025, 9, 28, 9, 0)}
    for blank in (None, "", "  "):
        with pytest.raises(RequestError, match=r"matches 0 rows of exchange\.hotline_tickets"):
            store.approve(
                contracts["hotline_tickets"],
                request.request_id,
                "city_management",
                **approve,
                matched_rows=0,
                allow_empty=blank,
            )
    assert store.get(request.request_id).state == "submitted"  # nothing happened
    approved = store.approve(
        contracts["hotline_tickets"],
        request.request_id,
        "city_management",
        **approve,
        matched_rows=0,
        allow_empty=" 该类工单下月起由新系统报送 ",
    )
    assert approved.state == "approved"
    assert approved.history[-1].detail["matched_rows"] == 0
    assert approved.history[-1].detail["allow_empty_reason"] == "该类工单下月起由新系统报送"


def test_approval_walks_through_the_compliance_check_and_keeps_history(store, contracts):
    request = _create(store, contracts)
    approved = store.approve(
        contracts["hotline_tickets"],
        request.request_id,
        "city_management",
        expires_at=datetime(2026, 9, 30),
        columns=["ticket_id", "street"],
        comment="同意, 仅限消防类工单",
        at=datetime(2025, 9, 28, 9, 0),
    )
    assert approved.state == "approved"
    assert approved.approved_columns == ("ticket_id", "street")
    assert approved.row_condition == "category = '消防安全'"
    assert approved.compliance_checked_at == datetime(2025, 9, 28, 9, 0)
    assert [(e.action, e.from_state, e.to_state) for e in approved.history] == [
        ("submit", None, "submitted"),
        ("check", "submitted", "compliance_checked"),
        ("approve", "compliance_checked", "approved"),
    ]
    assert approved.history[-1].detail["approved_columns"] == ["ticket_id", "street"]


def test_an_approval_cannot_widen_the_request(store, contracts):
    request = _create(store, contracts)
    with pytest.raises(RequestError, match="not requested"):
        store.approve(
            contracts["hotline_tickets"],
            request.request_id,
            "city_management",
            expires_at=datetime(2026, 1, 1),
            columns=["ticket_id", "content"],
            at=SUBMITTED,
        )
    with pytest.raises(RequestError, match="future"):
        store.approve(
            contracts["hotline_tickets"],
            request.request_id,
            "city_management",
            expires_at=SUBMITTED - timedelta(days=1),
            at=SUBMITTED,
        )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_refusal_without_a_reason_is_rejected(store, contracts, reason):
    request = _create(store, contracts)
    with pytest.raises(RequestError, match="reason"):
        store.refuse(request.request_id, "city_management", reason)
    assert store.get(request.request_id).state == "submitted"
    assert len(store.get(request.request_id).history) == 1


def test_a_refusal_with_a_reason_is_final(store, contracts):
    request = _create(store, contracts)
    refused = store.refuse(request.request_id, "city_management", "含举报人信息, 不宜共享", at=SUBMITTED)
    assert (refused.state, refused.refusal_reason) == ("refused", "含举报人信息, 不宜共享")
    with pytest.raises(RequestError, match="cannot become approved"):
        store.approve(
            contracts["hotline_tickets"],
            request.request_id,
            "x",
            expires_at=datetime(2030, 1, 1),
            at=SUBMITTED,
        )


def test_a_failed_compliance_check_refuses_with_the_broken_rule(store, contracts):
    request = _create(store, contracts)
    # The provider's contract changed after submission: the resource became unconditional.
    changed = contracts["hotline_tickets"].model_copy(update={"sharing_type": "unconditional"})
    checked = store.check_compliance(changed, request.request_id, "data_office", at=SUBMITTED)
    assert checked.state == "refused"
    assert "合规性审核未通过" in checked.refusal_reason and "无条件共享" in checked.refusal_reason


def test_overdue_requests_are_flagged(store, contracts):
    request = _create(store, contracts)
    assert request.overdue(datetime(2025, 9, 29, 23, 0)) is None
    assert request.overdue(datetime(2025, 9, 30, 8, 0)) == "compliance_check"
    store.check_compliance(
        contracts["hotline_tickets"], request.request_id, "data_office", at=datetime(2025, 9, 30)
    )
    checked = store.get(request.request_id)
    assert checked.overdue(datetime(2025, 10, 10, 18, 0)) is None
    assert checked.overdue(datetime(2025, 10, 11, 0, 0)) == "answer"
    refused = store.refuse(request.request_id, "city_management", "用途不明确", at=datetime(2025, 10, 13))
    assert refused.overdue(datetime(2025, 10, 20)) is None  # answered (late), no longer pending


def test_history_is_append_only_in_the_database(store, contracts):
    request = _create(store, contracts)
    with store.engine.begin() as connection, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        connection.execute(sa.update(events_table).values(actor="someone else"))
    with store.engine.begin() as connection, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        connection.execute(sa.delete(events_table))
    assert store.get(request.request_id).history[0].actor == "emergency"


def test_a_stale_transition_is_refused(store, contracts):
    request = _create(store, contracts)
    store.refuse(request.request_id, "city_management", "重复申请", at=SUBMITTED)
    # Someone acting on the old 'submitted' copy must not overwrite the refusal.
    with pytest.raises(RequestError):
        store._transition(request, "compliance_checked", "data_office", SUBMITTED, "check", None, {})
    assert store.get(request.request_id).state == "refused"


def test_the_store_survives_reopening(tmp_path, contracts):
    url = f"sqlite:///{tmp_path / 'again.db'}"
    first = RequestStore.open(url)
    request = _create(first, contracts)
    again = RequestStore.open(url)
    assert again.get(request.request_id).purpose == request.purpose


def test_a_dropped_store_leaves_no_connection_open(tmp_path, contracts):
    """Stores are opened per command and sensor tick and never closed: each operation must close its own."""
    store = RequestStore.open(f"sqlite:///{tmp_path / 'sharing.db'}")
    opened, closed = [], []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))
    sa.event.listen(store.engine.pool, "close", lambda *_: closed.append(1))
    request = _create(store, contracts)
    store.get(request.request_id)
    store.list()
    assert opened and len(closed) == len(opened)


def test_store_location_follows_the_profile(lakehouse_home, monkeypatch):
    assert str(sharing_db_url()).endswith("state/sharing.db")
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "stack")
    monkeypatch.setenv("LAKEHOUSE_PG_PASSWORD", "p@ss/word")
    url = sharing_db_url()
    assert (url.drivername, url.database, url.password) == ("postgresql+psycopg", "sharing", "p@ss/word")
    monkeypatch.setenv("LAKEHOUSE_SHARING_DB_URL", "sqlite:///elsewhere.db")
    assert sharing_db_url() == "sqlite:///elsewhere.db"

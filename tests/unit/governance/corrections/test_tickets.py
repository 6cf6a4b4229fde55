"""Correction tickets (校核纠错) on a real SQLite store: create → accept / reject, deadlines, the rules."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from governance.corrections.limits import ANSWER_DAYS
from governance.corrections.rules import CorrectionError
from governance.corrections.schema import events_table
from governance.corrections.targets import TargetError, find_target
from tests.unit.governance.corrections.conftest import FILED


def _file(store, targets, policy, **overrides):
    arguments = {
        "table": "exchange.parks",
        "requester": "transport",
        "key_values": ["park_id=PK001"],
        "column": "park_name",
        "reason": "园区名称与工商登记不一致",
        "proposed_value": "临港科技城",
        "at": FILED,
    }
    arguments.update(overrides)
    target = find_target(arguments.pop("table"), targets)
    return store.create(target, policy, **arguments)


def test_create_then_accept_keeps_the_fix_and_the_history(store, targets, policy):
    ticket = _file(store, targets, policy)
    assert (ticket.state, ticket.provider_department) == ("open", "lingang_group")
    assert ticket.row_key == {"park_id": "PK001"}
    assert ticket.proposed_value == "临港科技城" and not ticket.proposed_value_withheld
    accepted = store.answer(
        ticket.ticket_id,
        "lingang_group",
        accept=True,
        fix="源系统变更单 CR-2291",
        at=datetime(2025, 9, 29, 9),
    )
    assert accepted.state == "accepted"
    assert (accepted.fix_reference, accepted.rejection_reason) == ("源系统变更单 CR-2291", None)
    assert accepted.answered_by == "lingang_group"
    assert [(e.action, e.from_state, e.to_state) for e in accepted.history] == [
        ("create", None, "open"),
        ("accept", "open", "accepted"),
    ]
    assert accepted.history[-1].detail["on_time"] is True
    with pytest.raises(CorrectionError, match="is accepted; it cannot become rejected"):
        store.answer(ticket.ticket_id, "lingang_group", accept=False, reason="重复提交的纠错")


def test_create_then_reject_needs_a_reason(store, targets, policy):
    ticket = _file(store, targets, policy)
    for blank in (None, "", "  "):
        with pytest.raises(CorrectionError, match="rejection's reason"):
            store.answer(ticket.ticket_id, "lingang_group", accept=False, reason=blank)
    with pytest.raises(CorrectionError, match="--reason, not --fix"):
        store.answer(ticket.ticket_id, "lingang_group", accept=False, fix="CR-1", reason="源数据无误")
    assert store.get(ticket.ticket_id).state == "open"  # nothing happened
    rejected = store.answer(ticket.ticket_id, "lingang_group", accept=False, reason="源系统登记即为该名称")
    assert (rejected.state, rejected.rejection_reason, rejected.fix_reference) == (
        "rejected",
        "源系统登记即为该名称",
        None,
    )
    assert rejected.history[-1].action == "reject"


def test_an_acceptance_must_name_the_source_fix(store, targets, policy):
    ticket = _file(store, targets, policy)
    with pytest.raises(CorrectionError, match="source fix reference"):
        store.answer(ticket.ticket_id, "lingang_group", accept=True, fix=" ")
    assert store.get(ticket.ticket_id).state == "open"


def test_the_deadline_counts_working_days_across_the_national_day_holiday(store, targets, policy):
    """Friday 26 Sep 2025: Sunday 28 Sep is a 调休 working day, 1–8 Oct are holidays; 5 working days end on
    Friday 10 Oct. Overdue from the first moment of 11 Oct (a make-up Saturday, but the limit has passed)."""
    assert ANSWER_DAYS == 5
    ticket = _file(store, targets, policy)
    assert (ticket.answer_due, ticket.deadline_provisional) == (date(2025, 10, 10), False)
    assert not ticket.overdue(datetime(2025, 10, 10, 23, 59, 59))
    assert ticket.overdue(datetime(2025, 10, 11, 0, 0))
    late = store.answer(
        ticket.ticket_id, "lingang_group", accept=True, fix="CR-7 补录", at=datetime(2025, 10, 13)
    )
    assert late.history[-1].detail["on_time"] is False
    assert not late.overdue(datetime(2025, 10, 13, 12))  # answered: no longer flagged


def test_the_deadline_skips_a_weekend(store, targets, policy):
    ticket = _file(store, targets, policy, at=datetime(2025, 11, 13, 16, 0))  # a Thursday
    assert ticket.answer_due == date(2025, 11, 20)  # Fri, Mon, Tue, Wed, Thu
    assert ticket.overdue(datetime(2025, 11, 21, 0, 0)) and not ticket.overdue(datetime(2025, 11, 20, 18))


def test_only_the_provider_department_answers(store, targets, policy):
    ticket = _file(store, targets, policy)
    for department in ("transport", "data_office"):
        with pytest.raises(CorrectionError, match=f"provider of exchange.parks, lingang_group; {department}"):
            store.answer(ticket.ticket_id, department, accept=True, fix="CR-1 已修正")
    with pytest.raises(CorrectionError, match="not a department id"):
        store.answer(ticket.ticket_id, "police", accept=True, fix="CR-1 已修正")
    assert store.get(ticket.ticket_id).state == "open"


def test_a_mart_is_answered_by_the_data_office(store, targets, policy):
    ticket = _file(
        store,
        targets,
        policy,
        table="exchange.parking_utilisation_hourly",
        key_values=["PL001", "2025-09-25 08:00"],
        column="capacity",
        proposed_value="120",
    )
    assert ticket.provider_department == "data_office"
    assert ticket.row_key == {"lot_id": "PL001", "hour_start": "2025-09-25 08:00"}
    with pytest.raises(CorrectionError, match="data_office; transport is not it"):
        store.answer(ticket.ticket_id, "transport", accept=True, fix="CR-1 已修正")
    assert (
        store.answer(ticket.ticket_id, "data_office", accept=False, reason="容量以停车场台账为准").state
        == "rejected"
    )


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"column": "park_nam"}, TargetError, "no column 'park_nam'; did you mean 'park_name'"),
        ({"table": "exchange.prks"}, TargetError, "did you mean 'exchange.parks'"),
        ({"table": "raw_development.parks"}, TargetError, "no shared table"),
        ({"requester": "lingang_group"}, CorrectionError, "provides exchange.parks itself"),
        ({"requester": "police"}, CorrectionError, "not a department id"),
        ({"key_values": []}, CorrectionError, "keyed by park_id"),
        ({"key_values": ["PK001", "PK002"]}, CorrectionError, "2 given"),
        ({"key_values": ["park_id= "]}, CorrectionError, "empty value for key column"),
        ({"reason": " 错 "}, CorrectionError, "reason"),
        # conditional: no grant for city reads → not a reader; a granted reader only its columns
        (
            {
                "table": "exchange.hotline_tickets",
                "requester": "transport",
                "key_values": ["T1"],
                "column": "category",
            },
            CorrectionError,
            "may not read exchange.hotline_tickets",
        ),
        (
            {
                "table": "exchange.hotline_tickets",
                "requester": "emergency",
                "key_values": ["T1"],
                "column": "status",
            },
            CorrectionError,
            "not granted column status",
        ),
    ],
)
def test_invalid_tickets_are_refused(store, targets, policy, overrides, error, words):
    with pytest.raises(error, match=words):
        _file(store, targets, policy, **overrides)
    assert store.list() == []


def test_a_personal_column_keeps_no_value_only_that_one_was_given(store, targets, policy):
    """Decision: a proposed value for a personal column is not stored anywhere (ticket, history, mirror);
    the ticket says one was given, and the provider checks the source record."""
    ticket = _file(
        store,
        targets,
        policy,
        table="exchange.hotline_tickets",
        requester="emergency",
        key_values=["ticket_id=T1"],
        column="caller_mobile",
        reason="来电号码与工单系统不一致",
        proposed_value="13800138000",
    )
    assert (ticket.proposed_value, ticket.proposed_value_withheld) == (None, True)
    assert ticket.history[0].detail["proposed_value_given"] is True
    with store.engine.connect() as connection:
        dumped = " ".join(
            str(v) for row in connection.execute(sa.text("select * from correction_tickets")) for v in row
        )
        dumped += " ".join(str(v) for row in connection.execute(sa.select(events_table)) for v in row)
    assert "13800138000" not in dumped


def test_free_text_is_stored_with_identifiers_tagged(store, targets, policy):
    ticket = _file(store, targets, policy, reason="联系人手机 13800138000 反映园区名称有误")
    assert "13800138000" not in ticket.reason and "<手机号>" in ticket.reason
    assert ticket.history[0].comment == ticket.reason
    rejected = store.answer(
        ticket.ticket_id, "lingang_group", accept=False, reason="已与 13900139000 核实无误"
    )
    assert "13900139000" not in rejected.rejection_reason


def test_history_is_append_only_in_the_database(store, targets, policy):
    _file(store, targets, policy)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(sa.update(events_table).values(comment="rewritten"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(sa.delete(events_table))

"""A correction step and its consequence, as the CLI and Dagster run them: the governance mirror, and the
open corrections the catalogue entry shows."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from governance.corrections import service
from governance.corrections.summary import correction_summaries, correction_summary, open_corrections
from infra.zones import CORRECTION_TICKET_HISTORY, CORRECTION_TICKETS
from tests.unit.governance.corrections.conftest import FILED


@pytest.fixture
def ticket_store(lakehouse_home):
    return service.open_store()


def _file(store, targets, policy, catalog, **overrides):
    arguments = {
        "key_values": ["PK001"],
        "column": "park_name",
        "reason": "园区名称与工商登记不一致",
        "targets": targets,
        "policy": policy,
        "catalog": catalog,
        "at": FILED,
    }
    arguments.update(overrides)
    return service.create(store, "exchange.parks", "transport", **arguments)


def _read(catalog, identifier):
    return catalog.load_table(identifier).scan().to_arrow().to_pylist()


def test_each_step_is_mirrored_with_its_overdue_flag(ticket_store, targets, policy, catalog):
    first = _file(ticket_store, targets, policy, catalog)
    assert (first.mirror_error, first.mirrored) == (
        None,
        {CORRECTION_TICKETS: 1, CORRECTION_TICKET_HISTORY: 1},
    )
    second = _file(ticket_store, targets, policy, catalog, column="developer", key_values=["PK002"])
    answered = service.answer(
        ticket_store, second.ticket.ticket_id, "lingang_group", accept=True, fix="CR-9", catalog=catalog
    )
    assert answered.mirrored == {CORRECTION_TICKETS: 2, CORRECTION_TICKET_HISTORY: 3}
    rows = {r["ticket_id"]: r for r in _read(catalog, CORRECTION_TICKETS)}
    still_open = rows[first.ticket.ticket_id]
    assert (still_open["state"], still_open["state_label"]) == ("open", "待校核")
    assert still_open["overdue"] is True  # filed in 2025, mirrored now: long past 10 Oct 2025
    assert json.loads(still_open["row_key"]) == {"park_id": "PK001"}
    assert rows[second.ticket.ticket_id]["overdue"] is False  # answered
    actions = [r["action"] for r in _read(catalog, CORRECTION_TICKET_HISTORY)]
    assert sorted(actions) == ["accept", "create", "create"]


def test_a_failed_mirror_is_reported_and_the_store_keeps_the_step(
    ticket_store, targets, policy, catalog, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("warehouse unreachable")

    monkeypatch.setattr(service, "mirror", broken)
    outcome = _file(ticket_store, targets, policy, catalog)
    assert outcome.mirrored is None and "warehouse unreachable" in outcome.mirror_error
    assert ticket_store.get(outcome.ticket.ticket_id).state == "open"
    with pytest.raises(OSError):
        service.sweep(catalog, ticket_store)  # the Dagster asset's failure shows


def test_open_corrections_and_the_catalogue_summary(ticket_store, targets, policy, catalog):
    first = _file(ticket_store, targets, policy, catalog).ticket
    _file(ticket_store, targets, policy, catalog, at=datetime(2025, 10, 9, 9))  # due 2025-10-15
    answered = _file(ticket_store, targets, policy, catalog, key_values=["PK009"]).ticket
    service.answer(
        ticket_store, answered.ticket_id, "lingang_group", accept=False, reason="源数据无误", catalog=catalog
    )

    oldest, newer = open_corrections("parks", ticket_store)
    assert (oldest.ticket_id, newer.state) == (first.ticket_id, "open")
    assert open_corrections("exchange.buildings", ticket_store) == []
    at = datetime(2025, 10, 13, 12)  # past the first deadline (10 Oct), before the second (15 Oct)
    summary = correction_summary("parks", at, ticket_store)
    assert (summary.table, summary.open, summary.overdue, summary.next_due) == (
        "exchange.parks",
        2,
        1,
        date(2025, 10, 10),
    )
    assert correction_summaries(at, ticket_store) == {"exchange.parks": summary}

"""The correction ticket store: tickets and their history in the sharing requests' state database.

Same database as the sharing requests (``governance.sharing.store.sharing_db_url``: SQLite under
``state_dir`` on the embedded profile, the stack's PostgreSQL ``sharing`` database otherwise), same
discipline: the ticket row holds the current state, each transition updates it only if it is still in the
state it read and writes its history event in the same transaction. The rules are in ``rules``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from governance.access.policy import AccessPolicy
from governance.corrections.rules import (
    CorrectionError,
    CorrectionEvent,
    CorrectionTicket,
    answer_deadline,
    answer_terms,
    at_cst,
    check_answerer,
    check_transition,
    filing_terms,
)
from governance.corrections.schema import events_table, metadata, tickets_table
from governance.corrections.targets import CorrectionTarget
from governance.sharing.deadlines import now_cst
from governance.sharing.store import store_engine


class CorrectionStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    @classmethod
    def open(cls, url: str | sa.URL | None = None) -> CorrectionStore:
        return cls(store_engine(url))

    # reading ---------------------------------------------------------------------------------------

    def get(self, ticket_id: str, with_history: bool = True) -> CorrectionTicket:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(tickets_table).where(tickets_table.c.ticket_id == ticket_id)
            ).first()
            if row is None:
                raise CorrectionError(f"no correction ticket {ticket_id!r}")
            history = self._history(connection, ticket_id) if with_history else ()
        return _ticket(row._mapping, history)

    def list(
        self, state: str | None = None, table: str | None = None, department: str | None = None
    ) -> list[CorrectionTicket]:
        query = sa.select(tickets_table).order_by(tickets_table.c.created_at, tickets_table.c.ticket_id)
        if state:
            query = query.where(tickets_table.c.state == state)
        if table:
            query = query.where(tickets_table.c.table_name == table)
        if department:
            query = query.where(
                sa.or_(
                    tickets_table.c.requester_department == department,
                    tickets_table.c.provider_department == department,
                )
            )
        with self.engine.connect() as connection:
            return [_ticket(r._mapping) for r in connection.execute(query)]

    def events(self) -> list[CorrectionEvent]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(events_table).order_by(events_table.c.event_id))
            return [_event(r._mapping) for r in rows]

    @staticmethod
    def _history(connection: sa.Connection, ticket_id: str) -> tuple[CorrectionEvent, ...]:
        rows = connection.execute(
            sa.select(events_table)
            .where(events_table.c.ticket_id == ticket_id)
            .order_by(events_table.c.event_id)
        )
        return tuple(_event(r._mapping) for r in rows)

    # transitions -----------------------------------------------------------------------------------

    def create(
        self,
        target: CorrectionTarget,
        policy: AccessPolicy,
        requester: str,
        key_values: Sequence[str],
        column: str,
        reason: str,
        proposed_value: str | None = None,
        *,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> CorrectionTicket:
        """File a ticket; the answer deadline is fixed now, from the filing day."""
        terms = filing_terms(target, policy, requester, key_values, column, reason, proposed_value)
        created = at_cst(at or now_cst())
        due = answer_deadline(created)
        ticket_id = f"CT-{created:%Y%m%d}-{uuid.uuid4().hex[:8]}"
        values = {
            **terms,
            "ticket_id": ticket_id,
            "row_key": json.dumps(terms["row_key"], ensure_ascii=False),
            "state": "open",
            "created_at": created,
            "answer_due": due.due,
            "deadline_provisional": due.provisional,
            "updated_at": created,
        }
        with self.engine.begin() as connection:
            connection.execute(sa.insert(tickets_table).values(**values))
            _append_event(
                connection,
                {
                    "row_key": terms["row_key"],
                    "column": terms["column_name"],
                    "proposed_value_given": terms["proposed_value"] is not None
                    or terms["proposed_value_withheld"],
                },
                ticket_id=ticket_id,
                at=created,
                actor=actor or requester,
                action="create",
                from_state=None,
                to_state="open",
                comment=terms["reason"],
            )
        return self.get(ticket_id)

    def answer(
        self,
        ticket_id: str,
        department: str,
        *,
        accept: bool,
        fix: str | None = None,
        reason: str | None = None,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> CorrectionTicket:
        """The provider's answer: accept naming the source fix, or reject giving the reason."""
        ticket = self.get(ticket_id, with_history=False)
        check_answerer(ticket, department)
        terms = answer_terms(accept, fix, reason)
        to_state = "accepted" if accept else "rejected"
        check_transition(ticket, to_state)
        moment = at_cst(at or now_cst())
        values = {**terms, "answered_at": moment, "answered_by": department}
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(tickets_table)
                .where(tickets_table.c.ticket_id == ticket_id)
                .where(tickets_table.c.state == ticket.state)
                .values(state=to_state, updated_at=moment, **values)
            )
            if updated.rowcount != 1:
                raise CorrectionError(f"{ticket_id} changed meanwhile; read it again")
            _append_event(
                connection,
                {"on_time": not ticket.deadline.overdue(moment), "answer_due": str(ticket.answer_due)},
                ticket_id=ticket_id,
                at=moment,
                actor=actor or department,
                action="accept" if accept else "reject",
                from_state=ticket.state,
                to_state=to_state,
                comment=next(iter(terms.values())),
            )
        return self.get(ticket_id)


def _append_event(connection: sa.Connection, detail: dict, **event: object) -> None:
    detail_text = json.dumps(detail, ensure_ascii=False, default=str)
    connection.execute(sa.insert(events_table).values(**event, detail=detail_text))


def _ticket(row, history: tuple[CorrectionEvent, ...] = ()) -> CorrectionTicket:
    data = dict(row)
    data["row_key"] = json.loads(data["row_key"])
    return CorrectionTicket(**data, history=history)


def _event(row) -> CorrectionEvent:
    data = dict(row)
    data["detail"] = json.loads(data["detail"] or "{}")
    return CorrectionEvent(**data)

"""The sharing request store: SQL schema and persistence of requests and their history.

State lives in a small SQL database (SQLite under ``state_dir`` on the embedded profile, the stack's
PostgreSQL ``sharing`` database otherwise; see ``sharing_db_url``), written through SQLAlchemy Core only. The
request row holds the current state; ``sharing_request_events`` is the append-only history (database triggers
refuse UPDATE and DELETE on it; the tables are in ``schema``). Each transition updates the row only if it is still in the state the
transition read (optimistic check), and writes its event in the same transaction. The rules a transition
must pass are in ``rules``; what follows a decision (mirror, access rules) is in ``service``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from governance.catalogue import exchange_table
from governance.contracts import DatasetContract
from governance.sharing.deadlines import answer_deadline, compliance_deadline, now_cst, to_cst
from governance.sharing.rules import (
    SYSTEM_ACTOR,
    RequestError,
    RequestEvent,
    SharingRequest,
    approval_terms,
    check_transition,
    compliance_problems,
    empty_grant_reason,
    required_reason,
    submission_terms,
)
from governance.sharing.schema import events_table, metadata, requests_table
from infra.settings import Settings, load_settings


def sharing_db_url(settings: Settings | None = None) -> str | sa.URL:
    """SQLite under state_dir on the embedded profile, the stack's PostgreSQL ``sharing`` database otherwise;
    ``LAKEHOUSE_SHARING_DB_URL`` overrides both."""
    override = os.environ.get("LAKEHOUSE_SHARING_DB_URL", "").strip()
    if override:
        return override
    settings = settings or load_settings()
    if settings.profile == "embedded":
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{settings.state_dir / 'sharing.db'}"
    return sa.URL.create(
        "postgresql+psycopg",
        username=settings.pg_user,
        password=settings.pg_password,
        host=settings.pg_host,
        port=settings.pg_port,
        database="sharing",
    )


def store_engine(url: str | sa.URL | None = None) -> sa.Engine:
    """An engine on the sharing database that closes each connection when it is returned.

    Stores are opened per command, sensor tick and provisioning, and dropped without closing: a pooled
    connection would stay open until garbage collection (PostgreSQL holds a backend per such store).
    A connection per operation costs a few milliseconds on a database this quiet."""
    return sa.create_engine(url or sharing_db_url(), poolclass=NullPool)


class RequestStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    @classmethod
    def open(cls, url: str | sa.URL | None = None) -> RequestStore:
        return cls(store_engine(url))

    # reading ---------------------------------------------------------------------------------------

    def get(self, request_id: str, with_history: bool = True) -> SharingRequest:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(requests_table).where(requests_table.c.request_id == request_id)
            ).first()
            if row is None:
                raise RequestError(f"no sharing request {request_id!r}")
            history = self._history(connection, [request_id]) if with_history else {}
        return _request(row._mapping, history.get(request_id, ()))

    def list(
        self, state: str | None = None, department: str | None = None, resource: str | None = None
    ) -> list[SharingRequest]:
        query = sa.select(requests_table).order_by(requests_table.c.submitted_at, requests_table.c.request_id)
        if state:
            query = query.where(requests_table.c.state == state)
        if department:
            query = query.where(
                sa.or_(
                    requests_table.c.requester_department == department,
                    requests_table.c.provider_department == department,
                )
            )
        if resource:
            query = query.where(requests_table.c.resource == resource)
        with self.engine.connect() as connection:
            return [_request(r._mapping) for r in connection.execute(query)]

    def events(self) -> list[RequestEvent]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(events_table).order_by(events_table.c.event_id))
            return [_event(r._mapping) for r in rows]

    @staticmethod
    def _history(connection: sa.Connection, ids: list[str]) -> dict[str, tuple[RequestEvent, ...]]:
        rows = connection.execute(
            sa.select(events_table)
            .where(events_table.c.request_id.in_(ids))
            .order_by(events_table.c.event_id)
        )
        grouped: dict[str, list[RequestEvent]] = {}
        for row in rows:
            grouped.setdefault(row.request_id, []).append(_event(row._mapping))
        return {k: tuple(v) for k, v in grouped.items()}

    # transitions -----------------------------------------------------------------------------------

    def create(
        self,
        contract: DatasetContract,
        requester: str,
        columns: Iterable[str],
        purpose: str,
        row_condition: str | None = None,
        *,
        published: bool,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> SharingRequest:
        """Submit a request for a conditional resource; deadlines are fixed now, from the submission day."""
        columns, condition = submission_terms(contract, requester, columns, purpose, row_condition)
        submitted = _moment(at)
        check_due = compliance_deadline(submitted)
        answer_due = answer_deadline(submitted, published)
        request_id = f"SR-{submitted:%Y%m%d}-{uuid.uuid4().hex[:8]}"
        values = {
            "request_id": request_id,
            "resource": contract.name,
            "resource_id": contract.id,
            "exchange_table": exchange_table(contract),
            "provider_department": contract.provider_department,
            "requester_department": requester,
            "requested_columns": json.dumps(list(columns)),
            "purpose": purpose.strip(),
            "requested_row_condition": condition,
            "published_at_request": published,
            "state": "submitted",
            "submitted_at": submitted,
            "compliance_due": check_due.due,
            "answer_due": answer_due.due,
            "deadline_provisional": check_due.provisional or answer_due.provisional,
            "updated_at": submitted,
        }
        with self.engine.begin() as connection:
            connection.execute(sa.insert(requests_table).values(**values))
            _append_event(
                connection,
                {"columns": list(columns), "row_condition": condition, "published": published},
                request_id=request_id,
                at=submitted,
                actor=actor or requester,
                action="submit",
                from_state=None,
                to_state="submitted",
                comment=purpose.strip(),
            )
        return self.get(request_id)

    def check_compliance(
        self,
        contract: DatasetContract,
        request_id: str,
        actor: str,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> SharingRequest:
        """合规性审核: passes to compliance_checked, or refuses with the rules that failed as the reason."""
        request = self.get(request_id, with_history=False)
        problems = compliance_problems(contract, request)
        moment = _moment(at)
        if problems:
            reason = "合规性审核未通过: " + "; ".join(problems)
            return self._transition(
                request,
                "refused",
                actor,
                moment,
                "check",
                reason,
                {"refusal_reason": reason, "decided_at": moment, "closed_at": moment},
            )
        return self._transition(
            request,
            "compliance_checked",
            actor,
            moment,
            "check",
            comment,
            {"compliance_checked_at": moment, "review_comment": comment},
        )

    def approve(
        self,
        contract: DatasetContract,
        request_id: str,
        actor: str,
        expires_at: datetime,
        columns: Iterable[str] | None = None,
        row_condition: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
        matched_rows: int | None = None,
        allow_empty: str | None = None,
    ) -> SharingRequest:
        """Approve named columns (a subset of those requested) with an optional row condition and an expiry.

        A request still waiting for its compliance check gets it first, as its own history event.
        ``matched_rows`` is how many rows of the exchange table the approved row condition matches now (the
        service counts them): 0 is refused unless ``allow_empty`` gives the reason; both go into the history.
        """
        moment = _moment(at)
        request = self.get(request_id, with_history=False)
        counted: dict[str, object] = {}
        if matched_rows is not None:
            reason = empty_grant_reason(matched_rows, allow_empty, request.exchange_table)
            counted = {"matched_rows": matched_rows}
            if reason is not None:
                counted["allow_empty_reason"] = reason
        if request.state == "submitted":
            request = self.check_compliance(contract, request_id, actor, at=moment)
            if request.state == "refused":
                raise RequestError(f"{request_id} failed its compliance check: {request.refusal_reason}")
        approved, condition, expires = approval_terms(
            contract, request, columns, row_condition, expires_at, moment
        )
        return self._transition(
            request,
            "approved",
            actor,
            moment,
            "approve",
            comment,
            {
                "decided_at": moment,
                "approved_columns": json.dumps(list(approved)),
                "row_condition": condition,
                "expires_at": expires,
                "review_comment": comment,
            },
            counted,
        )

    def refuse(self, request_id: str, actor: str, reason: str, at: datetime | None = None) -> SharingRequest:
        """Every refusal carries its reason (拒绝理由); a blank one is rejected."""
        reason = required_reason(reason, "a refusal must give its reason (拒绝理由)")
        request = self.get(request_id, with_history=False)
        moment = _moment(at)
        return self._transition(
            request,
            "refused",
            actor,
            moment,
            "refuse",
            reason,
            {"decided_at": moment, "refusal_reason": reason, "closed_at": moment},
        )

    def revoke(self, request_id: str, actor: str, reason: str, at: datetime | None = None) -> SharingRequest:
        reason = required_reason(reason, "a revocation must give its reason")
        request = self.get(request_id, with_history=False)
        moment = _moment(at)
        return self._transition(request, "revoked", actor, moment, "revoke", reason, {"closed_at": moment})

    def expire_due(self, at: datetime | None = None) -> list[str]:
        """Record expiry of approvals whose time has passed (grants stop at expires_at with or without this)."""
        moment = _moment(at)
        expired = []
        for request in self.list(state="approved"):
            if request.expires_at is not None and request.expires_at <= moment:
                try:
                    self._transition(
                        request, "expired", SYSTEM_ACTOR, moment, "expire", None, {"closed_at": moment}
                    )
                except RequestError:
                    continue  # a concurrent sweep or revocation got there first
                expired.append(request.request_id)
        return expired

    def _transition(
        self,
        request: SharingRequest,
        to_state: str,
        actor: str,
        at: datetime,
        action: str,
        comment: str | None,
        values: dict,
        extra_detail: dict | None = None,
    ) -> SharingRequest:
        check_transition(request, to_state)
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(requests_table)
                .where(requests_table.c.request_id == request.request_id)
                .where(requests_table.c.state == request.state)
                .values(state=to_state, updated_at=at, **values)
            )
            if updated.rowcount != 1:
                raise RequestError(f"{request.request_id} changed meanwhile; read it again")
            detail = {k: v for k, v in values.items() if k in ("row_condition", "expires_at")}
            if "approved_columns" in values:
                detail["approved_columns"] = json.loads(values["approved_columns"])
            detail.update(extra_detail or {})
            _append_event(
                connection,
                detail,
                request_id=request.request_id,
                at=at,
                actor=actor,
                action=action,
                from_state=request.state,
                to_state=to_state,
                comment=comment,
            )
        return self.get(request.request_id)


def _append_event(connection: sa.Connection, detail: dict, **event: object) -> None:
    """One history row (request_id, at, actor, action, from_state, to_state, comment) and its detail."""
    detail_text = json.dumps(detail, ensure_ascii=False, default=str)
    connection.execute(sa.insert(events_table).values(**event, detail=detail_text))


def _moment(at: datetime | None) -> datetime:
    """CST, to the second: what people read in the history and what deadlines are counted from."""
    return to_cst(at or now_cst()).replace(microsecond=0)


def _columns(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _request(row, history: tuple[RequestEvent, ...] = ()) -> SharingRequest:
    data = dict(row)
    data["requested_columns"] = _columns(data["requested_columns"]) or ()
    data["approved_columns"] = _columns(data["approved_columns"])
    return SharingRequest(**data, history=history)


def _event(row) -> RequestEvent:
    data = dict(row)
    data["detail"] = json.loads(data["detail"] or "{}")
    return RequestEvent(**data)

"""Sharing requests (共享申请): the store and the state machine.

submitted → compliance_checked → approved / refused;  approved → expired / revoked;  a failed compliance
check refuses straight from submitted. Every refusal and revocation carries a reason.

State lives in a small SQL database (SQLite under ``state_dir`` on the embedded profile, the stack's
PostgreSQL ``sharing`` database otherwise), written through SQLAlchemy Core only. The request row holds the
current state; ``sharing_request_events`` is the append-only history (database triggers refuse UPDATE and
DELETE on it). Each transition updates the row only if it is still in the state the transition read
(optimistic check), and writes its event in the same transaction.

All times are China Standard Time, stored naive (see ``deadlines``).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from governance.catalogue import exchange_table, item_sharing_type
from governance.contracts import DatasetContract
from governance.sharing.deadlines import answer_deadline, compliance_deadline, now_cst, to_cst
from infra.settings import Settings, load_settings
from infra.vocabulary import DEPARTMENTS

STATES = ("submitted", "compliance_checked", "approved", "refused", "expired", "revoked")
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"compliance_checked", "refused"}),
    "compliance_checked": frozenset({"approved", "refused"}),
    "approved": frozenset({"expired", "revoked"}),
    "refused": frozenset(),
    "expired": frozenset(),
    "revoked": frozenset(),
}
STATE_LABELS = {
    "submitted": "已提交",
    "compliance_checked": "已合规审核",
    "approved": "已批准",
    "refused": "已拒绝",
    "expired": "已过期",
    "revoked": "已撤销",
}
SYSTEM_ACTOR = "system"


class RequestError(ValueError):
    """A request or transition that the sharing rules do not allow; the message says which rule."""


metadata = sa.MetaData()
requests_table = sa.Table(
    "sharing_requests",
    metadata,
    sa.Column("request_id", sa.String(40), primary_key=True),
    sa.Column("resource", sa.String(100), nullable=False),
    sa.Column("resource_id", sa.String(120), nullable=False),
    sa.Column("exchange_table", sa.String(200), nullable=False),
    sa.Column("provider_department", sa.String(40), nullable=False),
    sa.Column("requester_department", sa.String(40), nullable=False),
    sa.Column("requested_columns", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("requested_row_condition", sa.Text),
    sa.Column("published_at_request", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("compliance_due", sa.Date, nullable=False),
    sa.Column("answer_due", sa.Date, nullable=False),
    sa.Column("deadline_provisional", sa.Boolean, nullable=False),
    sa.Column("compliance_checked_at", sa.DateTime),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("approved_columns", sa.Text),
    sa.Column("row_condition", sa.Text),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("review_comment", sa.Text),
    sa.Column("refusal_reason", sa.Text),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
events_table = sa.Table(
    "sharing_request_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(40), sa.ForeignKey("sharing_requests.request_id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("from_state", sa.String(24)),
    sa.Column("to_state", sa.String(24), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("detail", sa.Text),
)

# History is append-only in the database itself, not only by convention in this module.
for _operation in ("UPDATE", "DELETE"):
    sa.event.listen(
        events_table,
        "after_create",
        sa.DDL(
            f"CREATE TRIGGER sharing_request_events_no_{_operation.lower()} "
            f"BEFORE {_operation} ON sharing_request_events "
            "BEGIN SELECT RAISE(ABORT, 'sharing_request_events is append-only'); END"
        ).execute_if(dialect="sqlite"),
    )
sa.event.listen(
    events_table,
    "after_create",
    sa.DDL(
        "CREATE FUNCTION sharing_request_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'sharing_request_events is append-only'; END $$"
    ).execute_if(dialect="postgresql"),
)
sa.event.listen(
    events_table,
    "after_create",
    sa.DDL(
        "CREATE TRIGGER sharing_request_events_append_only BEFORE UPDATE OR DELETE ON sharing_request_events "
        "FOR EACH ROW EXECUTE FUNCTION sharing_request_events_append_only()"
    ).execute_if(dialect="postgresql"),
)


@dataclass(frozen=True)
class RequestEvent:
    event_id: int
    request_id: str
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    comment: str | None
    detail: dict


@dataclass(frozen=True)
class SharingRequest:
    request_id: str
    resource: str
    resource_id: str
    exchange_table: str
    provider_department: str
    requester_department: str
    requested_columns: tuple[str, ...]
    purpose: str
    requested_row_condition: str | None
    published_at_request: bool
    state: str
    submitted_at: datetime
    compliance_due: date
    answer_due: date
    deadline_provisional: bool
    compliance_checked_at: datetime | None = None
    decided_at: datetime | None = None
    approved_columns: tuple[str, ...] | None = None
    row_condition: str | None = None
    expires_at: datetime | None = None
    review_comment: str | None = None
    refusal_reason: str | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    history: tuple[RequestEvent, ...] = field(default=(), compare=False)

    def overdue(self, at: datetime) -> str | None:
        """Which deadline has passed without the step it asks for ('compliance_check' / 'answer'), if any."""
        moment = to_cst(at)
        if self.state not in ("submitted", "compliance_checked"):
            return None
        if moment.date() > self.answer_due:
            return "answer"
        if self.state == "submitted" and moment.date() > self.compliance_due:
            return "compliance_check"
        return None

    def as_dict(self, at: datetime | None = None) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "history"}
        data["state_label"] = STATE_LABELS[self.state]
        if at is not None:
            data["overdue"] = self.overdue(at)
        return data


def validate_row_condition(text: str | None, allowed_columns: Iterable[str]) -> str | None:
    """A row filter (where条件) that Trino and DuckDB can both apply: one boolean expression over the
    resource's shared columns, no subqueries, no statements. Returns it normalised, or None if blank."""
    if text is None or not text.strip():
        return None
    allowed = set(allowed_columns)
    try:
        expression = sqlglot.parse_one(text, read="trino")
    except sqlglot.errors.ParseError as exc:
        raise RequestError(f"row condition is not a valid SQL expression: {exc}") from exc
    if isinstance(expression, exp.Query) or expression.find(exp.Query, exp.Subquery) is not None:
        raise RequestError("row condition may not contain a query")
    if not isinstance(expression.unnest(), exp.Predicate | exp.Connector | exp.Not | exp.Boolean):
        raise RequestError("row condition must be a boolean expression, e.g. street = '申港大道'")
    unknown = sorted({c.name for c in expression.find_all(exp.Column)} - allowed)
    if unknown:
        raise RequestError(f"row condition names columns the resource does not share: {unknown}")
    return expression.sql(dialect="trino")


def shared_columns(contract: DatasetContract) -> list[str]:
    return [c.name for c in contract.columns if item_sharing_type(contract, c) != "not_shared"]


def _check_columns(contract: DatasetContract, columns: Iterable[str]) -> tuple[str, ...]:
    columns = tuple(dict.fromkeys(c.strip() for c in columns if c and c.strip()))
    if not columns:
        raise RequestError("name at least one column")
    known = {c.name for c in contract.columns}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise RequestError(f"{contract.name} has no columns {unknown}")
    withheld = [c for c in columns if c not in shared_columns(contract)]
    if withheld:
        raise RequestError(f"columns {withheld} are never shared (dropped by masking)")
    return columns


def _check_resource(contract: DatasetContract, requester: str) -> None:
    if requester not in DEPARTMENTS:
        raise RequestError(f"{requester!r} is not a department id ({', '.join(DEPARTMENTS)})")
    if requester == contract.provider_department:
        raise RequestError(f"{requester} provides {contract.name} itself; no request needed")
    if contract.sharing_type == "unconditional":
        raise RequestError(f"{contract.name} is 无条件共享: every department reads it without a request")
    if contract.sharing_type == "not_shared":
        raise RequestError(
            f"{contract.name} is 不予共享 by law ({contract.legal_basis}); it cannot be requested"
        )


def compliance_problems(contract: DatasetContract, request: SharingRequest) -> list[str]:
    """The rule checks behind 合规性审核; an empty list means the request may go to the provider."""
    problems = []
    try:
        _check_resource(contract, request.requester_department)
    except RequestError as exc:
        problems.append(str(exc))
    try:
        _check_columns(contract, request.requested_columns)
    except RequestError as exc:
        problems.append(str(exc))
    try:
        validate_row_condition(request.requested_row_condition, shared_columns(contract))
    except RequestError as exc:
        problems.append(str(exc))
    if len(request.purpose.strip()) < 4:
        problems.append("the purpose (用途) must say what the data is for")
    return problems


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


class RequestStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    @classmethod
    def open(cls, url: str | sa.URL | None = None) -> RequestStore:
        return cls(sa.create_engine(url or sharing_db_url()))

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
        _check_resource(contract, requester)
        columns = _check_columns(contract, columns)
        if not purpose or not purpose.strip():
            raise RequestError("a request must state its purpose (用途)")
        condition = validate_row_condition(row_condition, shared_columns(contract))
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
                request_id,
                submitted,
                actor or requester,
                "submit",
                None,
                "submitted",
                purpose.strip(),
                {"columns": list(columns), "row_condition": condition, "published": published},
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
    ) -> SharingRequest:
        """Approve named columns (a subset of those requested) with an optional row condition and an expiry.

        A request still waiting for its compliance check gets it first, as its own history event.
        """
        moment = _moment(at)
        request = self.get(request_id, with_history=False)
        if request.state == "submitted":
            request = self.check_compliance(contract, request_id, actor, at=moment)
            if request.state == "refused":
                raise RequestError(f"{request_id} failed its compliance check: {request.refusal_reason}")
        approved = _check_columns(contract, columns or request.requested_columns)
        beyond = [c for c in approved if c not in request.requested_columns]
        if beyond:
            raise RequestError(f"an approval cannot grant columns that were not requested: {beyond}")
        condition = validate_row_condition(
            row_condition if row_condition is not None else request.requested_row_condition,
            shared_columns(contract),
        )
        expires = to_cst(expires_at)
        if expires <= moment:
            raise RequestError("the expiry must lie in the future")
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
        )

    def refuse(self, request_id: str, actor: str, reason: str, at: datetime | None = None) -> SharingRequest:
        """Every refusal carries its reason (拒绝理由); a blank one is rejected."""
        if not reason or not reason.strip():
            raise RequestError("a refusal must give its reason (拒绝理由)")
        request = self.get(request_id, with_history=False)
        moment = _moment(at)
        return self._transition(
            request,
            "refused",
            actor,
            moment,
            "refuse",
            reason.strip(),
            {"decided_at": moment, "refusal_reason": reason.strip(), "closed_at": moment},
        )

    def revoke(self, request_id: str, actor: str, reason: str, at: datetime | None = None) -> SharingRequest:
        if not reason or not reason.strip():
            raise RequestError("a revocation must give its reason")
        request = self.get(request_id, with_history=False)
        moment = _moment(at)
        return self._transition(
            request, "revoked", actor, moment, "revoke", reason.strip(), {"closed_at": moment}
        )

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
    ) -> SharingRequest:
        if to_state not in TRANSITIONS[request.state]:
            raise RequestError(f"{request.request_id} is {request.state}; it cannot become {to_state}")
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
            _append_event(
                connection, request.request_id, at, actor, action, request.state, to_state, comment, detail
            )
        return self.get(request.request_id)


def _append_event(
    connection: sa.Connection,
    request_id: str,
    at: datetime,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str,
    comment: str | None,
    detail: dict,
) -> None:
    connection.execute(
        sa.insert(events_table).values(
            request_id=request_id,
            at=at,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


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

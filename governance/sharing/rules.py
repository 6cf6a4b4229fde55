"""Sharing requests (共享申请): the state machine and the compliance rules, without storage.

submitted → compliance_checked → approved / refused;  approved → expired / revoked;  a failed compliance
check refuses straight from submitted. Every refusal and revocation carries a reason.

All times are China Standard Time, stored naive (see ``deadlines``). The store (``store``) persists
requests and their history; the service (``service``) performs a decision and its consequences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from governance.access.row_filter import RowConditionError
from governance.access.row_filter import validate_row_condition as _validate
from governance.catalogue import item_sharing_type
from governance.catalogue_marts import derived_from
from governance.contracts import DatasetContract
from governance.sharing.deadlines import to_cst
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


def check_transition(request: SharingRequest, to_state: str) -> None:
    if to_state not in TRANSITIONS[request.state]:
        raise RequestError(f"{request.request_id} is {request.state}; it cannot become {to_state}")


def validate_row_condition(text: str | None, allowed_columns: Iterable[str]) -> str | None:
    """A row filter (where条件) over the resource's shared columns, normalised; None if blank.

    The same check Trino's rules run before the grant becomes a row filter
    (`governance.access.row_filter`), so an approved condition is never refused there.
    """
    if text is None or not text.strip():
        return None
    try:
        return _validate(text, allowed_columns)
    except RowConditionError as exc:
        raise RequestError(str(exc)) from exc


def shared_columns(contract: DatasetContract) -> list[str]:
    return [c.name for c in contract.columns if item_sharing_type(contract, c) != "not_shared"]


def check_columns(contract: DatasetContract, columns: Iterable[str]) -> tuple[str, ...]:
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


def check_resource(contract: DatasetContract, requester: str) -> None:
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


def refuse_mart_request(entry: Mapping, requester: str) -> None:
    """A dbt mart is never requested itself: the access policy opens it to a department that may read every
    input, a conditional input through a live grant without a row condition (`governance.access.policy`),
    and Trino's rules drop a grant on a mart. Raises RequestError saying what to request instead."""
    if requester not in DEPARTMENTS:
        raise RequestError(f"{requester!r} is not a department id ({', '.join(DEPARTMENTS)})")
    name = entry["dataset"]
    if entry["sharing_type"] == "unconditional":
        raise RequestError(f"{name} is 无条件共享: every department reads it without a request")
    inputs = (derived_from(entry) or {}).get("inputs", [])
    others = [i for i in inputs if i["provider_department"] != requester]
    closed = [i for i in others if i["sharing_type"] not in ("unconditional", "conditional")]
    wanted = [i for i in others if i["sharing_type"] == "conditional"]
    head = (
        f"{name} is a dbt mart (有条件共享, derived from its inputs): it is read through grants on its inputs"
    )
    if closed:
        basis = "; ".join(f"{i['dataset']}: {i.get('legal_basis') or '不予共享'}" for i in closed)
        raise RequestError(
            f"{head}, and it reads resources not shared by law ({basis}): no request can open it"
        )
    if not wanted:
        raise RequestError(f"{head}; {requester} provides or reads every input already: no request needed")
    listed = ", ".join(f"{i['dataset']} (from {i['provider_department']})" for i in wanted)
    raise RequestError(f"{head}; request each conditional input without a row condition: {listed}")


def compliance_problems(contract: DatasetContract, request: SharingRequest) -> list[str]:
    """The rule checks behind 合规性审核; an empty list means the request may go to the provider."""
    problems = []
    try:
        check_resource(contract, request.requester_department)
    except RequestError as exc:
        problems.append(str(exc))
    try:
        check_columns(contract, request.requested_columns)
    except RequestError as exc:
        problems.append(str(exc))
    try:
        validate_row_condition(request.requested_row_condition, shared_columns(contract))
    except RequestError as exc:
        problems.append(str(exc))
    if len(request.purpose.strip()) < 4:
        problems.append("the purpose (用途) must say what the data is for")
    return problems


def submission_terms(
    contract: DatasetContract,
    requester: str,
    columns: Iterable[str],
    purpose: str | None,
    row_condition: str | None,
) -> tuple[tuple[str, ...], str | None]:
    """The columns and normalised row condition of a request that may be submitted, or RequestError."""
    check_resource(contract, requester)
    checked = check_columns(contract, columns)
    if not purpose or not purpose.strip():
        raise RequestError("a request must state its purpose (用途)")
    return checked, validate_row_condition(row_condition, shared_columns(contract))


def approval_terms(
    contract: DatasetContract,
    request: SharingRequest,
    columns: Iterable[str] | None,
    row_condition: str | None,
    expires_at: datetime,
    at: datetime,
) -> tuple[tuple[str, ...], str | None, datetime]:
    """What an approval at ``at`` grants: columns (a subset of those requested), the row condition (the
    requested one unless another is given) and the expiry (in the future, CST); or RequestError."""
    approved = check_columns(contract, columns or request.requested_columns)
    beyond = [c for c in approved if c not in request.requested_columns]
    if beyond:
        raise RequestError(f"an approval cannot grant columns that were not requested: {beyond}")
    condition = validate_row_condition(
        row_condition if row_condition is not None else request.requested_row_condition,
        shared_columns(contract),
    )
    expires = to_cst(expires_at)
    if expires <= at:
        raise RequestError("the expiry must lie in the future")
    return approved, condition, expires


def empty_grant_reason(matched_rows: int, allow_empty: str | None, table: str) -> str | None:
    """An approval must share something. A grant whose row condition matches no row of the exchange table
    now is refused, unless the approver states why it should stand (rows expected later, the table not yet
    published): that reason is returned, to be kept in the history. None when rows match."""
    if matched_rows > 0:
        return None
    if allow_empty is None or not allow_empty.strip():
        raise RequestError(
            f"the grant would share no row: its row condition matches 0 rows of {table} now; correct the "
            "row condition, or approve with --allow-empty giving the reason it should stand"
        )
    return allow_empty.strip()


def required_reason(reason: str | None, message: str) -> str:
    """Refusals and revocations carry their reason; a blank one is refused with ``message``."""
    if not reason or not reason.strip():
        raise RequestError(message)
    return reason.strip()

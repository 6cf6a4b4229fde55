"""Correction tickets (校核纠错): the state machine, the working-day limit and the rules, without storage.

open → accepted (with the source fix) | rejected (with a reason). A consumer who may read a shared table
files a ticket naming table, the key of one row and one column, and says what is wrong; the table's
provider department answers within ``ANSWER_DAYS`` working days (``limits``).

No personal value is kept or repeated: a proposed value for a personal column (see ``targets``) is not
stored, only that one was given (``proposed_value_withheld``), and every free text (reason, proposed
value, fix reference, rejection reason) is stored with any identifier in it replaced by its tag
(<身份证号>, <手机号> …), as free-text columns are masked. Error messages name table, key column and
column, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from governance.access.policy import AccessPolicy
from governance.corrections.limits import ANSWER_DAYS
from governance.corrections.targets import CorrectionTarget
from governance.sharing.deadlines import Deadline, add_working_days, to_cst
from infra.vocabulary import DEPARTMENTS

STATES = ("open", "accepted", "rejected")
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"accepted", "rejected"}),
    "accepted": frozenset(),
    "rejected": frozenset(),
}
STATE_LABELS = {"open": "待校核", "accepted": "已纠错", "rejected": "不予纠错"}
MIN_TEXT = 4  # a reason shorter than this says nothing a provider can act on


class CorrectionError(ValueError):
    """A ticket or answer the correction rules do not allow; the message names the rule, never a value."""


@dataclass(frozen=True)
class CorrectionEvent:
    event_id: int
    ticket_id: str
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    comment: str | None
    detail: dict


@dataclass(frozen=True)
class CorrectionTicket:
    ticket_id: str
    table_name: str
    dataset: str | None
    provider_department: str
    requester_department: str
    row_key: dict[str, str]
    column_name: str
    reason: str
    proposed_value: str | None
    proposed_value_withheld: bool
    state: str
    created_at: datetime
    answer_due: date
    deadline_provisional: bool
    answered_at: datetime | None = None
    answered_by: str | None = None
    fix_reference: str | None = None
    rejection_reason: str | None = None
    updated_at: datetime | None = None
    history: tuple[CorrectionEvent, ...] = field(default=(), compare=False)

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.answer_due, self.deadline_provisional)

    def overdue(self, at: datetime) -> bool:
        """Still open after the end of its last working day (China Standard Time)."""
        return self.state == "open" and self.deadline.overdue(at)

    def as_dict(self, at: datetime | None = None) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "history"}
        data["state_label"] = STATE_LABELS[self.state]
        if at is not None:
            data["overdue"] = self.overdue(at)
        return data


def answer_deadline(created_at: datetime) -> Deadline:
    return add_working_days(created_at, ANSWER_DAYS)


def check_transition(ticket: CorrectionTicket, to_state: str) -> None:
    if to_state not in TRANSITIONS[ticket.state]:
        raise CorrectionError(f"{ticket.ticket_id} is {ticket.state}; it cannot become {to_state}")


def check_department(department: str) -> str:
    if department not in DEPARTMENTS:
        raise CorrectionError(f"{department!r} is not a department id ({', '.join(DEPARTMENTS)})")
    return department


def check_reader(policy: AccessPolicy, target: CorrectionTarget, requester: str, column: str) -> None:
    """The requester reads the table and that column (the one access policy): else it saw no value."""
    check_department(requester)
    if requester == target.provider_department:
        raise CorrectionError(
            f"{requester} provides {target.table} itself: correct it at the source, no ticket needed"
        )
    access = policy.readers(target.table).get(requester)
    if access is None:
        raise CorrectionError(
            f"{requester} may not read {target.table} (no live grant); a correction is filed by a reader"
        )
    if access.columns is not None and column not in access.columns:
        raise CorrectionError(f"{requester} is not granted column {column} of {target.table}")


def row_key(target: CorrectionTarget, values: Sequence[str]) -> dict[str, str]:
    """The key of one row: ``col=value`` for each key column, or the values in key-column order."""
    if not target.key_columns:
        raise CorrectionError(f"{target.table} declares no key (primary key or grain): no row can be named")
    missing = [c for c in target.key_columns if c not in target.columns]
    if missing:
        raise CorrectionError(f"{target.table} does not publish its key column(s) {', '.join(missing)}")
    personal = [c for c in target.key_columns if c in target.personal_columns]
    if personal:
        # Its value would identify a person in the ticket and the mirror; the provider must be asked
        # another way (none of today's shared tables is keyed so).
        raise CorrectionError(f"{target.table} is keyed by personal column(s) {', '.join(personal)}")
    named: dict[str, str] = {}
    positional: list[str] = []
    for value in values:
        column, equals, rest = value.partition("=")
        if equals and column.strip() in target.key_columns:
            named[column.strip()] = rest.strip()
        else:
            positional.append(value.strip())
    rest_columns = [c for c in target.key_columns if c not in named]
    if len(positional) != len(rest_columns):
        raise CorrectionError(
            f"{target.table} is keyed by {', '.join(target.key_columns)}: give one value for each "
            f"(col=value or in that order), {len(named) + len(positional)} given"
        )
    key = {**named, **dict(zip(rest_columns, positional, strict=True))}
    empty = [c for c, v in key.items() if not v]
    if empty:
        raise CorrectionError(f"empty value for key column(s) {', '.join(empty)} of {target.table}")
    return {c: key[c] for c in target.key_columns}


def required_text(text: str | None, what: str) -> str:
    if text is None or len(text.strip()) < MIN_TEXT:
        raise CorrectionError(f"{what} must say what it is about (at least {MIN_TEXT} characters)")
    return text.strip()


def masked_text(text: str) -> str:
    """Free text as stored: any identifier the recognizers find becomes its tag (as in free-text columns)."""
    from governance.pii.text import mask_one  # Presidio loads in seconds: only when a ticket is written

    return mask_one(text)[0]


def proposed(target: CorrectionTarget, column: str, value: str | None) -> tuple[str | None, bool]:
    """(the proposed value as stored, whether one was given but withheld because the column is personal)."""
    if value is None or not value.strip():
        return None, False
    if column in target.personal_columns:
        return None, True
    return masked_text(value.strip()), False


def filing_terms(
    target: CorrectionTarget,
    policy: AccessPolicy,
    requester: str,
    key_values: Sequence[str],
    column: str,
    reason: str | None,
    proposed_value: str | None,
) -> dict:
    """The checked values of a new ticket (without id and times), or CorrectionError / TargetError."""
    column = target.column(column)
    check_reader(policy, target, requester, column)
    key = row_key(target, key_values)
    text = masked_text(required_text(reason, "the reason (what is wrong)"))
    value, withheld = proposed(target, column, proposed_value)
    return {
        "table_name": str(target.table),
        "dataset": target.dataset,
        "provider_department": target.provider_department,
        "requester_department": requester,
        "row_key": key,
        "column_name": column,
        "reason": text,
        "proposed_value": value,
        "proposed_value_withheld": withheld,
    }


def check_answerer(ticket: CorrectionTicket, department: str) -> None:
    """Only the provider department of the table answers (for a mart, the data office)."""
    check_department(department)
    if department != ticket.provider_department:
        raise CorrectionError(
            f"{ticket.ticket_id} is answered by the provider of {ticket.table_name}, "
            f"{ticket.provider_department}; {department} is not it"
        )


def answer_terms(accept: bool, fix: str | None, reason: str | None) -> dict:
    """An acceptance names the source fix (a reference: change id, corrected-record note); a rejection its
    reason. Both are free text, stored tagged."""
    if accept:
        if reason:
            raise CorrectionError("an acceptance carries --fix, not --reason")
        return {"fix_reference": masked_text(required_text(fix, "an acceptance's source fix reference"))}
    if fix:
        raise CorrectionError("a rejection carries --reason, not --fix")
    return {"rejection_reason": masked_text(required_text(reason, "a rejection's reason"))}


def by_table(tickets: Iterable[CorrectionTicket]) -> Mapping[str, list[CorrectionTicket]]:
    grouped: dict[str, list[CorrectionTicket]] = {}
    for ticket in tickets:
        grouped.setdefault(ticket.table_name, []).append(ticket)
    return grouped


def at_cst(at: datetime) -> datetime:
    """CST, to the second: what people read in the history and what the deadline is counted from."""
    return to_cst(at).replace(microsecond=0)

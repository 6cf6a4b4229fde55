"""The one grant type (访问授权): a department may read an exchange table, these columns, these rows, until then.

The sharing store produces grants from approved requests (``governance.sharing.grants``); the access policy,
Trino's rules, Superset's roles and the sharing KPI all read this same type. Times are China Standard Time,
kept naive as in the sharing store: an aware time given here is converted, a naive one is taken as CST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from infra.clock import CHINA as CST  # the project's one China clock (fixed +08:00)
from infra.zones import TableName


def to_cst(moment: datetime) -> datetime:
    """A naive CST datetime: aware datetimes are converted, naive ones are taken to be CST already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(CST).replace(tzinfo=None)


def _cst_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_cst(moment)


@dataclass(frozen=True)
class Grant:
    """``department`` may read ``table``: these ``columns`` (empty = all), rows matching ``row_condition``
    (None = all), from ``granted_at`` until ``expires_at`` (None = no bound)."""

    department: str
    table: TableName
    columns: tuple[str, ...] = ()
    row_condition: str | None = None
    expires_at: datetime | None = None
    grant_id: str | None = None  # the approved request's id: every grant traces back to its history
    granted_at: datetime | None = None
    provider_department: str | None = None  # who granted it (the mirror table shows it)

    def __post_init__(self) -> None:
        # Normalise once here, so that every reader compares like with like.
        if not isinstance(self.table, TableName):
            object.__setattr__(self, "table", TableName.parse(str(self.table)))
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "expires_at", _cst_or_none(self.expires_at))
        object.__setattr__(self, "granted_at", _cst_or_none(self.granted_at))

    @property
    def resource(self) -> str:
        """The dataset the grant is on (its exchange table's name)."""
        return self.table.table

    def live(self, at: datetime) -> bool:
        moment = to_cst(at)
        started = self.granted_at is None or self.granted_at <= moment
        return started and (self.expires_at is None or moment < self.expires_at)

    def covers(self, column: str) -> bool:
        return not self.columns or column in self.columns

    def describe(self) -> str:
        """Who, what and which grant, for logs and reports (never the row condition: it may quote values)."""
        return f"{self.grant_id or 'grant'}: {self.department} -> {self.table}"

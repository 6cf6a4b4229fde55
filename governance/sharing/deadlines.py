"""Working-day deadlines for sharing requests, counted on the Chinese official calendar.

The State Council publishes each year's holidays and the 调休 make-up working days (a Saturday or Sunday
that becomes a working day); ``chinese-calendar`` carries them. Counting follows the usual rule for
administrative time limits: the day a request arrives is not counted, the Nth working day after it is the
last day, and the deadline is the end of that day (China Standard Time).

``chinese-calendar`` only knows the years already announced. For a later year we fall back to Monday to
Friday and mark the deadline provisional, rather than refusing requests in late December.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

# The grants and the sharing store share one clock: China Standard Time, stored naive.
from governance.access.grant import CST, to_cst

COMPLIANCE_CHECK_DAYS = 2
ANSWER_DAYS = 5
ANSWER_DAYS_UNPUBLISHED = 10


def now_cst() -> datetime:
    """The current time in China Standard Time, naive (every stored time in the sharing store is CST)."""
    return datetime.now(CST).replace(tzinfo=None)


def is_working_day(day: date) -> tuple[bool, bool]:
    """(is a working day, known from the official calendar). Unknown years fall back to Monday–Friday."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


@dataclass(frozen=True)
class Deadline:
    due: date  # the last working day; the deadline passes at the end of this day
    provisional: bool  # some day in the count lies in a year the official calendar does not cover yet

    def overdue(self, at: datetime) -> bool:
        return to_cst(at) >= datetime.combine(self.due + timedelta(days=1), time.min)


def add_working_days(start: datetime | date, days: int) -> Deadline:
    """The ``days``-th working day after the day of ``start`` (that day itself is not counted)."""
    if days < 1:
        raise ValueError("count at least one working day")
    day = to_cst(start).date() if isinstance(start, datetime) else start
    counted = 0
    provisional = False
    while counted < days:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        provisional = provisional or not known
        counted += working
    return Deadline(day, provisional)


def compliance_deadline(submitted_at: datetime) -> Deadline:
    return add_working_days(submitted_at, COMPLIANCE_CHECK_DAYS)


def answer_deadline(submitted_at: datetime, published: bool) -> Deadline:
    """5 working days, or 10 when the data is not yet published and must be prepared first."""
    return add_working_days(submitted_at, ANSWER_DAYS if published else ANSWER_DAYS_UNPUBLISHED)

"""Open corrections per shared table, for the catalogue entry (`lakehouse catalog show`) and its list.

A consumer looking a table up should see that some of its values are disputed: how many tickets are
open, how many are past their working-day limit, and the earliest deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from governance.corrections.rules import CorrectionTicket, by_table
from governance.corrections.store import CorrectionStore
from governance.sharing.deadlines import now_cst
from infra.zones import EXCHANGE


@dataclass(frozen=True)
class CorrectionSummary:
    table: str
    open: int
    overdue: int
    next_due: date | None  # the earliest answer deadline among the open tickets

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _table(table: str) -> str:
    # The catalogue names a resource by dataset; a shared table is zone-qualified.
    return table if "." in table else EXCHANGE.table(table)


def _store(store: CorrectionStore | None) -> CorrectionStore:
    if store is not None:
        return store
    from governance.corrections.service import open_store

    return open_store()


def open_corrections(table: str, store: CorrectionStore | None = None) -> list[CorrectionTicket]:
    """The open tickets of ``table`` ("exchange.parks" or "parks"), oldest first."""
    return _store(store).list(state="open", table=_table(table))


def summarise(table: str, tickets: list[CorrectionTicket], at: datetime) -> CorrectionSummary:
    open_ = [t for t in tickets if t.state == "open"]
    return CorrectionSummary(
        table=_table(table),
        open=len(open_),
        overdue=sum(t.overdue(at) for t in open_),
        next_due=min((t.answer_due for t in open_), default=None),
    )


def correction_summary(
    table: str, at: datetime | None = None, store: CorrectionStore | None = None
) -> CorrectionSummary:
    """One call for one catalogue entry: open tickets, overdue ones, earliest deadline."""
    return summarise(table, open_corrections(table, store), at or now_cst())


def correction_summaries(
    at: datetime | None = None, store: CorrectionStore | None = None
) -> dict[str, CorrectionSummary]:
    """Every table with open tickets, in one query (for `catalog list`)."""
    moment = at or now_cst()
    grouped = by_table(_store(store).list(state="open"))
    return {table: summarise(table, tickets, moment) for table, tickets in sorted(grouped.items())}

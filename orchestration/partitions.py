"""Daily partitions in China time for event datasets handed over as day files, and the date ranges a
backfill (the Dagster UI's, or `lakehouse run --from … --to …`) turns into partition keys.

A partition key is the hand-over day ("2026-11-03" for ``energy_2026-11-03.csv``) in Asia/Shanghai, the
day the departments' systems write their exports in; see docs/adr/0014-partitions-and-sensors.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import dagster as dg

from infra.clock import china_now

if TYPE_CHECKING:
    from governance.contracts import DatasetContract

# The first day a hand-over can belong to: the start of the year the lakehouse went live. It only bounds
# what the UI offers to backfill; the simulator's test data (November 2026) and `lakehouse demo` (the last
# few days up to today) both fall inside.
FIRST_DAY = date(2026, 1, 1)

# end_offset=1: today's partition exists, so a file dropped this morning is loaded this morning instead of
# after midnight (Dagster's default last partition is the last *complete* day).
DAILY = dg.DailyPartitionsDefinition(start_date=FIRST_DAY.isoformat(), timezone="Asia/Shanghai", end_offset=1)

# Per-file sources: each file is its own loaded unit, so loading one day's files keeps the load state (one
# fingerprint per file) exact. Page sets (json_pages) are one unit over all pages and SQL sources advance
# a watermark; neither can be cut by day without losing rows on the next load.
DAY_FILE_FORMATS = frozenset({"csv", "ndjson", "xlsx", "parquet"})


def is_daily(contract: DatasetContract) -> bool:
    """An event dataset (appended, partitioned by a day column) whose source hands over one file per day."""
    by_day = any(p.transform == "day" for p in contract.partitioning)
    return (
        contract.load.write_mode == "append"
        and by_day
        and contract.source.format in DAY_FILE_FORMATS
        and "*" in (contract.source.glob or "")
    )


def today() -> date:
    """Today in China time (a UTC date is the wrong partition for eight hours a day)."""
    return china_now().date()


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a day: {value!r} (write it as YYYY-MM-DD)") from exc


def partition_keys(from_day: date | str, to_day: date | str | None = None) -> list[str]:
    """The partition keys from ``from_day`` to ``to_day`` inclusive (one day when ``to_day`` is None).

    Refuses a reversed range and days outside FIRST_DAY … today (China time), naming the allowed range, so
    a typo is an error rather than an empty backfill.
    """
    first = _day(from_day)
    last = _day(to_day) if to_day is not None else first
    if last < first:
        raise ValueError(f"--from {first} is after --to {last}")
    newest = today()
    if first < FIRST_DAY or last > newest:
        raise ValueError(f"days run from {FIRST_DAY} to {newest} (China time); {first}…{last} is outside")
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]

"""Freshness: a contract's 更新周期 (update frequency) becomes the maximum age of its raw table.

Age is measured from the table's last Iceberg snapshot (a load that committed rows; loads with nothing
new commit nothing, so a source that stops delivering ages) or, optionally, from the newest value of a
timestamp column (when the data's own time matters more than when it arrived).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow.compute as pc
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table

from governance.contracts import DatasetContract
from governance.freshness import max_age

# Timestamps in the contracts are local wall-clock time of the city's systems.
SOURCE_TIMEZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The clock freshness is judged by (UTC, naive); tests move it forward."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class FreshnessStatus:
    dataset: str
    table: str
    update_frequency: str
    max_age: timedelta
    last_updated: datetime | None  # UTC, naive; None when the table holds nothing yet
    checked_at: datetime
    basis: str  # "snapshot" or "column <name>"
    snapshot_id: int | None = None

    @property
    def age(self) -> timedelta | None:
        return None if self.last_updated is None else self.checked_at - self.last_updated

    @property
    def fresh(self) -> bool:
        return self.age is not None and self.age <= self.max_age

    def describe(self) -> str:
        if self.last_updated is None:
            return f"{self.table}: never loaded ({self.update_frequency}, max age {self.max_age})"
        verdict = "fresh" if self.fresh else "STALE"
        return (
            f"{self.table}: {verdict}, last update {self.last_updated:%Y-%m-%d %H:%M} UTC ({self.basis}), "
            f"age {format_age(self.age)} > max {format_age(self.max_age)} ({self.update_frequency})"
            if not self.fresh
            else f"{self.table}: {verdict}, age {format_age(self.age)} within {format_age(self.max_age)} "
            f"({self.update_frequency})"
        )


def format_age(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days}d " if days else "") + f"{hours}h{mins:02d}m"


def last_snapshot_time(table: Table) -> tuple[datetime | None, int | None]:
    snapshot = table.current_snapshot()
    if snapshot is None:
        return None, None
    return datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC).replace(
        tzinfo=None
    ), snapshot.snapshot_id


def max_column_time(table: Table, column: str) -> datetime | None:
    """Newest value of a (local wall-clock) timestamp column, in UTC."""
    values = table.scan(selected_fields=(column,)).to_arrow().column(column)
    newest = pc.max(values).as_py() if len(values) else None
    if newest is None:
        return None
    if isinstance(newest, datetime) and newest.tzinfo is None:
        newest = newest.replace(tzinfo=SOURCE_TIMEZONE)
    return newest.astimezone(UTC).replace(tzinfo=None)


def evaluate(
    contract: DatasetContract,
    last_updated: datetime | None,
    now: datetime | None = None,
    basis: str = "snapshot",
    snapshot_id: int | None = None,
) -> FreshnessStatus:
    return FreshnessStatus(
        dataset=contract.name,
        table=contract.raw_table,
        update_frequency=contract.update_frequency,
        max_age=max_age(contract.update_frequency),
        last_updated=last_updated,
        checked_at=now or utcnow(),
        basis=basis,
        snapshot_id=snapshot_id,
    )


def check_freshness(
    contract: DatasetContract, catalog: Catalog, now: datetime | None = None, column: str | None = None
) -> FreshnessStatus:
    """Freshness of a contract's raw table, from its last snapshot or from ``column``."""
    if not catalog.table_exists(contract.raw_table):
        return evaluate(contract, None, now)
    table = catalog.load_table(contract.raw_table)
    when, snapshot_id = last_snapshot_time(table)
    if column is not None:
        return evaluate(contract, max_column_time(table, column), now, f"column {column}", snapshot_id)
    return evaluate(contract, when, now, "snapshot", snapshot_id)

"""Our own view of a live sharing grant, and the adapter from whatever `governance.sharing` provides.

The rules generator depends only on `TableGrant`; the sharing workflow (requests, approvals, the
`governance.access_grants` table) lives in `governance.sharing` and may change shape independently.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableGrant:
    """Department may read `table` (e.g. "exchange.parking_sessions"): these columns (empty = all),
    rows matching `row_filter` (None = all), until `expires_at` (None = no end)."""

    department: str
    table: str
    columns: tuple[str, ...] = ()
    row_filter: str | None = None
    expires_at: datetime | None = None

    def live_at(self, now: datetime) -> bool:
        return self.expires_at is None or aware(self.expires_at) > aware(now)


def aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, so grants from any source compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _field(grant: Any, *names: str) -> Any:
    for name in names:
        if isinstance(grant, dict) and name in grant:
            return grant[name]
        if hasattr(grant, name):
            return getattr(grant, name)
    return None


# The sharing store keeps naive datetimes in China Standard Time (no daylight saving).
SHARING_TZ = timezone(timedelta(hours=8), "CST")


def to_table_grant(grant: Any) -> TableGrant:
    """Convert one grant object of the sharing module (dataclass, pydantic model or dict)."""
    if isinstance(grant, TableGrant):
        return grant
    table = str(_field(grant, "table", "exchange_table", "resource_table"))
    if "." not in table:
        table = f"exchange.{table}"  # a bare dataset name means its exchange table
    columns = _field(grant, "columns", "granted_columns") or ()
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    row_filter = _field(grant, "row_filter", "row_condition")
    return TableGrant(
        department=str(_field(grant, "department", "consumer_department", "requesting_department")),
        table=table,
        columns=tuple(str(c) for c in columns),
        row_filter=str(row_filter) if row_filter else None,
        expires_at=_sharing_time(_field(grant, "expires_at", "valid_until")),
    )


def _sharing_time(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=SHARING_TZ)


def _store(settings: Any) -> dict[str, Any]:
    """The sharing request store of these settings (the default store follows the environment instead)."""
    if settings is None:
        return {}
    try:
        from governance.sharing.requests import RequestStore, sharing_db_url
    except ImportError:
        return {}
    return {"store": RequestStore.open(sharing_db_url(settings))}


def load_live_grants(
    now: datetime, settings: Any = None, module: str = "governance.sharing.grants"
) -> list[TableGrant]:
    """Live grants from the sharing module; none while that module does not exist yet."""
    try:
        sharing = importlib.import_module(module)
    except ImportError:
        log.info("%s is not available: no conditional grants", module)
        return []
    grants: Iterable[Any] = sharing.live_grants(now, **_store(settings))
    return [g for g in (to_table_grant(x) for x in grants) if g.live_at(now)]

"""Superset roles mirror departments: which role reads which dataset, sees which dashboard, runs raw SQL.

Derived from the same inputs as Trino's rules (governance.access.trino_rules), so Superset never lists
a dashboard Trino would then refuse to serve:
- every department reads unconditional exchange tables (无条件共享) and the kpi zone;
- a conditional exchange table (有条件共享, and every mart built from one) is read by its provider
  departments and by departments holding a live grant on that table;
- data_office (stewards) reads everything and is the only role allowed raw SQL (SQL Lab);
- a table the catalogue does not know is for stewards only (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from infra.vocabulary import DEPARTMENTS, STEWARD_DEPARTMENT

log = logging.getLogger(__name__)

STEWARDS = STEWARD_DEPARTMENT
RAW_SQL_DEPARTMENTS: tuple[str, ...] = (STEWARDS,)
SHARED_SCHEMAS = ("kpi",)


class ResourceLike(Protocol):
    table: str
    sharing_type: str
    providers: frozenset[str]


class GrantLike(Protocol):
    department: str
    table: str


@dataclass(frozen=True)
class RowFilter:
    department: str
    table: str
    clause: str


def table_readers(
    table: str, resources: Mapping[str, ResourceLike], grants: Iterable[GrantLike]
) -> frozenset[str]:
    """Departments whose analysts may read `table` ("exchange.x" / "kpi.x")."""
    schema = table.split(".", 1)[0]
    if schema in SHARED_SCHEMAS:
        return frozenset(DEPARTMENTS)
    resource = resources.get(table)
    if resource is None:
        return frozenset({STEWARDS})
    if resource.sharing_type == "unconditional":
        return frozenset(DEPARTMENTS)
    granted = {g.department for g in grants if g.table == table and g.department in DEPARTMENTS}
    return frozenset({STEWARDS, *(p for p in resource.providers if p in DEPARTMENTS), *granted})


def access_plan(
    tables: Iterable[str], resources: Mapping[str, ResourceLike], grants: Iterable[GrantLike]
) -> dict[str, frozenset[str]]:
    """table -> departments allowed to read it (one entry per Superset dataset)."""
    grants = list(grants)
    return {t: table_readers(t, resources, grants) for t in sorted(set(tables))}


def dashboard_roles(tables: Iterable[str], plan: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """A dashboard is listed for the departments that may read every dataset on it."""
    roles = frozenset(DEPARTMENTS)
    for table in tables:
        roles &= plan.get(table, frozenset({STEWARDS}))
    return roles | {STEWARDS}


def datasets_of(department: str, plan: Mapping[str, frozenset[str]]) -> list[str]:
    return sorted(t for t, readers in plan.items() if department in readers)


def row_filters(grants: Iterable[Any], tables: Iterable[str]) -> list[RowFilter]:
    """A grant's row condition (where条件) on a table that is a Superset dataset: a Regular RLS filter."""
    wanted = set(tables)
    return [
        RowFilter(g.department, g.table, str(g.row_filter))
        for g in grants
        if getattr(g, "row_filter", None) and g.table in wanted and g.department in DEPARTMENTS
    ]


def project_resources() -> dict[str, ResourceLike]:
    """Every exchange table (resources and dbt marts) with its sharing type and providers."""
    from governance.access.resources import access_resources, load_marts
    from governance.contracts.loader import load_contracts

    return {r.table: r for r in access_resources(load_contracts(), load_marts())}


def live_grants(settings: Any = None) -> list[Any]:
    """Grants in force now; none while the sharing workflow is unavailable (fails closed)."""
    try:
        from governance.access.grants import load_live_grants
    except ImportError:
        return []
    try:
        return list(load_live_grants(datetime.now(UTC), settings))
    except Exception as exc:  # e.g. the sharing request store is not created yet on a fresh stack
        log.warning("no sharing grants available (%s): conditional datasets stay with providers", exc)
        return []

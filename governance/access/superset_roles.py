"""Superset roles mirror departments: which role reads which dataset, sees which dashboard, runs raw SQL.

Who reads what comes from the one access policy (`governance.access.policy`), the same answer Trino's rules
are generated from, so Superset never lists a dashboard Trino would then refuse to serve. Superset adds:
- one role per department, plus `STEWARD_ROLE` for the named steward accounts (not the data office's
  department role: its analysts read as any department does);
- a dashboard is listed for the departments that may read every dataset on it (and the stewards);
- a reader's grant row conditions (where条件) become a Regular row-level filter on that dataset;
- the stewards' role is the only one allowed raw SQL (SQL Lab).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from governance.access.policy import STEWARDS, AccessPolicy
from infra.vocabulary import DEPARTMENTS

STEWARD_ROLE = STEWARDS
ROLES: tuple[str, ...] = (*DEPARTMENTS, STEWARD_ROLE)
RAW_SQL_ROLES: tuple[str, ...] = (STEWARD_ROLE,)


@dataclass(frozen=True)
class RowFilter:
    department: str
    table: str
    clause: str


def access_plan(tables: Iterable[str], policy: AccessPolicy) -> dict[str, frozenset[str]]:
    """table -> roles allowed to read it (one entry per Superset dataset); the stewards' role reads all."""
    return {t: frozenset(d for d in policy.readers(t) if d in ROLES) for t in sorted(set(tables))}


def dashboard_roles(tables: Iterable[str], plan: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """A dashboard is listed for the departments that may read every dataset on it, and the stewards."""
    roles = frozenset(ROLES)
    for table in tables:
        roles &= plan.get(table, frozenset({STEWARD_ROLE}))
    return roles | {STEWARD_ROLE}


def datasets_of(role: str, plan: Mapping[str, frozenset[str]]) -> list[str]:
    return sorted(t for t, readers in plan.items() if role in readers)


def row_filters(tables: Iterable[str], policy: AccessPolicy) -> list[RowFilter]:
    """Each reader's row condition on a table that is a Superset dataset: a Regular RLS filter."""
    found = []
    for table in sorted(set(tables)):
        for department, access in sorted(policy.readers(table).items()):
            clause = access.row_condition()
            if clause is not None and department in DEPARTMENTS:
                found.append(RowFilter(department, table, clause))
    return found

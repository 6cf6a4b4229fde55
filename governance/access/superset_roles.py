"""Superset roles mirror departments: which role reads which dataset, sees which dashboard, runs raw SQL.

Who reads what comes from the one access policy (`governance.access.policy`), the same answer Trino's rules
are generated from, so Superset never lists a dashboard Trino would then refuse to serve. Superset adds:
- a dashboard is listed for the departments that may read every dataset on it;
- a reader's grant row conditions (where条件) become a Regular row-level filter on that dataset;
- data_office (stewards) is the only role allowed raw SQL (SQL Lab).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from governance.access.policy import AccessPolicy
from infra.vocabulary import DEPARTMENTS, STEWARD_DEPARTMENT

STEWARDS = STEWARD_DEPARTMENT
RAW_SQL_DEPARTMENTS: tuple[str, ...] = (STEWARDS,)


@dataclass(frozen=True)
class RowFilter:
    department: str
    table: str
    clause: str


def access_plan(tables: Iterable[str], policy: AccessPolicy) -> dict[str, frozenset[str]]:
    """table -> departments allowed to read it (one entry per Superset dataset)."""
    return {t: frozenset(d for d in policy.readers(t) if d in DEPARTMENTS) for t in sorted(set(tables))}


def dashboard_roles(tables: Iterable[str], plan: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """A dashboard is listed for the departments that may read every dataset on it."""
    roles = frozenset(DEPARTMENTS)
    for table in tables:
        roles &= plan.get(table, frozenset({STEWARDS}))
    return roles | {STEWARDS}


def datasets_of(department: str, plan: Mapping[str, frozenset[str]]) -> list[str]:
    return sorted(t for t, readers in plan.items() if department in readers)


def row_filters(tables: Iterable[str], policy: AccessPolicy) -> list[RowFilter]:
    """Each reader's row condition on a table that is a Superset dataset: a Regular RLS filter."""
    found = []
    for table in sorted(set(tables)):
        for department, access in sorted(policy.readers(table).items()):
            clause = access.row_condition()
            if clause is not None and department in DEPARTMENTS:
                found.append(RowFilter(department, table, clause))
    return found

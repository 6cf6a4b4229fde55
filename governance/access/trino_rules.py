"""Trino file-based access control generated from the catalogue and the live grants (pure functions).

Policy (docs/adr/0007-access-rules-generated.md):
- stewards (`data_office`) read and write everything;
- a department reads the exchange tables it provides, every unconditional exchange table (personal columns
  masked unless a grant covers them) and the kpi zone;
- a conditional exchange table only with a live grant: the granted columns (others denied), the grant's
  row condition as a row filter, and the grant's expiry inside the filter as well, so rows stop at expiry
  even before the next refresh removes the rule;
- nothing else: no `raw_*`, `quarantine`, `staging` or `governance` table, no system information, no other
  user's queries.
Trino uses the first table rule that matches, so the specific rules come first.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from governance.access.grants import TableGrant, aware
from governance.access.resources import AccessResource
from governance.access.row_filter import RowFilterError, validate_row_filter
from infra.vocabulary import DEPARTMENTS, STEWARD_DEPARTMENT

log = logging.getLogger(__name__)

CATALOG = "lakehouse"
ALL_PRIVILEGES = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT"]
# Second line of defence: exchange values are already masked (pseudonyms, 张*); Trino hides even those.
MASK = "'***'"
SHARED_READ_SCHEMAS = ("kpi",)


@dataclass(frozen=True)
class RejectedGrant:
    grant: TableGrant
    reason: str


def _exact(*names: str) -> str:
    """A Trino rule pattern (a regex, matched whole) for exactly these names."""
    return "|".join(re.escape(n) for n in names)


def check_grants(
    resources: Sequence[AccessResource],
    grants: Iterable[TableGrant],
    now: datetime,
    departments: Iterable[str] = DEPARTMENTS,
) -> tuple[list[TableGrant], list[RejectedGrant]]:
    """Live, valid grants (row condition normalised) and the rejected ones with the reason."""
    by_table = {r.table: r for r in resources}
    known_departments = set(departments) - {STEWARD_DEPARTMENT}
    valid: list[TableGrant] = []
    rejected: list[RejectedGrant] = []
    for grant in grants:
        if not grant.live_at(now):
            continue
        resource = by_table.get(grant.table)
        reason = None
        if grant.department not in known_departments:
            reason = f"unknown department {grant.department!r}"
        elif resource is None:
            reason = f"{grant.table} is not an exchange table"
        elif unknown := sorted(set(grant.columns) - set(resource.columns)):
            reason = f"{grant.table} has no column(s) {', '.join(unknown)}"
        if reason is None and grant.row_filter and resource is not None:
            try:
                grant = replace(grant, row_filter=validate_row_filter(grant.row_filter, resource.columns))
            except RowFilterError as exc:
                reason = str(exc)
        if reason is None:
            valid.append(grant)
        else:
            rejected.append(RejectedGrant(grant, reason))
    return valid, rejected


def _expiry_check(expires_at: datetime) -> str:
    stamp = aware(expires_at).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return f"current_timestamp < TIMESTAMP '{stamp} UTC'"


def _grant_condition(grant: TableGrant) -> str | None:
    parts = [f"({grant.row_filter})"] if grant.row_filter else []
    if grant.expires_at is not None:
        parts.append(_expiry_check(grant.expires_at))
    return " AND ".join(parts) or None


def _table_rule(department: str, resource: AccessResource, grants: list[TableGrant]) -> dict[str, Any] | None:
    """The rule for one department on one exchange table, or None (no rule: Access Denied)."""
    rule: dict[str, Any] = {
        "group": _exact(department),
        "catalog": _exact(CATALOG),
        "schema": _exact(resource.schema),
        "table": _exact(resource.name),
        "privileges": ["SELECT"],
    }
    if department in resource.providers:
        return rule  # its own data, as published
    whole = any(not g.columns for g in grants)
    granted = set(resource.columns) if whole else {c for g in grants for c in g.columns}
    columns: list[dict[str, Any]] = []
    if resource.sharing_type == "unconditional":
        columns = [{"name": c, "mask": MASK} for c in resource.personal_columns if c not in granted]
    else:
        if not grants:
            return None
        columns = [{"name": c, "allow": False} for c in resource.columns if c not in granted]
        conditions = [_grant_condition(g) for g in grants]
        # One grant without condition and expiry opens every row; otherwise any grant's rows.
        if None not in conditions:
            rule["filter"] = (
                " OR ".join(f"({c})" for c in conditions) if len(conditions) > 1 else conditions[0]
            )
    if columns:
        rule["columns"] = columns
    return rule


def render_rules(
    resources: Sequence[AccessResource],
    grants: Iterable[TableGrant],
    now: datetime,
    departments: Iterable[str] = DEPARTMENTS,
    stewards: Sequence[str] = ("steward",),
) -> dict[str, Any]:
    """The rules.json document for Trino's file-based access control (`stewards`: users of data_office)."""
    readers = sorted(set(departments) - {STEWARD_DEPARTMENT})
    valid, rejected = check_grants(resources, grants, now, departments)
    for bad in rejected:
        log.warning("grant ignored (%s): %s", bad.reason, bad.grant)
    table_rules: list[dict[str, Any]] = [{"group": _exact(STEWARD_DEPARTMENT), "privileges": ALL_PRIVILEGES}]
    for department in readers:
        for resource in resources:
            mine = [g for g in valid if g.department == department and g.table == resource.table]
            rule = _table_rule(department, resource, mine)
            if rule is not None:
                table_rules.append(rule)
    everyone = _exact(*readers)
    table_rules += [
        {
            "group": everyone,
            "catalog": _exact(CATALOG),
            "schema": _exact(*SHARED_READ_SCHEMAS),
            "privileges": ["SELECT"],
        },
        # SQL clients (JDBC/DBeaver) read their metadata from these.
        {"group": everyone, "catalog": "system", "schema": "jdbc|metadata", "privileges": ["SELECT"]},
    ]
    return {
        "catalogs": [
            {"group": _exact(STEWARD_DEPARTMENT), "catalog": ".*", "allow": "all"},
            {"group": everyone, "catalog": _exact(CATALOG, "system"), "allow": "read-only"},
        ],
        "schemas": [{"group": _exact(STEWARD_DEPARTMENT), "schema": ".*", "owner": True}],
        "tables": table_rules,
        # Query text may quote personal data: only stewards see other users' queries.
        "queries": [
            {"group": _exact(STEWARD_DEPARTMENT), "allow": ["execute", "kill", "view"]},
            {"allow": ["execute"]},
        ],
        # Trino matches these rules by user or role only (not group): the steward users by name.
        "system_information": [{"user": _exact(*stewards), "allow": ["read", "write"]}] if stewards else [],
    }


def rules_text(rules: dict[str, Any]) -> str:
    return json.dumps(rules, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str, mode: int = 0o644) -> bool:
    """Replace `path` in one rename (Trino never reads half a file); False if the content is unchanged."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True

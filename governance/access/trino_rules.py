"""Trino file-based access control generated from the access policy (pure functions).

What each department may read comes from `governance.access.policy` (the same answer Superset's roles and the
sharing KPI get); this module only writes it in Trino's terms (docs/adr/0007-access-rules-generated.md):
- stewards (`data_office`) read and write everything;
- one table rule per department and exchange table it may read: columns it may not read `allow: false`,
  personal columns it reads masked `'***'`, and the grants' row conditions with their expiry as a row
  filter, so rows stop at expiry even before the next refresh removes the rule;
- every department reads the kpi zone; nothing else: no `raw_*`, `quarantine`, `staging` or `governance`
  table, no system information, no other user's queries.
Trino uses the first table rule that matches, so the specific rules come first.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from governance.access.grant import Grant
from governance.access.policy import EVERYONE_ZONES, Access, AccessPolicy
from governance.access.resources import AccessResource
from infra.vocabulary import DEPARTMENTS, STEWARD_DEPARTMENT

log = logging.getLogger(__name__)

CATALOG = "lakehouse"
ALL_PRIVILEGES = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT"]
# Second line of defence: exchange values are already masked (pseudonyms, 张*); Trino hides even those.
MASK = "'***'"


def _exact(*names: str) -> str:
    """A Trino rule pattern (a regex, matched whole) for exactly these names."""
    return "|".join(re.escape(n) for n in names)


def table_rule(department: str, resource: AccessResource, access: Access) -> dict[str, Any]:
    """The rule for one department reading one exchange table as the policy allows."""
    rule: dict[str, Any] = {
        "group": _exact(department),
        "catalog": _exact(CATALOG),
        "schema": _exact(resource.schema),
        "table": _exact(resource.name),
        "privileges": ["SELECT"],
    }
    columns: list[dict[str, Any]] = []
    if access.columns is not None:
        columns += [{"name": c, "allow": False} for c in resource.columns if c not in access.columns]
    columns += [{"name": c, "mask": MASK} for c in access.masked]
    if columns:
        rule["columns"] = columns
    row_filter = access.trino_filter()
    if row_filter is not None:
        rule["filter"] = row_filter
    return rule


def render_rules(
    resources: Sequence[AccessResource],
    grants: Iterable[Grant],
    now: datetime,
    departments: Iterable[str] = DEPARTMENTS,
    stewards: Sequence[str] = ("steward",),
) -> dict[str, Any]:
    """The rules.json document for Trino's file-based access control (`stewards`: users of data_office)."""
    return render_policy(AccessPolicy.of(resources, grants, now, departments), stewards)


def render_policy(policy: AccessPolicy, stewards: Sequence[str] = ("steward",)) -> dict[str, Any]:
    """The rules.json document of one access policy."""
    readers = sorted(set(policy.departments) - {STEWARD_DEPARTMENT})
    for bad in policy.rejected:
        log.warning("grant ignored (%s): %s", bad.reason, bad.grant.describe())
    table_rules: list[dict[str, Any]] = [{"group": _exact(STEWARD_DEPARTMENT), "privileges": ALL_PRIVILEGES}]
    allowed = {table: policy.readers(table) for table in sorted(policy.resources)}
    for department in readers:
        for table, resource in sorted(policy.resources.items()):
            access = allowed[table].get(department)
            if access is not None:
                table_rules.append(table_rule(department, resource, access))
    everyone = _exact(*readers)
    table_rules += [
        {
            "group": everyone,
            "catalog": _exact(CATALOG),
            "schema": _exact(*EVERYONE_ZONES),
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

"""Trino file-based access control generated from the access policy (pure functions).

What each department may read comes from `governance.access.policy` (the same answer Superset's roles and the
sharing KPI get); this module only writes it in Trino's terms (docs/adr/0007-access-rules-generated.md,
docs/threat-model.md):
- the named steward accounts, by user name (never by the data office's group, whose analysts are analysts),
  read and write everything, in both catalogs, run procedures and set any session property;
- one table rule per department and exchange table it may read, in the read catalog only: columns it may
  not read `allow: false`, personal columns it reads masked `'***'`, and the grants' row conditions with their
  expiry as a row filter, so rows stop at expiry even before the next refresh removes the rule;
- every department reads the kpi zone (its tables, not their `$files`/`$snapshots` metadata tables); nothing
  else: no `raw_*`, `quarantine`, `staging` or `governance` table, no steward catalog, no system
  information, no other user's queries, no procedures, no catalog session properties and only the system
  session properties of `ANALYST_SESSION_PROPERTIES`.
Trino uses the first rule that matches, so the specific rules come first. Table procedures
(`ALTER TABLE … EXECUTE`) are not governed by Trino 476's file-based rules at all: the read catalog's connector
refuses them (`infra.stack.trino_config.READ_CATALOG`).
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
from infra.stack.secrets import STEWARD_USER
from infra.stack.trino_config import READ_CATALOG
from infra.vocabulary import DEPARTMENTS

log = logging.getLogger(__name__)

CATALOG = READ_CATALOG
ALL_PRIVILEGES = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT"]
# Second line of defence: exchange values are already masked (pseudonyms, 张*); Trino hides even those.
MASK = "'***'"
# The named steward accounts when the caller names none (infra.stack.secrets makes this one).
DEFAULT_STEWARDS: tuple[str, ...] = (STEWARD_USER,)
# System session properties an analyst may set. Each only bounds the analyst's own query in time, so it can
# neither widen what a query reads nor take memory or workers from other users (resource_overcommit,
# query_max_memory, spill and optimizer switches stay with the stewards).
ANALYST_SESSION_PROPERTIES: tuple[str, ...] = (
    "query_max_execution_time",
    "query_max_planning_time",
    "query_max_run_time",
)
# A table's name, not one of its Iceberg metadata tables (`t$files`, `t$snapshots` … carry column bounds
# and file paths of every row).
PLAIN_TABLE = "[^$]+"


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
    stewards: Sequence[str] = DEFAULT_STEWARDS,
) -> dict[str, Any]:
    """The rules.json document for Trino's file-based access control (`stewards`: the steward accounts)."""
    return render_policy(AccessPolicy.of(resources, grants, now, departments), stewards)


def _steward_rules(stewards: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """What the named steward accounts may do: everything, in every catalog (none named: nothing)."""
    user = _exact(*stewards)
    rules = {
        "catalogs": [{"user": user, "catalog": ".*", "allow": "all"}],
        "schemas": [{"user": user, "schema": ".*", "owner": True}],
        "tables": [{"user": user, "privileges": ALL_PRIVILEGES}],
        "queries": [{"user": user, "allow": ["execute", "kill", "view"]}],
        # Trino matches these rules by user or role only (a `group` key stops it at start-up).
        "system_information": [{"user": user, "allow": ["read", "write"]}],
        "procedures": [{"user": user, "privileges": ["EXECUTE"]}],
        "catalog_session_properties": [{"user": user, "allow": True}],
        "system_session_properties": [{"user": user, "allow": True}],
    }
    return rules if stewards else {key: [] for key in rules}


def render_policy(policy: AccessPolicy, stewards: Sequence[str] = DEFAULT_STEWARDS) -> dict[str, Any]:
    """The rules.json document of one access policy; `stewards` are the steward accounts' user names."""
    readers = sorted(policy.departments)
    for bad in policy.rejected:
        log.warning("grant ignored (%s): %s", bad.reason, bad.grant.describe())
    steward = _steward_rules(stewards)
    table_rules: list[dict[str, Any]] = list(steward["tables"])
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
            "table": PLAIN_TABLE,
            "privileges": ["SELECT"],
        },
        # SQL clients (JDBC/DBeaver) read their metadata from these (listing only what the user may see).
        {"group": everyone, "catalog": "system", "schema": "jdbc|metadata", "privileges": ["SELECT"]},
    ]
    return {
        # Departments never reach the steward catalog: read-only on the catalog everyone reads.
        "catalogs": [
            *steward["catalogs"],
            {"group": everyone, "catalog": _exact(CATALOG, "system"), "allow": "read-only"},
        ],
        "schemas": steward["schemas"],
        "tables": table_rules,
        # Query text may quote personal data: only stewards see other users' queries.
        "queries": [*steward["queries"], {"allow": ["execute"]}],
        "system_information": steward["system_information"],
        # Present, so Trino denies every procedure no rule names (CALL … rollback_to_snapshot, register_table).
        "procedures": steward["procedures"],
        # Catalog session properties weaken the connector's guards (expire_snapshots_min_retention = '0s',
        # statistics_enabled): stewards only.
        "catalog_session_properties": [*steward["catalog_session_properties"], {"allow": False}],
        "system_session_properties": [
            *steward["system_session_properties"],
            {"property": _exact(*ANALYST_SESSION_PROPERTIES), "allow": True},
            {"allow": False},
        ],
    }


def rules_text(rules: dict[str, Any]) -> str:
    return json.dumps(rules, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str, mode: int = 0o600) -> bool:
    """Replace `path` in one rename (Trino never reads half a file); False if the content is unchanged.

    Owner-only like every file under the home: the rules name who may read what."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        path.chmod(mode)  # a file written by an older version keeps no wider mode
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

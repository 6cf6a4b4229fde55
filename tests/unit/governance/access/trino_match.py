"""Trino's first-match reading of a generated rules.json, for tests that need no server.

Each rule key is a regex matched whole against the user's name (`user`), any of the user's groups (`group`),
the catalog, schema and table; a missing key matches anything; the first rule that matches decides. The
stack tests (tests/stack/test_access_matrix.py, test_side_doors.py) check the same on the real Trino.
"""

from __future__ import annotations

import re
from typing import Any

CATALOG = "lakehouse"


def _matches(rule: dict[str, Any], user: str, groups: tuple[str, ...], **names: str) -> bool:
    if not re.fullmatch(rule.get("user", ".*"), user):
        return False
    if "group" in rule and not any(re.fullmatch(rule["group"], g) for g in groups):
        return False
    return all(re.fullmatch(rule.get(key, ".*"), value) for key, value in names.items())


def first(rules: list[dict[str, Any]], user: str, groups: tuple[str, ...], **names: str) -> dict | None:
    return next((r for r in rules if _matches(r, user, groups, **names)), None)


def table_rule(
    rules: dict[str, Any], user: str, groups: tuple[str, ...], table: str, catalog: str = CATALOG
) -> dict | None:
    """The table rule Trino applies to `user` reading `catalog.table`; None when it grants nothing."""
    schema, name = table.split(".")
    found = first(rules["tables"], user, groups, catalog=catalog, schema=schema, table=name)
    return found if found and found["privileges"] else None


def analyst(department: str) -> tuple[str, tuple[str, ...]]:
    """The demo's analyst of a department: its user name and groups."""
    return f"analyst_{department}", (department,)


def group_rule(rules: dict[str, Any], department: str, table: str) -> dict | None:
    """The table rule for the department's analyst."""
    return table_rule(rules, *analyst(department), table)

"""The Trino impersonation rule Superset needs (file-based access control, etc/rules.json).

Trino denies all impersonation unless a rule allows it. Superset's service account may act as the
human users only (steward and department analysts), never as itself or another service. Whoever
generates rules.json includes it through `with_impersonation` (governance.access.refresh does).
"""

from __future__ import annotations

from typing import Any

from infra.stack.secrets import STEWARD_USER
from infra.stack.superset.secrets import SERVICE_USER

HUMAN_USERS = f"({STEWARD_USER}|analyst_[a-z_]+)"


def impersonation_rules() -> list[dict[str, Any]]:
    return [{"original_user": SERVICE_USER, "new_user": HUMAN_USERS, "allow": True}]


def with_impersonation(rules: dict[str, Any]) -> dict[str, Any]:
    """`rules` with Superset's rule present exactly once (other impersonation rules are kept)."""
    others = [r for r in rules.get("impersonation", []) if r.get("original_user") != SERVICE_USER]
    return {**rules, "impersonation": [*impersonation_rules(), *others]}

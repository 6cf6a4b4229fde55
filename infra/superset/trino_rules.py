"""The Trino impersonation rule Superset needs (file-based access control, etc/rules.json).

Trino denies all impersonation unless a rule allows it. Superset's service account may act as the
human users only (steward and department analysts), never as itself or another service. Whoever
generates rules.json should include `impersonation_rules()`; `ensure_impersonation` merges it into an
existing file without touching the other sections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.stack.secrets import STEWARD_USER
from infra.superset.secrets import SERVICE_USER

HUMAN_USERS = f"({STEWARD_USER}|analyst_[a-z_]+)"


def impersonation_rules() -> list[dict[str, Any]]:
    return [{"original_user": SERVICE_USER, "new_user": HUMAN_USERS, "allow": True}]


def with_impersonation(rules: dict[str, Any]) -> dict[str, Any]:
    """`rules` with Superset's rule present exactly once (other impersonation rules are kept)."""
    others = [r for r in rules.get("impersonation", []) if r.get("original_user") != SERVICE_USER]
    return {**rules, "impersonation": [*impersonation_rules(), *others]}


def ensure_impersonation(rules_file: Path) -> bool:
    """Merge the rule into rules.json (Trino re-reads it within seconds); True if the file changed."""
    current = json.loads(rules_file.read_text(encoding="utf-8"))
    wanted = with_impersonation(current)
    if wanted == current:
        return False
    tmp = rules_file.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(wanted, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # Atomic replace: Trino must never read a half-written rules file.
    tmp.replace(rules_file)
    return True

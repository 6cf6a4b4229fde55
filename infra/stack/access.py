"""Write the generated Trino access rules and group file into the running coordinator's etc/.

Trino re-reads both every 5 s, so a refresh takes effect without a restart. Call it after a sharing
approval, revocation or expiry, after a contract change, and at `up` (registry does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from governance.access.grants import TableGrant, load_live_grants
from governance.access.resources import access_resources, load_marts
from governance.access.trino_rules import (
    STEWARD_GROUP,
    RejectedGrant,
    check_grants,
    render_groups,
    render_rules,
    rules_text,
    write_atomic,
)
from governance.contracts import load_contracts
from infra.settings import PROJECT_ROOT, Settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser, load_or_create_users
from infra.stack.trino import coordinator_node

MODELS_DIR = PROJECT_ROOT / "dbt_project" / "models"


@dataclass(frozen=True)
class RefreshResult:
    rules_changed: bool
    groups_changed: bool
    grants: tuple[TableGrant, ...]
    rejected: tuple[RejectedGrant, ...]


def _with_superset(rules: dict[str, Any]) -> dict[str, Any]:
    # Superset's service account impersonates analysts so that these rules apply per person.
    try:
        from infra.superset.trino_rules import with_impersonation
    except ImportError:
        return rules
    return with_impersonation(rules)


def refresh_access_rules(
    settings: Settings,
    grants: Sequence[TableGrant] | None = None,
    now: datetime | None = None,
    users: Iterable[TrinoUser] | None = None,
) -> RefreshResult:
    """Render rules.json and groups.txt from the contracts, dbt marts and live grants; write them atomically.

    `grants` defaults to the live grants of the sharing module (none while it does not exist).
    """
    now = now or datetime.now(UTC)
    paths = StackPaths.of(settings)
    resources = access_resources(load_contracts(), load_marts(MODELS_DIR))
    live = list(grants) if grants is not None else load_live_grants(now, settings)
    valid, rejected = check_grants(resources, live, now)
    members = list(users) if users is not None else load_or_create_users(paths.secrets)
    stewards = sorted(u.name for u in members if STEWARD_GROUP in u.groups)
    rules = _with_superset(render_rules(resources, valid, now, stewards=stewards))
    etc = coordinator_node(settings, paths).etc
    return RefreshResult(
        rules_changed=write_atomic(etc / "rules.json", rules_text(rules)),
        groups_changed=write_atomic(etc / "groups.txt", render_groups(members)),
        grants=tuple(valid),
        rejected=tuple(rejected),
    )


def main() -> None:
    """`python -m infra.stack.access`: refresh now (e.g. from cron or after an approval)."""
    from infra.settings import load_settings
    from infra.stack.registry import stack_settings

    result = refresh_access_rules(stack_settings(load_settings(), create=False))
    print(f"rules {'updated' if result.rules_changed else 'unchanged'}; {len(result.grants)} live grant(s)")
    for bad in result.rejected:
        print(f"rejected grant {bad.grant.department} -> {bad.grant.table}: {bad.reason}")


if __name__ == "__main__":
    main()

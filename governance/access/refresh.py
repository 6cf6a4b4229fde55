"""Write the generated Trino access rules and group file into the running coordinator's etc/.

Trino re-reads both every 5 s, so a refresh takes effect without a restart. Call it after a sharing
approval, revocation or expiry, after a contract change, and at `up` (the stack calls it before Trino
starts: `lakehouse up` passes it to `infra.stack.registry.up`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from governance.access.grants import TableGrant, load_live_grants
from governance.access.impersonation import with_impersonation
from governance.access.resources import access_resources, load_marts
from governance.access.trino_rules import (
    RejectedGrant,
    check_grants,
    render_rules,
    rules_text,
    write_atomic,
)
from governance.contracts import load_contracts
from infra.settings import Settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser, load_or_create_users
from infra.stack.trino import coordinator_node
from infra.stack.trino_config import group_file
from infra.vocabulary import STEWARD_DEPARTMENT


@dataclass(frozen=True)
class RefreshResult:
    rules_changed: bool
    groups_changed: bool
    grants: tuple[TableGrant, ...]
    rejected: tuple[RejectedGrant, ...]


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
    resources = access_resources(load_contracts(), load_marts())
    live = list(grants) if grants is not None else load_live_grants(now, settings)
    valid, rejected = check_grants(resources, live, now)
    members = list(users) if users is not None else load_or_create_users(paths.secrets)
    stewards = sorted(u.name for u in members if STEWARD_DEPARTMENT in u.groups)
    # Superset's service account impersonates analysts so that these rules apply per person.
    rules = with_impersonation(render_rules(resources, valid, now, stewards=stewards))
    etc = coordinator_node(settings, paths).etc
    return RefreshResult(
        rules_changed=write_atomic(etc / "rules.json", rules_text(rules)),
        groups_changed=write_atomic(etc / "groups.txt", group_file(members)),
        grants=tuple(valid),
        rejected=tuple(rejected),
    )


def rules_at_start(settings: Settings, users: Sequence[TrinoUser]) -> RefreshResult:
    """The hook `infra.stack.registry.up` calls before the coordinator starts."""
    return refresh_access_rules(settings, users=users)


def main() -> None:
    """`python -m governance.access.refresh`: refresh now (e.g. from cron or after an approval)."""
    from infra.settings import load_settings
    from infra.stack.registry import stack_settings

    result = refresh_access_rules(stack_settings(load_settings(), create=False))
    print(f"rules {'updated' if result.rules_changed else 'unchanged'}; {len(result.grants)} live grant(s)")
    for bad in result.rejected:
        print(f"rejected grant {bad.grant.department} -> {bad.grant.table}: {bad.reason}")


if __name__ == "__main__":
    main()

"""Write the generated Trino access rules and group file into the running coordinator's etc/.

Trino re-reads both every 5 s, so a refresh takes effect without a restart. The grants are given: the
sharing workflow owns them, and `governance.sharing.service.refresh_access_rules` reads the live ones from
its store and calls this after an approval, revocation or expiry, after the pipeline, and at `up`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from governance.access.grant import Grant
from governance.access.impersonation import with_impersonation
from governance.access.policy import AccessPolicy, RejectedGrant
from governance.access.resources import project_resources
from governance.access.trino_rules import DEFAULT_STEWARDS, render_policy, rules_text, write_atomic
from infra.settings import Settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser, load_or_create_users
from infra.stack.trino_config import group_file
from infra.stack.trino_nodes import coordinator_node


@dataclass(frozen=True)
class RefreshResult:
    rules_changed: bool
    groups_changed: bool
    grants: tuple[Grant, ...]
    rejected: tuple[RejectedGrant, ...]


def write_access_rules(
    settings: Settings,
    grants: Sequence[Grant],
    now: datetime | None = None,
    users: Iterable[TrinoUser] | None = None,
    stewards: Sequence[str] = DEFAULT_STEWARDS,
) -> RefreshResult:
    """Render rules.json and groups.txt from the contracts, dbt marts and these grants; write them atomically.

    `stewards` names the steward accounts: steward rights go to them by name, never to a group, so the
    data office's analysts read as a department does."""
    now = now or datetime.now(UTC)
    paths = StackPaths.of(settings)
    policy = AccessPolicy.of(project_resources().values(), grants, now)
    members = list(users) if users is not None else load_or_create_users(paths.secrets)
    # Superset's service account impersonates analysts so that these rules apply per person.
    rules = with_impersonation(render_policy(policy, stewards=sorted(stewards)))
    etc = coordinator_node(settings, paths).etc
    return RefreshResult(
        rules_changed=write_atomic(etc / "rules.json", rules_text(rules)),
        groups_changed=write_atomic(etc / "groups.txt", group_file(members)),
        grants=policy.grants,
        rejected=policy.rejected,
    )

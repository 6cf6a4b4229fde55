"""`lakehouse cluster render-config`: the inputs of the Kubernetes deployment that only our code can write.

Trino's access rules come from the same policy as the stack's (governance.access: contracts, dbt marts,
grants, Superset's impersonation rule), the users and groups from the same list (a steward, one analyst per
department, Superset's service account), so the cluster enforces what the stack enforces. See docs/cluster.md.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from governance.access.grant import Grant


@click.group()
def cluster() -> None:
    """Kubernetes deployment (infra/cluster/): render its generated inputs."""


@cluster.command("render-config")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into (default infra/cluster/generated, where the kustomize base looks).",
)
@click.option(
    "--live-grants",
    is_flag=True,
    help="Include the grants live in the active profile's sharing store (without: conditional tables stay "
    "with their providers until the next render).",
)
def render_config(out: Path | None, live_grants: bool) -> None:
    """Write Trino's rules.json, groups and password file, the env Secret and the kustomize Component."""
    from governance.access.impersonation import with_impersonation
    from governance.access.policy import project_policy
    from governance.access.trino_rules import DEFAULT_STEWARDS, render_policy, rules_text
    from infra.cluster.config import (
        GENERATED_DIR,
        USERS_FILE,
        ClusterConfigError,
        operator_values,
        settings_literals,
        write_config,
    )
    from infra.stack.secrets import load_or_create_users
    from infra.stack.superset.secrets import ensure_service_user

    out = out or GENERATED_DIR
    try:
        operator_values(os.environ)  # refuse before any file is written
    except ClusterConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    grants: list[Grant] = []
    if live_grants:
        from governance.sharing.service import grants_in_force

        grants = grants_in_force()
    rules = with_impersonation(render_policy(project_policy(grants, datetime.now(UTC)), DEFAULT_STEWARDS))
    # Kept in `out` across renders (mode 600) like the stack's secrets folder: the same passwords next time.
    # The address the pods get (infra/cluster/shared), not this shell's: Superset must reach the same database.
    address = settings_literals()
    ensure_service_user(out)
    users = load_or_create_users(out)
    try:
        rendered = write_config(
            out,
            rules=rules_text(rules),
            users=users,
            environ=os.environ,
            pg_user=address["LAKEHOUSE_PG_USER"],
            pg_host=address["LAKEHOUSE_PG_HOST"],
            pg_port=int(address["LAKEHOUSE_PG_PORT"]),
        )
    except ClusterConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {', '.join(rendered.files)} into {rendered.out} ({len(grants)} live grant(s))")
    click.echo(f"users: {', '.join(rendered.users)}; their passwords are in {out / USERS_FILE} (mode 600)")
    click.echo("next: kubectl apply -k infra/cluster/overlays/<dev|prod> (docs/cluster.md)")

"""Helpers behind `lakehouse demo --profile stack` and `lakehouse sql --profile stack --user NAME`.

Kept out of cli.py: the stack path needs the stack's secrets, its certificate and a health check first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import click

from infra.settings import PROFILES, Settings, load_settings

READ_STATEMENTS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "EXPLAIN", "VALUES", "TABLE")


def use_profile(profile: str | None) -> Settings:
    """Set LAKEHOUSE_PROFILE for this run (every library call below reads it) and return the settings."""
    if profile is not None:
        if profile not in PROFILES:
            raise click.BadParameter(
                f"{profile!r} is not one of {', '.join(PROFILES)}", param_hint="--profile"
            )
        os.environ["LAKEHOUSE_PROFILE"] = profile
    return load_settings()


def require_stack(settings: Settings) -> None:
    """Fail clearly unless PostgreSQL, the S3 API server and Trino answer."""
    from infra import stack

    down = [s for s in stack.status(settings) if s.name in ("postgres", "s3", "trino") and not s.healthy]
    if down:
        names = ", ".join(s.name for s in down)
        raise click.ClickException(
            f"the stack is not running ({names} down) under {settings.home}: start it with `lakehouse up` "
            "(or `make up`), check with `lakehouse status`"
        )


def after_pipeline(settings: Settings) -> str:
    """New marts and catalogue entries change the access rules: regenerate them now."""
    from infra.stack.access import refresh_access_rules
    from infra.stack.registry import stack_settings

    result = refresh_access_rules(stack_settings(settings, create=False))
    rejected = f", {len(result.rejected)} grant(s) rejected" if result.rejected else ""
    return f"Trino access rules regenerated ({len(result.grants)} live grant(s){rejected})"


@dataclass(frozen=True)
class TrinoResult:
    columns: list[str]
    rows: list[dict[str, object]]


def trino_sql(settings: Settings, user: str, sql: str) -> TrinoResult:
    """Run one read statement through Trino as `user` (password from the stack's users file, HTTPS)."""
    import trino

    from infra.stack import trino as trino_node
    from infra.stack.paths import StackPaths
    from infra.stack.registry import stack_settings
    from infra.stack.secrets import TRINO_USERS_FILE, load_or_create_users

    first = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if first not in READ_STATEMENTS:
        # Access rules would stop an analyst anyway; the CLI stays read-only for stewards too.
        raise click.ClickException(
            f"only read-only statements here ({', '.join(READ_STATEMENTS)}), not {first}"
        )
    settings = stack_settings(settings, create=False)
    paths = StackPaths.of(settings)
    users = {u.name: u for u in load_or_create_users(paths.secrets)} if paths.secrets.is_dir() else {}
    if user not in users:
        raise click.ClickException(
            f"no Trino user {user!r} in {paths.secrets / TRINO_USERS_FILE}; known: {', '.join(sorted(users))}"
        )
    try:
        with trino_node.connect(settings, paths, user, users[user].password) as conn:
            cursor = conn.cursor()
            cursor.execute(sql)
            data = cursor.fetchall()
            columns = [d[0] for d in cursor.description or []]
    except trino.exceptions.TrinoUserError as exc:
        raise click.ClickException(f"{exc.error_name}: {exc.message}") from exc
    except trino.exceptions.Error as exc:
        raise click.ClickException(str(exc)) from exc
    return TrinoResult(columns, [dict(zip(columns, row, strict=True)) for row in data])

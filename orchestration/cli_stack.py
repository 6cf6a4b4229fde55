"""The stack from the CLI: `lakehouse up | down | status`, and the helpers behind `lakehouse demo --profile
stack` and `lakehouse sql --profile stack --user NAME` (the stack's secrets, certificate and health first).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from infra.settings import PROFILES, Settings, load_settings
from orchestration.cli_lazy import LazyChoice

if TYPE_CHECKING:  # the stack's modules import pyiceberg and SQLAlchemy: only the commands that use them pay
    from infra.stack.model import ComponentStatus, Progress

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
    from governance.sharing.service import refresh_access_rules
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


def _components() -> tuple[str, ...]:
    from infra.stack.registry import COMPONENTS

    return COMPONENTS


def cli_default() -> tuple[str, ...]:
    """`lakehouse up` (and so `make up`) serves dashboards too; the Python API's default stays the core."""
    from infra.stack import dagster
    from infra.stack.registry import CORE
    from infra.stack.superset import server as superset

    # And Dagster's webserver and daemon: schedules, sensors, alerts and run monitoring keep running.
    return (*CORE, superset.NAME, *dagster.NAMES)


def _print(statuses: list[ComponentStatus], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in statuses], indent=2))
        return
    for s in statuses:
        mark = "ok  " if s.healthy else "DOWN"
        pid = f"pid {s.pid}" if s.pid else "not running"
        click.echo(f"{mark} {s.name:<13} {s.url:<34} {s.version:<34} {pid}")


def _progress(as_json: bool) -> Progress:
    # With --json, stdout carries only the JSON document; progress goes to stderr.
    return (lambda msg: click.echo(msg, err=True)) if as_json else click.echo


@click.command("up")
@click.option(
    "--worker", is_flag=True, help="Also start a Trino worker beside the coordinator (= --workers 1)."
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    envvar="LAKEHOUSE_TRINO_WORKERS",
    show_envvar=True,
    help="Start this many Trino workers (each its own port from LAKEHOUSE_TRINO_WORKER_PORT up, 2G heap).",
)
@click.option(
    "--component",
    "components",
    multiple=True,
    type=LazyChoice(_components),
    # A fixed metavar: listing the choices in --help would import the stack's modules (a wrong name is
    # still refused with the list).
    metavar="COMPONENT",
    help="Start only these (and what they need). Default: postgres, s3, trino, superset, dagster.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the component statuses as JSON.")
def up(worker: bool, workers: int, components: tuple[str, ...], as_json: bool) -> None:
    """Install (cached), configure and start PostgreSQL, the S3 API server, Trino and Superset on 127.0.0.1.

    Also dagster-webserver (LAKEHOUSE_DAGSTER_PORT, default 58300) and dagster-daemon, storing runs in the
    stack's PostgreSQL.
    """
    from governance.sharing.service import rules_at_start
    from infra.stack import registry
    from infra.stack.model import StackError

    try:
        statuses = registry.up(
            load_settings(),
            components=components or cli_default(),
            with_worker=worker,
            workers=workers,
            progress=_progress(as_json),
            access_rules=rules_at_start,
        )
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc
    _print(statuses, as_json)
    if not all(s.healthy for s in statuses):
        sys.exit(1)


@click.command("down")
@click.option("--json", "as_json", is_flag=True, help="Print what was stopped as JSON.")
def down(as_json: bool) -> None:
    """Stop every stack process by its recorded PID (SIGKILL after a timeout)."""
    from infra.stack import registry

    stopped = registry.down(load_settings())
    if as_json:
        click.echo(json.dumps(stopped))
    else:
        click.echo("stopped: " + ", ".join(stopped) if stopped else "nothing was running")


@click.command("status")
@click.option("--worker", is_flag=True, help="Report the Trino worker even if it was never configured.")
@click.option("--json", "as_json", is_flag=True, help="Print the component statuses as JSON.")
def status(worker: bool, as_json: bool) -> None:
    """Health of each stack component (exit code 1 if any is down)."""
    from infra.stack import registry
    from infra.stack.paths import StackPaths
    from infra.stack.superset import server as superset

    settings = load_settings()
    configured = superset.configured(StackPaths.of(settings))
    statuses = registry.status(settings, include_worker=worker, include_superset=configured)
    _print(statuses, as_json)
    if not all(s.healthy for s in statuses):
        sys.exit(1)

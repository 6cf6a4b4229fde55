"""Click commands `up`, `down`, `status` to mount into the `lakehouse` CLI (no group here).

from infra.stack.cli import up, down, status
main.add_command(up); main.add_command(down); main.add_command(status)
"""

from __future__ import annotations

import json
import sys

import click

from infra.settings import load_settings
from infra.stack import registry
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths
from infra.stack.registry import COMPONENTS, CORE
from infra.superset import server as superset

# `lakehouse up` (and so `make up`) serves dashboards too; the Python API's default stays the core.
CLI_DEFAULT = (*CORE, superset.NAME)


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
@click.option("--worker", is_flag=True, help="Also start a Trino worker beside the coordinator.")
@click.option(
    "--component",
    "components",
    multiple=True,
    type=click.Choice(COMPONENTS),
    help="Start only these (and what they need). Default: postgres, s3, trino, superset.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the component statuses as JSON.")
def up(worker: bool, components: tuple[str, ...], as_json: bool) -> None:
    """Install (cached), configure and start PostgreSQL, the S3 API server, Trino and Superset on 127.0.0.1."""
    try:
        statuses = registry.up(
            load_settings(),
            components=components or CLI_DEFAULT,
            with_worker=worker,
            progress=_progress(as_json),
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
    settings = load_settings()
    configured = superset.configured(StackPaths.of(settings))
    statuses = registry.status(settings, include_worker=worker, include_superset=configured)
    _print(statuses, as_json)
    if not all(s.healthy for s in statuses):
        sys.exit(1)

"""`lakehouse dashboards list|open|provision`: the Superset dashboards and their URLs.

Mount with `main.add_command(cli_dashboards.dashboards)`.
"""

from __future__ import annotations

import json

import click

from infra.settings import load_settings
from orchestration.dashboards import specs


def _url(slug: str) -> str:
    from orchestration.dashboards.provision import dashboard_url

    return dashboard_url(load_settings(), slug)


@click.group("dashboards")
def dashboards() -> None:
    """Superset dashboards over Trino (provisioned as code; see orchestration/dashboards/specs.py)."""


@dashboards.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print slug, title and URL as JSON.")
def list_dashboards(as_json: bool) -> None:
    """Every dashboard with its URL (log in with your analyst account from secrets/trino-users.json)."""
    rows = [{"slug": d.slug, "title": d.title, "url": _url(d.slug)} for d in specs.DASHBOARDS]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['slug']:<22} {row['url']:<62} {row['title']}")


@dashboards.command("open")
@click.argument("slug", type=click.Choice([d.slug for d in specs.DASHBOARDS]))
@click.option("--launch", is_flag=True, help="Also open it in the desktop's browser.")
def open_dashboard(slug: str, launch: bool) -> None:
    """Print the URL of one dashboard."""
    url = _url(slug)
    click.echo(url)
    if launch:
        click.launch(url)


@dashboards.command("provision")
@click.option("--json", "as_json", is_flag=True, help="Print the ids of every object as JSON.")
def provision(as_json: bool) -> None:
    """Create or update the Trino connection, datasets, roles, users, RLS rules, charts and dashboards.

    Idempotent: a second run finds every object by its name and keeps its id. Needs `lakehouse up`.
    """
    from infra import stack
    from infra.stack.paths import StackPaths
    from orchestration.dashboards.provision import provision as run

    settings = stack.stack_settings(load_settings(), create=False)
    say = (lambda msg: click.echo(msg, err=True)) if as_json else click.echo
    report = run(settings, StackPaths.of(settings), progress=say)
    if as_json:
        click.echo(json.dumps({**report.ids(), "skipped": report.skipped}, ensure_ascii=False, indent=2))

"""`lakehouse alerts`: the newest rows of governance.alerts (failed runs and gates, and whether each was
delivered to the webhook)."""

from __future__ import annotations

import click

from orchestration.cli_output import echo_json, echo_table, open_catalog


@click.command("alerts")
@click.option("--limit", type=int, default=20, show_default=True, help="How many of the newest alerts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def alerts(limit: int, as_json: bool) -> None:
    """Recent alerts: failed runs and failed gates, newest first, with their webhook delivery."""
    from governance.alerts import recent_alerts
    from infra.clock import format_china

    rows = recent_alerts(open_catalog(), limit=limit)
    for row in rows:
        row["raised_at"] = format_china(row["raised_at"], naive="china")
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no alerts recorded")
        return
    echo_table(rows, ["raised_at", "kind", "severity", "target", "message", "delivery_status"])

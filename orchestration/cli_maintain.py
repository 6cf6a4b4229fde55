"""`lakehouse maintain`: expire old snapshots, compact small files and sweep orphan files, table by table."""

from __future__ import annotations

import click

from orchestration.cli_output import echo_json, echo_table, open_catalog


@click.command("maintain")
@click.option(
    "--table", "tables", multiple=True, metavar="ZONE.TABLE", help="Only these tables (repeatable)."
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would be compacted, expired and removed; change nothing."
)
@click.option("--retention-days", type=float, default=7, show_default=True, help="Snapshot age kept.")
@click.option(
    "--keep-last", type=int, default=5, show_default=True, help="Snapshots kept whatever their age."
)
@click.option(
    "--orphan-hours",
    type=float,
    default=72,
    show_default=True,
    help="Only files older than this are removed as orphans (a running load's files are younger).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def maintain(
    tables: tuple[str, ...],
    dry_run: bool,
    retention_days: float,
    keep_last: int,
    orphan_hours: float,
    as_json: bool,
) -> None:
    """Keep storage from only growing: per table, files, bytes and snapshots before/after (Trino on the stack)."""
    from infra.iceberg.maintain_all import maintain_tables, maintenance_policy

    policy = maintenance_policy(retention_days, keep_last, orphan_hours)
    try:
        results = maintain_tables(open_catalog(), tables, policy, dry_run=dry_run, progress=_to_stderr)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [r.summary() for r in results]
    if as_json:
        echo_json(rows)
        return
    echo_table(
        rows, ["table", "snapshots", "data_files", "files", "bytes", "compacted", "expired", "orphans"]
    )
    if dry_run:
        click.echo("dry run: nothing was changed")


def _to_stderr(line: str) -> None:
    click.echo(line, err=True)  # progress never mixes into the report (or its JSON) on stdout

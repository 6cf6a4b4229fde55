"""`lakehouse`: the steward's command line. Every command calls the same library functions as Dagster."""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click

from infra.csv_export import to_csv
from infra.private_files import write_private_text
from infra.settings import PROJECT_ROOT, load_settings
from orchestration.cli_outage import OutageAwareGroup
from orchestration.cli_output import echo_json, echo_table, open_catalog, require_dataset
from orchestration.run import materialize_all


@click.group(cls=OutageAwareGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Lingang City Cloud Data Centre lakehouse (临港城市云数据中心).

    Configuration comes from environment variables: LAKEHOUSE_PROFILE (embedded | stack,
    default embedded) and LAKEHOUSE_HOME (data folder, default ./var).
    """
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@main.command()
@click.option(
    "--out", type=click.Path(path_type=Path), help="Folder to write into (default LAKEHOUSE_HOME/sources)."
)
@click.option(
    "--scale", type=float, default=0.05, show_default=True, help="1 ≈ one day of a 300k-resident district."
)
@click.option("--days", type=int, default=2, show_default=True, help="Days of events to simulate.")
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same files.")
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), help="First simulated day (default: days before today)."
)
@click.option(
    "--bad-rows",
    type=float,
    default=0.0,
    show_default=True,
    help="Share of rows spoiled as real exports are (e.g. 0.002): impossible dates, check digits, ragged rows …",
)
def simulate(out: Path | None, scale: float, days: int, seed: int, start, bad_rows: float) -> None:
    """Write the department systems' hand-overs (SQLite, GB18030 CSV, JSON pages, xlsx, NDJSON)."""
    from ingest.simulator import simulate as run_simulation

    out = out or load_settings().sources_dir
    first_day = start.date() if start else date.today() - timedelta(days=days - 1)
    summary = run_simulation(
        out, scale=scale, days=days, seed=seed, start=first_day, progress=click.echo, bad_rows=bad_rows
    )
    total = sum(summary.rows.values())
    click.echo(f"wrote {total} rows for {len(summary.rows)} datasets into {out}")


@main.command()
@click.option("--scale", type=float, default=0.05, show_default=True)
@click.option("--days", type=int, default=2, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--bad-rows",
    type=float,
    default=0.002,
    show_default=True,
    help="Share of source rows spoiled as real exports are (impossible dates, check digits, …); 0 for none.",
)
@click.option("--profile", help="embedded (default) or stack (needs `lakehouse up`); sets LAKEHOUSE_PROFILE.")
def demo(scale: float, days: int, seed: int, bad_rows: float, profile: str | None) -> None:
    """Simulate the department systems and run the whole pipeline (embedded profile unless --profile)."""
    from ingest.simulator import simulate as run_simulation
    from orchestration import cli_stack
    from orchestration.tables import list_tables

    settings = cli_stack.use_profile(profile)
    if settings.profile != "embedded":
        cli_stack.require_stack(settings)
    started = time.monotonic()
    click.echo(
        f"[1/3] simulating department systems into {settings.sources_dir} (scale {scale}, {days} days)"
    )
    first_day = date.today() - timedelta(days=days - 1)
    summary = run_simulation(
        settings.sources_dir, scale=scale, days=days, seed=seed, start=first_day, bad_rows=bad_rows
    )
    click.echo(f"      {sum(summary.rows.values())} source rows in {len(summary.rows)} datasets")
    click.echo("[2/3] materialising every asset in-process (ingest, mask, dbt, publish)")
    ok = materialize_all()
    click.echo("[3/3] summary")
    tables = list_tables(open_catalog())
    by_zone: dict[str, list] = {}
    for info in tables:
        by_zone.setdefault(info.namespace, []).append(info)
    for zone, infos in sorted(by_zone.items()):
        click.echo(f"      {zone:<16} {len(infos):>3} tables {sum(i.rows for i in infos):>10} rows")
    from orchestration.cli_kpi import echo_demo_summary

    echo_demo_summary()  # both city targets with their top gaps, then the quarantined rows
    if settings.profile != "embedded":
        click.echo(f"      {cli_stack.after_pipeline(settings)}")
    click.echo(
        f"      data: {settings.home}   Dagster UI: make dev   took {time.monotonic() - started:.0f} s"
    )
    if not ok:
        raise click.ClickException("some assets failed (see above)")


def _print_sharing_rate() -> None:
    from governance.sharing.report import gap_lines, rate_lines
    from orchestration.query import QueryError, run_sql

    try:
        rates = run_sql(open_catalog(), "select * from kpi.sharing_rate").to_pylist()
        gaps = run_sql(
            open_catalog(), "select * from kpi.sharing_gaps order by resource_id, reason"
        ).to_pylist()
    except QueryError as exc:
        click.echo(f"      sharing rate not available: {exc}")
        return
    click.echo("      网上共享率 sharing rate by provider department (measured):")
    for line in rate_lines(rates):
        click.echo(f"        {line}")
    click.echo(f"      gaps: {len({g['resource_id'] for g in gaps})} resources not yet shared online")
    for line in gap_lines(gaps):
        click.echo(f"        {line}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def tables(as_json: bool) -> None:
    """Every Iceberg table with its zone, rows, snapshot id and last update."""
    from orchestration.tables import list_tables

    infos = list_tables(open_catalog())
    rows = [
        {
            "namespace": i.namespace,
            "table": i.name,
            "rows": i.rows,
            "snapshot_id": i.snapshot_id,
            "last_updated": i.last_updated,
        }
        for i in infos
    ]
    if as_json:
        echo_json(rows)
    else:
        echo_table(rows, ["namespace", "table", "rows", "snapshot_id", "last_updated"])


@main.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Rows as a JSON list of objects.")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows to print (table output only).")
@click.option("--profile", help="embedded: DuckDB over Iceberg (default); stack: through Trino as --user.")
@click.option(
    "--user", default="steward", show_default=True, help="Trino user (stack profile), e.g. analyst_transport."
)
def sql(query: str, as_json: bool, limit: int, profile: str | None, user: str) -> None:
    """Run one read-only SQL query over the Iceberg tables (zone-qualified names, e.g. exchange.parks)."""
    from orchestration import cli_stack
    from orchestration.query import QueryError, run_sql

    settings = cli_stack.use_profile(profile)
    if settings.profile != "embedded":
        # Through Trino as that user: its access rules, masks and row filters apply, and the query is audited.
        found = cli_stack.trino_sql(settings, user, query)
        rows, column_names = found.rows, found.columns
    else:
        try:
            result = run_sql(open_catalog(), query)
        except QueryError as exc:
            raise click.ClickException(str(exc)) from exc
        rows, column_names = result.to_pylist(), result.column_names
    if as_json:
        echo_json(rows)
        return
    echo_table(rows[:limit], column_names)
    if len(rows) > limit:
        click.echo(f"… {len(rows) - limit} more rows (use --limit or --json)")


@main.command()
@click.argument("dataset")
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True)
def ingest(dataset: str, source: str | None, as_json: bool) -> None:
    """Load one dataset from SOURCE (file, folder or database URL; default LAKEHOUSE_HOME/sources)."""
    from governance.contracts import load_contracts
    from ingest.connectors import SourceError
    from ingest.load import LoadRejected, load_dataset

    contracts = load_contracts()
    if dataset not in contracts:
        raise click.ClickException(f"unknown dataset {dataset!r}; known: {', '.join(sorted(contracts))}")
    location = source or str(load_settings().sources_dir)
    try:
        result = load_dataset(
            contracts[dataset], location, open_catalog(), progress=None if as_json else click.echo
        )
    except (SourceError, LoadRejected) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json(result.as_dict())
        return
    click.echo(
        f"{dataset}: {result.status}; rows in {result.rows_in} = loaded {result.rows_loaded} + quarantined "
        f"{result.rows_quarantined} + duplicates skipped {result.rows_duplicate}; snapshot {result.snapshot_id}"
    )
    for note in result.notes:
        click.echo(f"  note: {note}")


@main.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print every quarantined row as JSON.")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows shown in the table.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every quarantined row (raw record included) to this CSV file, mode 600, for the provider.",
)
def quarantine(dataset: str, as_json: bool, limit: int, csv_path: Path | None) -> None:
    """Rows of DATASET that were quarantined, with where they came from and why."""
    from ingest.audit_tables import QUARANTINE_SCHEMA, read_quarantine

    require_dataset(dataset)
    table, orphaned = read_quarantine(open_catalog(), dataset)
    rows = table.to_pylist()
    if csv_path is not None:
        headers = [(name, name) for name in QUARANTINE_SCHEMA.names]
        write_private_text(csv_path, to_csv(headers, rows))
        click.echo(f"{len(rows)} quarantined rows written to {csv_path}")
        return
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"no quarantined rows for {dataset}")
    else:
        echo_table(rows[:limit], ["load_id", "source", "locator", "column_name", "reason"])
        click.echo(f"{len(rows)} quarantined rows")
    if orphaned:
        click.echo(
            f"({orphaned} rows from interrupted loads not shown; their re-runs quarantined them again)"
        )


@main.group()
def contracts() -> None:
    """Dataset contracts: validate them, regenerate what derives from them."""


@contracts.command("validate")
def contracts_validate() -> None:
    """Load every contract; a broken one fails with its file and field."""
    from governance.contracts import ContractError, load_contracts

    try:
        loaded = load_contracts()
    except ContractError as exc:
        raise click.ClickException(str(exc)) from exc
    for contract in loaded.values():
        click.echo(f"ok  {contract.id:<40} {contract.sharing_type:<14} {contract.source.format}")


@contracts.command("sync-dbt")
def contracts_sync_dbt() -> None:
    """Regenerate dbt sources and staging models from the contracts."""
    from governance.contracts import load_contracts
    from governance.contracts.dbt import sync

    changed = sync(load_contracts(), PROJECT_ROOT / "dbt_project" / "models" / "staging")
    for path in changed:
        click.echo(f"wrote {path.relative_to(PROJECT_ROOT)}")
    click.echo(f"{len(changed)} files changed")


@main.command()
@click.option("--port", type=int, default=3000, show_default=True)
def dev(port: int) -> None:
    """Open the Dagster UI on 127.0.0.1 (embedded profile unless LAKEHOUSE_PROFILE says otherwise)."""
    from infra.dbt_manifest import ensure_manifest

    ensure_manifest()
    settings = load_settings()
    os.environ.setdefault("DAGSTER_HOME", str(settings.home / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(
        str(dagster),
        [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
    )


def _mount_commands() -> None:
    """Command groups live in modules of their own, next to this one; they all hang off `lakehouse`."""
    from orchestration import (
        cli_backup,
        cli_corrections,
        cli_dashboards,
        cli_describe,
        cli_kpi,
        cli_lineage,
        cli_maintain,
        cli_privacy,
        cli_quality,
        cli_sharing,
        cli_stack,
    )

    for command in (
        cli_stack.up,
        cli_stack.down,
        cli_stack.status,
        cli_privacy.scan_pii,
        cli_privacy.mask_text,
        cli_sharing.catalog,
        cli_sharing.request,
        cli_dashboards.dashboards,
        cli_quality.report,
        cli_lineage.lineage,
        cli_describe.describe,
        cli_corrections.correction,
        cli_backup.backup,
        cli_backup.rollback,
        cli_maintain.maintain,
    ):
        main.add_command(command)
    cli_quality.report.add_command(cli_privacy.masking_report)
    cli_quality.report.add_command(cli_sharing.sharing_report, "sharing")
    cli_quality.report.add_command(cli_lineage.audit)
    cli_quality.report.add_command(cli_kpi.kpi)


_mount_commands()


if __name__ == "__main__":  # `python -m orchestration.cli`, as `lakehouse`
    main()

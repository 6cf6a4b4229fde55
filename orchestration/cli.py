"""`lakehouse`: the steward's command line. Every command calls the same library functions as Dagster."""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path

import click

from infra.csv_export import to_csv
from infra.private_files import write_private_text
from infra.settings import PROJECT_ROOT, load_settings
from orchestration.cli_lazy import Lazy, LazyGroup
from orchestration.cli_outage import OutageAwareGroup
from orchestration.cli_output import echo_json, echo_table, open_catalog, require_dataset

# Commands in modules of their own, imported only when run (`lakehouse --help` imports none of them). The
# line is what `--help` shows; tests/unit/orchestration/test_cli_commands.py checks it against the command.
LAZY_COMMANDS = {
    "run": Lazy("orchestration.cli_run:run", "Materialise the selected assets from the hand-over folders."),
    "demo": Lazy(
        "orchestration.cli_run:demo",
        "Simulate the department systems and run the whole pipeline (embedded profile unless --profile).",
    ),
    "up": Lazy(
        "orchestration.cli_stack:up",
        "Install (cached), configure and start PostgreSQL, the S3 API server, Trino and Superset on 127.0.0.1.",
    ),
    "down": Lazy(
        "orchestration.cli_stack:down",
        "Stop every stack process by its recorded PID (SIGKILL after a timeout).",
    ),
    "status": Lazy(
        "orchestration.cli_stack:status", "Health of each stack component (exit code 1 if any is down)."
    ),
    "scan-pii": Lazy(
        "orchestration.cli_privacy:scan_pii",
        "Classify every column of a file or table and count personal data found (values are never shown).",
    ),
    "mask-text": Lazy(
        "orchestration.cli_privacy:mask_text",
        "Mask one string as free-text columns are masked (for a steward checking a rule).",
    ),
    "catalog": Lazy(
        "orchestration.cli_catalog:catalog", "信息资源目录: the resource catalogue built from the contracts."
    ),
    "request": Lazy(
        "orchestration.cli_sharing:request",
        "共享申请: request a conditional resource; check, approve or refuse within the working-day limits.",
    ),
    "dashboards": Lazy(
        "orchestration.cli_dashboards:dashboards",
        "Superset dashboards over Trino (provisioned as code; see orchestration/dashboards/specs.py).",
    ),
    "report": Lazy("orchestration.cli:report_group", "Reports for auditors (quality, masking, sharing)."),
    "lineage": Lazy(
        "orchestration.cli_lineage:lineage",
        "Where TABLE (or one COLUMN of it) comes from and where it goes, column by column: source fields, raw, "
        "staging with the masking policy, dbt's views and marts, the exchange zone.",
    ),
    "describe": Lazy(
        "orchestration.cli_describe:describe",
        "A table's columns: type, 业务名, description, PII class / masking policy, item sharing type.",
    ),
    "correction": Lazy(
        "orchestration.cli_corrections:correction",
        "校核纠错: report a wrong value in a shared table; its provider accepts (with the source fix) or rejects "
        "(with a reason) within 5 working days (Chinese calendar, 调休 included).",
    ),
    "backup": Lazy(
        "orchestration.cli_backup:backup",
        "灾备: point-in-time backups of the catalog, the warehouse files its tables reference and the state databases.",
    ),
    "rollback": Lazy(
        "orchestration.cli_backup:rollback",
        "Undo bad loads of TABLE: make an earlier snapshot current, its load state with it, and record it.",
    ),
    "maintain": Lazy(
        "orchestration.cli_maintain:maintain",
        "Keep storage from only growing: per table, files, bytes and snapshots before/after (Trino on the stack).",
    ),
    "alerts": Lazy(
        "orchestration.cli_alerts:alerts",
        "Recent alerts: failed runs and failed gates, newest first, with their webhook delivery.",
    ),
    "cluster": Lazy(
        "orchestration.cli_cluster:cluster",
        "Kubernetes deployment (infra/cluster/): render its generated inputs.",
    ),
}


class LakehouseGroup(LazyGroup, OutageAwareGroup):
    """`lakehouse`: commands loaded on first use; a failure caused by a dead stack server is one line."""


@click.group(
    cls=LakehouseGroup,
    lazy_commands=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
    from orchestration.pools import write_embedded_instance

    # One sensor-started run at a time: two dbt builds on the embedded DuckDB file collide (ADR 0018).
    write_embedded_instance(Path(os.environ["DAGSTER_HOME"]))
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(
        str(dagster),
        [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
    )


def report_group() -> click.Group:
    """`lakehouse report …`: the group lives in cli_quality, its reports in the modules that make them."""
    from orchestration import cli_kpi, cli_lineage, cli_privacy, cli_quality, cli_sharing

    group = cli_quality.report
    group.add_command(cli_privacy.masking_report)
    group.add_command(cli_sharing.sharing_report, "sharing")
    group.add_command(cli_lineage.audit)
    group.add_command(cli_kpi.kpi)
    return group


if __name__ == "__main__":  # `python -m orchestration.cli`, as `lakehouse`
    main()

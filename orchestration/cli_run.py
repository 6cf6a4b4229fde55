"""`lakehouse run` (the pipeline on what the departments handed over) and `lakehouse demo` (simulate, then run).

Both print one line per asset while the run goes and end with the same summary: rows per zone, the gates'
verdicts, both city KPIs, the quarantined rows and where the log and the reports are. Dagster and its
libraries are imported only when one of them runs.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import click

from orchestration.cli_output import open_catalog

if TYPE_CHECKING:
    from infra.settings import Settings
    from orchestration.run import RunOutcome

INDENT = "      "

SELECT_HELP = (
    "What to materialise (repeatable): a dataset name (its raw, staging and exchange tables) or Dagster's "
    "asset selection syntax: raw_transport/*, exchange/parking_sessions+ (and downstream), +kpi/sharing_rate "
    "(and upstream), group:raw_health, tag:zone=raw, kind:dbt. Default: every asset."
)


def _days(partition: datetime | None, first: datetime | None, last: datetime | None) -> list[str]:
    """The partition keys the day options name (none: the run is not cut by day)."""
    from orchestration.partitions import partition_keys

    if partition is not None and (first is not None or last is not None):
        raise click.UsageError("give either --partition DAY or --from DAY --to DAY, not both")
    if (first is None) != (last is None):
        raise click.UsageError("--from and --to go together (the same day twice for one day)")
    start = partition or first
    if start is None:
        return []
    try:
        return partition_keys(start.date(), (last or start).date())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--partition / --from / --to") from exc


def execute(settings: Settings, selects: tuple[str, ...], days: list[str], started: float) -> RunOutcome:
    """Run, print one line per asset as it finishes, then the summary; raises (exit 1) if an asset failed."""
    from orchestration.run import SelectionError, run_assets

    what = ", ".join(selects) if selects else "every asset"
    when = f" for {days[0]}" + (f" … {days[-1]} ({len(days)} days)" if len(days) > 1 else "") if days else ""
    click.echo(f"running {what}{when} on the {settings.profile} profile from {settings.sources_dir}")
    try:
        outcome = run_assets(selects, days, progress=click.echo)
    except SelectionError as exc:
        raise click.BadParameter(str(exc), param_hint="--select") from exc
    summarise(settings, outcome, started)
    if outcome.failed or not outcome.success:
        failed = ", ".join(f"{a.asset}: {a.error}" for a in outcome.failed) or "see the log"
        raise click.ClickException(f"{len(outcome.failed)} asset(s) failed — {failed}")
    return outcome


def summarise(settings: Settings, outcome: RunOutcome, started: float) -> None:
    """Rows per zone, gates, both KPIs with their top gaps, quarantined rows, where the log and reports are."""
    from orchestration.cli_kpi import echo_demo_summary
    from orchestration.tables import list_tables

    done = sum(a.status == "materialised" for a in outcome.assets)
    unchanged = sum(a.note == "unchanged" for a in outcome.assets)
    skipped = (
        f" ({unchanged} unchanged since their last run: not started or work skipped)" if unchanged else ""
    )
    click.echo(f"summary: {done} of {len(outcome.assets)} assets materialised{skipped}")
    by_zone: dict[str, list] = {}
    for info in list_tables(open_catalog()):
        by_zone.setdefault(info.namespace, []).append(info)
    for zone, infos in sorted(by_zone.items()):
        click.echo(f"{INDENT}{zone:<16} {len(infos):>3} tables {sum(i.rows for i in infos):>10} rows")
    click.echo(f"{INDENT}gates: {outcome.gates_passed} passed, {len(outcome.gates_failed)} failed")
    for failed in outcome.gates_failed[:10]:
        click.echo(f"{INDENT}  ✘ {failed}")
    if len(outcome.gates_failed) > 10:
        click.echo(f"{INDENT}  … {len(outcome.gates_failed) - 10} more (lakehouse report quality)")
    echo_demo_summary(INDENT)  # both city targets with their top gaps, then the quarantined rows
    click.echo(
        f"{INDENT}reports: {settings.reports_dir} (lakehouse report quality|masking|sharing|kpi|audit)"
    )
    click.echo(f"{INDENT}run log (Dagster and dbt): {outcome.log_path}")
    click.echo(
        f"{INDENT}data: {settings.home}   Dagster UI: make dev   took {time.monotonic() - started:.0f} s"
    )


@click.command("run")
@click.option("--select", "selects", multiple=True, metavar="SELECTION", help=SELECT_HELP)
@click.option(
    "--partition",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DAY",
    help="One day (China time) of the daily-partitioned event datasets; the others run once.",
)
@click.option(
    "--from",
    "first",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DAY",
    help="First day of a backfill (with --to).",
)
@click.option(
    "--to",
    "last",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DAY",
    help="Last day of a backfill, inclusive.",
)
@click.option("--profile", help="embedded (default) or stack (needs `lakehouse up`); sets LAKEHOUSE_PROFILE.")
def run(
    selects: tuple[str, ...],
    partition: datetime | None,
    first: datetime | None,
    last: datetime | None,
    profile: str | None,
) -> None:
    """Materialise the selected assets from the hand-over folders.

    Reads what the department systems handed over (LAKEHOUSE_HOME/sources; nothing is simulated), one line
    per asset (status, rows, seconds), the full Dagster and dbt log in LAKEHOUSE_HOME/logs/, then rows per
    zone, gates, both KPIs and the quarantined rows. Exits 1 naming each failed asset.

    Without days, the raw loads run first, except a file hand-over whose files are all loaded already (its
    freshness is still checked); an asset whose code, inputs and table did not change since its last run is
    then not started and shows as `unchanged` (set LAKEHOUSE_RUN_UNCHANGED=1 to start every selected asset;
    each still skips its own unchanged work). See docs/adr/0017-skip-unchanged-work.md.
    """
    from orchestration import cli_stack

    started = time.monotonic()
    settings = cli_stack.use_profile(profile)
    days = _days(partition, first, last)
    if settings.profile != "embedded":
        cli_stack.require_stack(settings)
    try:
        execute(settings, selects, days, started)
    finally:  # new marts and catalogue entries change who may read what, even after a partial run
        if settings.profile != "embedded":
            click.echo(f"{INDENT}{cli_stack.after_pipeline(settings)}")


@click.command("demo")
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

    started = time.monotonic()
    settings = cli_stack.use_profile(profile)
    if settings.profile != "embedded":
        cli_stack.require_stack(settings)
    click.echo(f"simulating department systems into {settings.sources_dir} (scale {scale}, {days} days)")
    first_day = date.today() - timedelta(days=days - 1)
    summary = run_simulation(
        settings.sources_dir, scale=scale, days=days, seed=seed, start=first_day, bad_rows=bad_rows
    )
    click.echo(f"{INDENT}{sum(summary.rows.values())} source rows in {len(summary.rows)} datasets")
    try:
        execute(settings, (), [], started)
    finally:
        if settings.profile != "embedded":
            click.echo(f"{INDENT}{cli_stack.after_pipeline(settings)}")

"""`lakehouse report kpi [--json] [--top N]`: both city targets side by side, and the demo's short form.

网上共享率 (kpi.sharing_rate, kpi.sharing_gaps) and 网上预审率 (kpi.online_prereview_rate) with their gap
lists, in the terminal and as one offline HTML page under $LAKEHOUSE_HOME/reports/kpi/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orchestration.cli_output import echo_json, open_catalog

if TYPE_CHECKING:  # governance is imported only when a command runs, to keep `lakehouse --help` fast
    from governance.kpi_report import KpiReport

KPI_COMMAND = "lakehouse report kpi"
QUARANTINE_COMMAND = "lakehouse quarantine DATASET"


def write_page(report: KpiReport) -> str:
    from governance.kpi_report import to_html
    from infra.private_files import write_private_text
    from infra.settings import load_settings

    folder = load_settings().reports_dir / "kpi"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    write_private_text(path, to_html(report))
    return str(path)


@click.command("kpi")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (every KPI row and gap).")
@click.option("--top", type=int, default=None, help="Show only the first N gaps of each list.")
def kpi(as_json: bool, top: int | None) -> None:
    """网上共享率 and 网上预审率 against their 100% targets, with the gaps (resources not shared online;
    approval items and departments below 100%, with counts) and when each KPI was measured. Also writes
    reports/kpi/index.html (inline SVG, no network)."""
    from governance.kpi_report import KpiNotAvailable, as_dict, read_report, summary_lines

    try:
        report = read_report(open_catalog())
    except KpiNotAvailable as exc:
        raise click.ClickException(str(exc)) from exc
    page = write_page(report)
    if as_json:
        echo_json(as_dict(report) | {"html": page})
        return
    for line in summary_lines(report, top=top):
        click.echo(line)
    click.echo(f"page: {page}")


def echo_demo_summary(indent: str = "      ", top: int = 3) -> None:
    """What the demo ends with: both KPIs with their top gaps, quarantined rows, and where to read more."""
    from governance.kpi_report import KpiNotAvailable, read_report, summary_lines

    try:
        report = read_report(open_catalog())
    except KpiNotAvailable as exc:
        click.echo(f"{indent}KPIs not available: {exc}")
    else:
        for line in summary_lines(report, top=top):
            click.echo(indent + line)
        click.echo(f"{indent}  all gaps, JSON and the HTML page: {KPI_COMMAND}")
    echo_quarantine_summary(indent, top)


def echo_quarantine_summary(indent: str = "      ", top: int = 3) -> None:
    from orchestration.tables import list_tables

    held = sorted(
        ((t.name, t.rows) for t in list_tables(open_catalog()) if t.namespace == "quarantine" and t.rows > 0),
        key=lambda item: (-item[1], item[0]),
    )
    total = sum(rows for _, rows in held)
    click.echo(f"{indent}quarantined: {total} rows in {len(held)} datasets")
    if held:
        shown = ", ".join(f"{name} {rows}" for name, rows in held[:top])
        more = f", … {len(held) - top} more" if len(held) > top else ""
        click.echo(f"{indent}  {shown}{more}")
        click.echo(f"{indent}  read them: {QUARANTINE_COMMAND} (e.g. lakehouse quarantine {held[0][0]})")

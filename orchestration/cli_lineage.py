"""`lakehouse lineage TABLE[.COLUMN]` and `lakehouse report audit [TABLE]`: lineage and the auditors' dossier."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestration.cli_output import echo_json, open_catalog, require_table

if TYPE_CHECKING:
    from governance.lineage import Edge, Hop
    from governance.lineage.current import CurrentLineage

ARROW = {True: "←", False: "→"}


def load_current() -> CurrentLineage:
    """The newest recorded lineage, or the project's computed now when no run has recorded any."""
    from governance.lineage import extract
    from governance.lineage.current import current_lineage
    from infra.settings import load_settings
    from ingest.connectors import source_field_names

    scratch = load_settings().home / "lineage" / "dbt-target"
    return current_lineage(open_catalog(), lambda: extract(source_field_names, scratch=scratch))


def _name(table: str, column: str | None) -> str:
    return table if column is None else f"{table}.{column}"


def _label(edge: Edge) -> str:
    policy = f", policy {edge.policy_id}" if edge.policy_id else ""
    return f"[{edge.producer}: {edge.transform}{policy}]"


def _echo_tree(start: tuple[str, str | None], hops: list[Hop], upstream: bool) -> None:
    children: dict[tuple[str, str | None], list[Hop]] = {}
    for hop in hops:
        children.setdefault(hop.via, []).append(hop)
    printed: set[tuple[str, str | None]] = set()

    def walk(node: tuple[str, str | None], depth: int) -> None:
        for hop in children.get(node, []):
            after = hop.node(upstream)
            click.echo(f"{'  ' * depth}{ARROW[upstream]} {_name(*after)}  {_label(hop.edge)}")
            if after not in printed:  # a node reached twice is expanded once
                printed.add(after)
                walk(after, depth + 1)

    walk(start, 1)


def _hop_json(hop: Hop) -> dict:
    edge = hop.edge
    return {
        "depth": hop.depth,
        "from": _name(edge.from_table, edge.from_column),
        "to": _name(edge.to_table, edge.to_column),
        "producer": edge.producer,
        "transform": edge.transform,
        "policy_id": edge.policy_id,
        "contract_version": edge.contract_version,
    }


@click.command("lineage")
@click.argument("name", metavar="TABLE[.COLUMN]")
@click.option("--upstream", "direction", flag_value="upstream", help="Only where it comes from.")
@click.option("--downstream", "direction", flag_value="downstream", help="Only where it goes.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def lineage(name: str, direction: str | None, as_json: bool) -> None:
    """Where TABLE (or one COLUMN of it) comes from and where it goes, column by column: source fields, raw,
    staging with the masking policy, dbt's views and marts, the exchange zone.

    Answers from governance.lineage_edges (the newest recorded run); before any run it computes the
    lineage from the contracts and dbt's compiled SQL. Examples: `lakehouse lineage
    exchange.enterprise_profile.legal_representative --upstream`, `lakehouse lineage raw_transport.parking_sessions`.
    """
    from governance.lineage import UnknownNode

    current = load_current()
    try:
        table, column = current.graph.resolve(name)
    except UnknownNode as exc:
        raise click.ClickException(str(exc)) from exc
    directions = [direction] if direction else ["upstream", "downstream"]
    walks = {
        d: current.graph.upstream(table, column)
        if d == "upstream"
        else current.graph.downstream(table, column)
        for d in directions
    }
    if as_json:
        payload: dict = {"table": table, "column": column, "lineage": current.describe()}
        payload |= {d: [_hop_json(h) for h in hops] for d, hops in walks.items()}
        echo_json(payload)
        return
    click.echo(f"{_name(table, column)}  ({current.describe()})")
    for d, hops in walks.items():
        click.echo(f"{d}:" if hops else f"{d}: none")
        _echo_tree((table, column), hops, upstream=d == "upstream")


@click.command("audit")
@click.argument("table", required=False)
@click.option("--queries", type=int, default=20, show_default=True, help="Last queries shown per table.")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Default LAKEHOUSE_HOME/reports/audit."
)
def audit(table: str | None, queries: int, out: Path | None) -> None:
    """The auditors' dossier: one offline HTML page per exchange / kpi table (or TABLE only) and an index,
    in Chinese with English identifiers, China time: lineage graph, columns with origin, transforms, masking
    and PII class, quality gates on the path, access (catalogue, grants, readers), queries, loads."""
    from governance.dossier import build_dossier
    from infra.settings import load_settings

    settings = load_settings()
    target = out or settings.reports_dir / "audit"
    catalog = open_catalog()
    if table is not None:
        require_table(table, catalog)  # a typo gets the closest shared tables, before lineage is computed
    try:
        written = build_dossier(catalog, load_current(), target, only=table, queries=queries)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written.pages:
        click.echo(f"wrote {path}")
    click.echo(f"index: {written.index}")

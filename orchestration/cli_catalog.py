"""`lakehouse catalog …`: the resource catalogue (信息资源目录): source resources from the contracts and the dbt
marts derived from them (docs/adr/0013-marts-in-the-catalogue.md), with the grants in force."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestration.cli_output import (
    echo_json,
    echo_table,
    open_catalog,
    require_department,
    require_resource,
)

if TYPE_CHECKING:
    from governance.access.grant import Grant

KIND_MARKS = {"source": "", "mart": "mart"}
DERIVED = ("sharing_type", "open_type", "classification", "update_frequency")


def _store():
    from governance.sharing.service import open_store

    return open_store()


def _plain(entry: dict) -> dict:
    """An entry as JSON shows it: items and derivation as objects, not JSON text."""
    from governance.catalogue import resource_kind
    from governance.catalogue_marts import derived_from

    shown = {k: v for k, v in entry.items() if k not in ("columns_json", "derived_from")}
    return shown | {"resource_kind": resource_kind(entry), "derived_from": derived_from(entry)}


# catalog -------------------------------------------------------------------------------------------------


@click.group("catalog")
def catalog() -> None:
    """信息资源目录: the resource catalogue built from the contracts."""


@catalog.command("list")
@click.option("--department", help="Only resources this department provides.")
@click.option("--sharing-type", type=click.Choice(["unconditional", "conditional", "not_shared"]))
@click.option(
    "--kind", type=click.Choice(["source", "mart"]), help="Only source resources, or only dbt marts."
)
@click.option("--json", "as_json", is_flag=True)
def catalog_list(department: str | None, sharing_type: str | None, kind: str | None, as_json: bool) -> None:
    """One line per resource: provider, 共享属性, 开放属性, 更新周期, classification, exchange table; dbt
    marts (derived from their inputs, provided by the data office) are marked `mart`."""
    from governance.catalogue import read_catalogue, resource_kind

    require_department(department)
    entries = [
        e
        for e in read_catalogue(open_catalog())
        if (department is None or e["provider_department"] == department)
        and (sharing_type is None or e["sharing_type"] == sharing_type)
        and (kind is None or resource_kind(e) == kind)
    ]
    if as_json:
        echo_json([_plain(e) for e in entries])
        return
    echo_table(
        [e | {"kind": KIND_MARKS[resource_kind(e)]} for e in entries],
        [
            "kind",
            "resource_id",
            "title",
            "provider_department",
            "sharing_type_label",
            "open_type_label",
            "update_frequency_label",
            "classification_label",
            "exchange_table",
        ],
    )


@catalog.command("show")
@click.argument("resource")
@click.option("--json", "as_json", is_flag=True)
def catalog_show(resource: str, as_json: bool) -> None:
    """One resource (or dbt mart) with its data items (信息项) and who reads it: the grants in force on a
    resource; a mart's inputs, which of them decided each derived attribute, and its readers now."""
    from governance.catalogue import entry_items, read_catalogue
    from governance.catalogue_marts import derived_from
    from governance.sharing.grants import live_grants

    entry = require_resource(resource, read_catalogue(open_catalog()))
    items = entry_items(entry)
    derivation = derived_from(entry)
    grants = live_grants(store=_store())
    on_it = [g for g in grants if g.resource == entry["dataset"]] if derivation is None else []
    readers = _mart_readers(entry, grants) if derivation is not None else None
    corrections = _corrections_of(entry)
    if as_json:
        payload = _plain(entry) | {"items": items, "grants": [_grant_json(g) for g in on_it]}
        payload["corrections"] = corrections.as_dict() if corrections is not None else None
        if readers is not None:
            payload["readers"] = readers
        echo_json(payload)
        return
    for key in (
        "resource_id",
        "title",
        "purpose",
        "provider_department_name",
        "sharing_type_label",
        "open_type_label",
        "update_frequency_label",
        "classification_label",
        "legal_basis",
        "exchange_table",
    ):
        if entry.get(key):
            click.echo(f"{key:<26} {entry[key]}")
    click.echo("")
    shown = [{k: "" if v is None else v for k, v in item.items()} for item in items]
    echo_table(shown, ["name", "label", "type", "sharing_type_label", "pii_label", "masking_label"])
    click.echo("")
    if derivation is not None:
        _echo_derivation(derivation, readers or {})
    elif on_it:
        click.echo("live grants:")
        rows = [
            {
                "department": g.department,
                "columns": ",".join(g.columns),
                "row_filter": g.row_condition or "",
                "expires_at": g.expires_at,
                "grant_id": g.grant_id,
            }
            for g in on_it
        ]
        echo_table(rows, ["department", "columns", "row_filter", "expires_at", "grant_id"])
    elif entry["sharing_type"] == "conditional":
        click.echo("live grants: none (only the provider reads it)")
    if corrections is not None and corrections.open:
        click.echo(
            f"校核纠错 open corrections: {corrections.open} ({corrections.overdue} overdue, next answer due "
            f"{corrections.next_due}); see `lakehouse correction list --table {corrections.table}`"
        )


def _corrections_of(entry: dict):
    """Open correction tickets of the shared table behind an entry (None: nothing is shared to correct)."""
    from governance.corrections.summary import correction_summary

    table = entry.get("exchange_table") or (entry["resource_id"] if "." in entry["resource_id"] else None)
    return correction_summary(table) if table else None


def _mart_readers(entry: dict, grants: list[Grant]) -> dict[str, str]:
    """Who reads the mart now and how, as the access policy (and so Trino) answers with the live grants."""
    from governance.access.policy import project_policy

    readers = project_policy(grants).readers(entry["exchange_table"])
    return {reader: access.kind for reader, access in sorted(readers.items())}


def _echo_derivation(derivation: dict, readers: dict[str, str]) -> None:
    """A mart's inputs, the input(s) that decided each derived attribute (marked *), and its readers now."""
    from infra.vocabulary import SHARING_TYPES

    decided = derivation["decided_by"]
    rule = derivation["sharing_rule"]
    click.echo(f"derived from its inputs (* decided the attribute; 共享属性 rule: {rule}):")
    rows = [
        {"dataset": i["dataset"], "provider": i["provider_department"]}
        | {a: i[a] + ("*" if i["dataset"] in decided[a] else "") for a in DERIVED}
        for i in derivation["inputs"]
    ]
    echo_table(rows, ["dataset", "provider", *DERIVED])
    click.echo("")
    click.echo("readers now: " + ", ".join(f"{r} ({kind})" for r, kind in readers.items()))
    inputs = derivation["inputs"]
    closed = [i["dataset"] for i in inputs if i["sharing_type"] not in ("unconditional", "conditional")]
    wanted = [i["dataset"] for i in inputs if i["sharing_type"] == "conditional"]
    if closed:
        click.echo(
            f"reads {', '.join(closed)} (不予共享): only departments providing every such input read it"
        )
    elif wanted and derivation["sharing_type"] != "unconditional":
        click.echo(
            f"{SHARING_TYPES['conditional']}: a department reads it once it may read every input; request "
            f"{', '.join(wanted)} without a row condition (a mart itself is not requested)"
        )


def _grant_json(grant) -> dict:
    """A grant as `catalog show --json` has always shown it."""
    return {
        "grant_id": grant.grant_id,
        "department": grant.department,
        "resource": grant.resource,
        "table": str(grant.table),
        "columns": grant.columns,
        "row_filter": grant.row_condition,
        "provider_department": grant.provider_department,
        "granted_at": grant.granted_at,
        "expires_at": grant.expires_at,
    }


@catalog.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dcat", "csv", "csv-items"]),
    default="dcat",
    show_default=True,
    help="dcat: DCAT-AP JSON-LD; csv: one row per resource; csv-items: one row per data item (信息项).",
)
@click.option("--out", type=click.Path(path_type=Path), help="File to write (default: standard output).")
def catalog_export(fmt: str, out: Path | None) -> None:
    """The catalogue for the provincial/national platform (DCAT-AP JSON-LD, or CSV with Chinese headers)."""
    from governance.catalogue import read_catalogue
    from governance.sharing.deadlines import now_cst
    from governance.sharing.exports import items_to_csv, to_csv, to_dcat_jsonld

    entries = read_catalogue(open_catalog())
    if fmt == "dcat":
        text = to_dcat_jsonld(entries, issued=now_cst())
    elif fmt == "csv":
        text = to_csv(entries)
    else:
        text = items_to_csv(entries)
    if out is None:
        click.echo(text.removeprefix("\ufeff"), nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="")
    click.echo(f"wrote {len(entries)} resources to {out}")

"""`lakehouse catalog …`: the resource catalogue (信息资源目录) built from the contracts, with the grants in force."""

from __future__ import annotations

from pathlib import Path

import click

from orchestration.cli_output import echo_json, echo_table, open_catalog


def _store():
    from governance.sharing.service import open_store

    return open_store()


def _find_entry(entries: list[dict], resource: str) -> dict:
    for entry in entries:
        if resource in (entry["dataset"], entry["resource_id"]):
            return entry
    raise click.ClickException(f"no resource {resource!r}; see `lakehouse catalog list`")


# catalog -------------------------------------------------------------------------------------------------


@click.group("catalog")
def catalog() -> None:
    """信息资源目录: the resource catalogue built from the contracts."""


@catalog.command("list")
@click.option("--department", help="Only resources this department provides.")
@click.option("--sharing-type", type=click.Choice(["unconditional", "conditional", "not_shared"]))
@click.option("--json", "as_json", is_flag=True)
def catalog_list(department: str | None, sharing_type: str | None, as_json: bool) -> None:
    """One line per resource: provider, 共享属性, 开放属性, 更新周期, classification, exchange table."""
    from governance.catalogue import read_catalogue

    entries = [
        e
        for e in read_catalogue(open_catalog())
        if (department is None or e["provider_department"] == department)
        and (sharing_type is None or e["sharing_type"] == sharing_type)
    ]
    if as_json:
        echo_json([{k: v for k, v in e.items() if k != "columns_json"} for e in entries])
        return
    echo_table(
        entries,
        [
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
    """One resource with its data items (信息项) and the grants in force on it."""
    from governance.catalogue import entry_items, read_catalogue
    from governance.sharing.grants import live_grants

    entry = _find_entry(read_catalogue(open_catalog()), resource)
    items = entry_items(entry)
    grants = [g for g in live_grants(store=_store()) if g.resource == entry["dataset"]]
    if as_json:
        echo_json(
            {
                **{k: v for k, v in entry.items() if k != "columns_json"},
                "items": items,
                "grants": [_grant_json(g) for g in grants],
            }
        )
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
    if grants:
        click.echo("live grants:")
        rows = [
            {
                "department": g.department,
                "columns": ",".join(g.columns),
                "row_filter": g.row_condition or "",
                "expires_at": g.expires_at,
                "grant_id": g.grant_id,
            }
            for g in grants
        ]
        echo_table(rows, ["department", "columns", "row_filter", "expires_at", "grant_id"])
    elif entry["sharing_type"] == "conditional":
        click.echo("live grants: none (only the provider reads it)")


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

"""`lakehouse describe TABLE`: a table's columns with their business names, descriptions, personal-data class,
masking policy and item-level sharing type, from the same docs the Iceberg tables, Trino and Superset carry
(governance.column_docs) and the contract."""

from __future__ import annotations

import difflib
from typing import Any

import click

from orchestration.cli_output import echo_json, echo_table, open_catalog

HEADERS = {
    "column": "column",
    "type": "type",
    "business_name": "业务名",
    "description": "description",
    "personal_data": "PII / 脱敏",
    "sharing_type": "共享属性",
}


def _known_tables(catalog: Any) -> set[str]:
    """Tables in the catalog and those a contract or mart will publish (so a fresh home can describe them)."""
    from governance.catalogue import exchange_table
    from governance.contracts import load_contracts
    from infra.dbt_manifest import load_manifest

    known = {
        ".".join(identifier) for ns in catalog.list_namespaces() for identifier in catalog.list_tables(ns)
    }
    for contract in load_contracts().values():
        known.update({contract.raw_table, f"staging.{contract.name}"})
        known.update(filter(None, [exchange_table(contract)]))
    known.update(model.table for model in load_manifest().marts())
    return known


def require_table(name: str, known: set[str]) -> str:
    """``name`` if it is a known table; otherwise a usage error naming the closest tables."""
    if name in known:
        return name
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else "see `lakehouse tables`"
    raise click.BadParameter(f"no table {name!r}; {hint}", param_hint="TABLE")


def describe_table(catalog: Any, table: str) -> dict[str, Any]:
    """The description `lakehouse describe` prints, as data (also its --json)."""
    from governance.catalogue import item_sharing_type
    from governance.column_docs import table_doc
    from governance.contracts import load_contracts
    from infra.zones import TableName

    name = TableName.parse(table)
    doc = table_doc(name)
    contract = load_contracts().get(name.table) if doc.source == "contract" else None
    raw = contract is not None and name == contract.raw_table
    types: dict[str, str] = {}
    if catalog.table_exists(name):
        types = {f.name: str(f.field_type) for f in catalog.load_table(name).schema().fields}
    names = list(types) or [c.name for c in doc.columns]
    columns = []
    for column_name in names:
        column_doc = doc.column(column_name)
        item = (
            contract.column(column_name)
            if contract and column_name in {c.name for c in contract.columns}
            else None
        )
        columns.append(
            {
                "column": column_name,
                "type": types.get(column_name) or (item.logical_type if item else ""),
                "business_name": column_doc.business_name if column_doc else None,
                "description": column_doc.description if column_doc else None,
                "pii": item.pii if item else None,
                "sensitive": item.sensitive if item else None,
                "masking": item.masking if item else None,
                # raw holds the values as the source gave them: the policy is applied on the way to staging
                "masked_here": bool(item and not raw and item.masking != "keep"),
                "sharing_type": item_sharing_type(contract, item) if item and contract else None,
            }
        )
    return {
        "table": str(name),
        "title": doc.title,
        "description": doc.description,
        "docs_from": doc.source,
        "built": bool(types),
        "columns": columns,
    }


def _personal(column: dict[str, Any]) -> str:
    if column["pii"] is None and column["masking"] is None:
        return ""
    text = f"{column['pii'] or 'none'} / {column['masking']}"
    if column["masking"] != "keep" and not column["masked_here"]:
        text += " (未脱敏 raw)"
    return text + (f" · {column['sensitive']}" if column["sensitive"] else "")


@click.command()
@click.argument("table")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def describe(table: str, as_json: bool) -> None:
    """A table's columns: type, 业务名, description, PII class / masking policy, item sharing type."""
    catalog = open_catalog()
    found = describe_table(catalog, require_table(table, _known_tables(catalog)))
    if as_json:
        echo_json(found)
        return
    title = f"{found['table']}  {found['title'] or ''}".rstrip()
    click.echo(title)
    if found["description"]:
        click.echo(f"  {found['description']}")
    if not found["built"]:
        click.echo("  (not built yet: columns from its contract or model)")
    rows = [
        {
            "column": c["column"],
            "type": c["type"],
            "business_name": c["business_name"] or "",
            "description": c["description"] or "",
            "personal_data": _personal(c),
            "sharing_type": c["sharing_type"] or "",
        }
        for c in found["columns"]
    ]
    click.echo("")
    echo_table([{HEADERS[k]: v for k, v in row.items()} for row in rows], list(HEADERS.values()))

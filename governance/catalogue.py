"""The resource catalogue (信息资源目录): one entry per source resource (from its contract) and per dbt mart
(derived from its inputs, docs/adr/0013-marts-in-the-catalogue.md).

``resource_kind`` tells them apart (``source`` | ``mart``); a mart's ``derived_from`` (JSON) shows how its
attributes follow from its inputs'. Source entries are made in `governance.catalogue_sources`, mart entries
in `governance.catalogue_marts`; this module puts them together, fixes the table's schema and reads what was
published.
"""

from __future__ import annotations

import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.catalogue_marts import MART, mart_entries
from governance.catalogue_sources import (
    SOURCE,
    CatalogueError,
    catalogue_entry,
    catalogue_items,
    check_listable,
    entry_items,
    exchange_table,
    item_sharing_type,
)
from governance.contracts import DatasetContract
from infra.dbt_manifest import DbtManifest
from infra.zones import RESOURCE_CATALOGUE

__all__ = [
    "CATALOGUE_SCHEMA",
    "MART",
    "SOURCE",
    "CatalogueError",
    "build_catalogue",
    "catalogue_entry",
    "catalogue_items",
    "check_listable",
    "entry_items",
    "exchange_table",
    "item_sharing_type",
    "read_catalogue",
    "resource_kind",
]

CATALOGUE_SCHEMA = pa.schema(
    [
        pa.field("resource_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("purpose", pa.string()),
        pa.field("domain", pa.string(), nullable=False),  # a mart's: its inputs' domains, comma-separated
        pa.field("provider_department", pa.string(), nullable=False),
        pa.field("provider_department_name", pa.string(), nullable=False),
        pa.field("sharing_type", pa.string(), nullable=False),
        pa.field("sharing_type_label", pa.string(), nullable=False),
        pa.field("open_type", pa.string(), nullable=False),
        pa.field("open_type_label", pa.string(), nullable=False),
        pa.field("update_frequency", pa.string(), nullable=False),
        pa.field("update_frequency_label", pa.string(), nullable=False),
        pa.field("classification", pa.string(), nullable=False),
        pa.field("classification_label", pa.string(), nullable=False),
        pa.field("legal_basis", pa.string()),
        pa.field("raw_table", pa.string()),  # a mart has none
        pa.field("exchange_table", pa.string()),
        pa.field("contract_version", pa.string(), nullable=False),
        pa.field("columns_json", pa.string(), nullable=False),
        # Always written; optional only because Iceberg cannot add a required column to a catalogue
        # published before marts were catalogued (the publication evolves the schema in place).
        pa.field("resource_kind", pa.string()),
        pa.field("derived_from", pa.string()),  # marts only: inputs, their attributes, which decided
    ]
)


def resource_kind(entry: dict) -> str:
    """``source`` or ``mart``; an entry published before marts were catalogued is a source."""
    return entry.get("resource_kind") or SOURCE


def _sort_key(entry: dict) -> tuple[bool, str]:
    return resource_kind(entry) == MART, entry["resource_id"]


def build_catalogue(
    contracts: dict[str, DatasetContract], manifest: DbtManifest | None = None, *, marts: bool = True
) -> pa.Table:
    """Every source resource, then every dbt mart of ``manifest`` (default: the project's) derived from
    them. ``marts=False`` lists the sources alone (a set of contracts that cannot derive every mart)."""
    entries = [catalogue_entry(c) for c in sorted(contracts.values(), key=lambda c: c.id)]
    if marts:
        entries += mart_entries(contracts, manifest)
    return pa.Table.from_pylist(entries, schema=CATALOGUE_SCHEMA)


def read_catalogue(
    catalog: Catalog | None, contracts: dict[str, DatasetContract] | None = None
) -> list[dict]:
    """The published catalogue (what the platform offers) or, before its first publication, the contracts'.

    A catalogue published before marts were catalogued (no ``resource_kind`` column) is read as its
    sources, with the marts derived now from the contracts, until the next publication replaces it."""
    if catalog is not None and catalog.table_exists(RESOURCE_CATALOGUE):
        table = catalog.load_table(RESOURCE_CATALOGUE)
        rows = table.scan().to_arrow().to_pylist()
        if rows:
            if "resource_kind" not in {f.name for f in table.schema().fields}:
                rows = [{**r, "resource_kind": SOURCE, "derived_from": None} for r in rows]
                rows += mart_entries(contracts if contracts is not None else _load_contracts())
            return sorted(rows, key=_sort_key)
    if contracts is None:
        contracts = _load_contracts()
    return build_catalogue(contracts).to_pylist()


def _load_contracts() -> dict[str, DatasetContract]:
    from governance.contracts import load_contracts

    return load_contracts()

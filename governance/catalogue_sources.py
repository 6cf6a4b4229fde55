"""Catalogue entries of source resources (信息资源), one per contract, with their item-level (信息项) attributes.

Each entry carries its item-level sharing attributes in ``columns_json``. Contract validation already
refuses secret data and a 不予共享 resource without a legal basis; the catalogue checks both again because it
is what leaves the data centre (exports to the provincial/national platform).

The whole catalogue (sources and dbt marts) is put together in `governance.catalogue`; this module sits
below it so that the access resources (`governance.access.resources`), which marts' entries are derived
from, can read a source's entry without an import circle.
"""

from __future__ import annotations

import json

from governance.contracts import Column, DatasetContract
from infra.vocabulary import (
    CLASSIFICATIONS,
    DEPARTMENTS,
    MASKING_POLICIES,
    OPEN_TYPES,
    PII_CLASSES,
    REFUSED_CLASSIFICATIONS,
    SHARING_TYPES,
    UPDATE_FREQUENCIES,
)
from infra.zones import EXCHANGE

SOURCE = "source"  # resource_kind of an entry made from a contract


def exchange_table(contract: DatasetContract) -> str | None:
    """Where a resource is served to other departments; resources not shared by law have none."""
    return None if contract.sharing_type == "not_shared" else EXCHANGE.table(contract.name)


class CatalogueError(ValueError):
    """A resource that may not be listed in the catalogue."""


def item_sharing_type(contract: DatasetContract, column: Column) -> str:
    """A data item is shared as its resource is, except a column the masking drops or the contract
    withholds at item level (``sharing_type: not_shared``, e.g. a sensitive one kept for aggregates)."""
    withheld = column.masking == "drop" or column.sharing_type == "not_shared"
    return "not_shared" if withheld else contract.sharing_type


def catalogue_items(contract: DatasetContract) -> list[dict]:
    """Item-level (信息项) sharing attributes, one per contract column."""
    items = []
    for c in contract.columns:
        sharing = item_sharing_type(contract, c)
        items.append(
            {
                "name": c.name,
                "label": c.label,
                "type": c.logical_type,
                "pii": c.pii,
                "pii_label": PII_CLASSES.get(c.pii) if c.pii else None,
                "masking": c.masking,
                "masking_label": MASKING_POLICIES[c.masking],
                "sharing_type": sharing,
                "sharing_type_label": SHARING_TYPES[sharing],
                "shared": sharing != "not_shared",
            }
        )
    return items


def check_listable(contract: DatasetContract) -> None:
    classification = str(contract.classification)
    if classification in REFUSED_CLASSIFICATIONS or classification not in CLASSIFICATIONS:
        raise CatalogueError(
            f"{contract.id}: classification {classification!r} is refused (国家秘密/工作秘密 never enter)"
        )
    if contract.sharing_type == "not_shared" and not (contract.legal_basis or "").strip():
        raise CatalogueError(f"{contract.id}: 不予共享 without a cited legal basis")


def catalogue_entry(contract: DatasetContract) -> dict:
    check_listable(contract)
    columns = catalogue_items(contract)
    return {
        "resource_id": contract.id,
        "dataset": contract.name,
        "title": contract.title,
        "purpose": contract.purpose,
        "domain": contract.domain,
        "provider_department": contract.provider_department,
        "provider_department_name": DEPARTMENTS[contract.provider_department],
        "sharing_type": contract.sharing_type,
        "sharing_type_label": SHARING_TYPES[contract.sharing_type],
        "open_type": contract.open_type,
        "open_type_label": OPEN_TYPES[contract.open_type],
        "update_frequency": contract.update_frequency,
        "update_frequency_label": UPDATE_FREQUENCIES[contract.update_frequency],
        "classification": contract.classification,
        "classification_label": CLASSIFICATIONS[contract.classification],
        "legal_basis": contract.legal_basis,
        "raw_table": contract.raw_table,
        "exchange_table": exchange_table(contract),
        "contract_version": contract.version,
        "columns_json": json.dumps(columns, ensure_ascii=False),
        "resource_kind": SOURCE,
        "derived_from": None,
    }


def entry_items(entry: dict) -> list[dict]:
    return json.loads(entry["columns_json"])

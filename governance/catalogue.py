"""The resource catalogue (信息资源目录), built from the contracts: one entry per resource."""

from __future__ import annotations

import json

import pyarrow as pa

from governance.contracts import DatasetContract
from governance.vocabulary import (
    CLASSIFICATIONS,
    DEPARTMENTS,
    OPEN_TYPES,
    SHARING_TYPES,
    UPDATE_FREQUENCIES,
)

CATALOGUE_TABLE = "governance.resource_catalogue"
CATALOGUE_SCHEMA = pa.schema(
    [
        pa.field("resource_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("purpose", pa.string()),
        pa.field("domain", pa.string(), nullable=False),
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
        pa.field("raw_table", pa.string(), nullable=False),
        pa.field("exchange_table", pa.string()),
        pa.field("contract_version", pa.string(), nullable=False),
        pa.field("columns_json", pa.string(), nullable=False),
    ]
)


def exchange_table(contract: DatasetContract) -> str | None:
    """Where a resource is served to other departments; resources not shared by law have none."""
    return None if contract.sharing_type == "not_shared" else f"exchange.{contract.name}"


def catalogue_entry(contract: DatasetContract) -> dict:
    columns = [
        {
            "name": c.name,
            "label": c.label,
            "type": c.logical_type,
            "pii": c.pii,
            "masking": c.masking,
            "shared": c.masking != "drop",
        }
        for c in contract.columns
    ]
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
    }


def build_catalogue(contracts: dict[str, DatasetContract]) -> pa.Table:
    entries = [catalogue_entry(c) for c in sorted(contracts.values(), key=lambda c: c.id)]
    return pa.Table.from_pylist(entries, schema=CATALOGUE_SCHEMA)

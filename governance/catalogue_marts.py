"""Catalogue entries of dbt marts (exchange and kpi zones): derived resources (docs/adr/0013-marts-in-the-catalogue.md).

A mart has no contract; its entry is derived from the resources it reads (dbt's ``depends_on``, through the
manifest) and its column descriptions in the model's yml:

* 提供部门: the data office (`STEWARD_DEPARTMENT`), which builds and publishes it. That confers no read
  right: who reads a mart is the access policy's answer from its inputs.
* 共享属性: the access policy's own rule, not a second one: `governance.access.resources.resource_of_mart`
  (unconditional only if every input is) for an exchange mart; a kpi mart is read by every department
  (`governance.access.policy.EVERYONE_ZONES`), so it is unconditional.
* 开放属性 and 数据分级: the strictest of the inputs'.
* 更新周期: the slowest input's; the mart is rebuilt every run, but a figure is only as current as the
  least often updated resource it is computed from.
* ``derived_from`` (JSON) shows the derivation: each input with its attributes, and for each attribute the
  inputs that decided it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from governance.access.policy import EVERYONE_ZONES
from governance.access.resources import (
    NOT_PERSONAL,
    AccessResource,
    MartModel,
    load_marts,
    resource_of_mart,
)
from governance.catalogue_sources import CatalogueError
from governance.column_docs import TableDoc, table_doc
from governance.contracts import DatasetContract
from infra.dbt_manifest import DbtManifest, DbtModel, load_manifest
from infra.vocabulary import (
    CLASSIFICATIONS,
    DEPARTMENTS,
    MASKING_POLICIES,
    OPEN_TYPES,
    PII_CLASSES,
    SHARING_TYPES,
    STEWARD_DEPARTMENT,
    UPDATE_FREQUENCIES,
)

MART = "mart"  # resource_kind of an entry derived from a dbt mart

# Least to most restrictive (open_type, classification) and most to least often updated (frequency):
# the strictest value is the one furthest along.
OPEN_ORDER: tuple[str, ...] = ("open", "on_request", "closed")
CLASSIFICATION_ORDER: tuple[str, ...] = ("public", "internal", "sensitive", "important", "core")
FREQUENCY_ORDER: tuple[str, ...] = ("realtime", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly")

# dbt's column data types (DuckDB spelling) as the contracts' logical types, so items of sources and marts
# read alike in the exports.
LOGICAL_TYPES = {
    "varchar": "string",
    "text": "string",
    "bigint": "integer",
    "integer": "integer",
    "int": "integer",
    "hugeint": "integer",
    "double": "number",
    "float": "number",
    "decimal": "number",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


def strictest(values: Mapping[str, str], order: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The value furthest along ``order`` among the inputs' ``values`` and the inputs that hold it."""
    value = max(values.values(), key=order.index)
    return value, tuple(sorted(name for name, v in values.items() if v == value))


def _inputs(model: MartModel, contracts: Mapping[str, DatasetContract]) -> list[DatasetContract]:
    missing = [name for name in model.inputs if name not in contracts]
    if missing:
        raise CatalogueError(
            f"mart {model.name} reads {', '.join(missing)}, which no contract describes: its sharing "
            "attributes cannot be derived"
        )
    if not model.inputs:
        raise CatalogueError(f"mart {model.name} reads no catalogued resource: nothing to derive it from")
    return [contracts[name] for name in model.inputs]


def _sharing(zone: str, resource: AccessResource) -> tuple[str, tuple[str, ...], str]:
    """共享属性 as the access policy enforces it, the inputs that decided it and which rule applied."""
    if zone in EVERYONE_ZONES:
        return "unconditional", (), f"zone:{zone}"
    inputs = resource.inputs or ()
    if resource.sharing_type == "unconditional":
        return "unconditional", tuple(sorted(i.dataset for i in inputs)), "inputs"
    return (
        resource.sharing_type,
        tuple(sorted(i.dataset for i in inputs if i.sharing_type != "unconditional")),
        "inputs",
    )


def derivation(zone: str, resource: AccessResource, inputs: Sequence[DatasetContract]) -> dict:
    """The mart's derived attributes and how each was decided (the ``derived_from`` document)."""
    sharing, sharing_by, rule = _sharing(zone, resource)
    open_type, open_by = strictest({c.name: c.open_type for c in inputs}, OPEN_ORDER)
    classification, class_by = strictest(
        {c.name: str(c.classification) for c in inputs}, CLASSIFICATION_ORDER
    )
    frequency, frequency_by = strictest({c.name: c.update_frequency for c in inputs}, FREQUENCY_ORDER)
    return {
        "sharing_type": sharing,
        "open_type": open_type,
        "classification": classification,
        "update_frequency": frequency,
        "sharing_rule": rule,
        "decided_by": {
            "sharing_type": list(sharing_by),
            "open_type": list(open_by),
            "classification": list(class_by),
            "update_frequency": list(frequency_by),
        },
        "inputs": [
            {
                "dataset": c.name,
                "resource_id": c.id,
                "provider_department": c.provider_department,
                "sharing_type": c.sharing_type,
                "open_type": c.open_type,
                "classification": str(c.classification),
                "update_frequency": c.update_frequency,
                "legal_basis": c.legal_basis,
            }
            for c in inputs
        ],
    }


def _origin(column: str, inputs: Sequence[DatasetContract]) -> tuple[str | None, str]:
    """The personal-data class and masking of the input column a personal mart column comes from."""
    for contract in inputs:
        for c in contract.columns:
            if c.name == column and c.pii not in (None, NOT_PERSONAL) and c.masking != "drop":
                return c.pii, c.masking
    return None, "keep"


def mart_items(
    model: DbtModel, doc: TableDoc, resource: AccessResource, inputs: Sequence[DatasetContract], sharing: str
) -> list[dict]:
    """信息项 of a mart: its columns with their business names (the yml descriptions, read as every other
    place reads them: `governance.column_docs`); a column is personal as the access policy says
    (`resource.personal_columns`), with its input column's class and masking."""
    items = []
    for column in model.columns:
        personal = column.name in resource.personal_columns
        pii, masking = _origin(column.name, inputs) if personal else (None, "keep")
        described = doc.column(column.name)
        items.append(
            {
                "name": column.name,
                "label": described.label if described else column.name,
                "description": described.description if described else None,
                "type": LOGICAL_TYPES.get(column.data_type.lower(), column.data_type.lower() or "string"),
                "pii": pii,
                "pii_label": PII_CLASSES.get(pii) if pii else None,
                "masking": masking,
                "masking_label": MASKING_POLICIES[masking],
                "sharing_type": sharing,
                "sharing_type_label": SHARING_TYPES[sharing],
                "shared": True,
            }
        )
    return items


def mart_entry(
    model: DbtModel, mart: MartModel, contracts: Mapping[str, DatasetContract], manifest: DbtManifest
) -> dict:
    inputs = _inputs(mart, contracts)
    resource = resource_of_mart(mart, contracts)
    derived = derivation(model.schema, resource, inputs)
    sharing = derived["sharing_type"]
    doc = table_doc(str(model.table), contracts, manifest)
    items = mart_items(model, doc, resource, inputs, sharing)
    return {
        "resource_id": str(model.table),
        "dataset": model.name,
        "title": doc.title or model.name,
        "purpose": doc.description or None,
        "domain": ",".join(sorted({c.domain for c in inputs})),
        "provider_department": STEWARD_DEPARTMENT,
        "provider_department_name": DEPARTMENTS[STEWARD_DEPARTMENT],
        "sharing_type": sharing,
        "sharing_type_label": SHARING_TYPES[sharing],
        "open_type": derived["open_type"],
        "open_type_label": OPEN_TYPES[derived["open_type"]],
        "update_frequency": derived["update_frequency"],
        "update_frequency_label": UPDATE_FREQUENCIES[derived["update_frequency"]],
        "classification": derived["classification"],
        "classification_label": CLASSIFICATIONS[derived["classification"]],
        "legal_basis": None,
        "raw_table": None,
        "exchange_table": str(model.table),
        # The mart's definition is its model file: its checksum versions the entry as a contract's version does.
        "contract_version": f"dbt:{model.checksum[:12]}" if model.checksum else "dbt",
        "columns_json": json.dumps(items, ensure_ascii=False),
        "resource_kind": MART,
        "derived_from": json.dumps(derived, ensure_ascii=False),
    }


def mart_entries(contracts: Mapping[str, DatasetContract], manifest: DbtManifest | None = None) -> list[dict]:
    """One entry per exchange and kpi mart of the dbt project, sorted by table name."""
    manifest = manifest or load_manifest()
    # Exchange marts as the access policy sees them (load_marts); kpi marts are read the same way from dbt.
    marts = {m.name: m for m in load_marts(manifest)}
    entries = []
    for model in manifest.marts():
        if model.name in contracts:
            raise CatalogueError(
                f"mart {model.table} has the name of the resource {contracts[model.name].id}"
            )
        mart = marts.get(model.name) or MartModel(
            model.name, model.column_names, manifest.upstream_datasets(model)
        )
        entries.append(mart_entry(model, mart, contracts, manifest))
    return entries


def derived_from(entry: Mapping) -> dict | None:
    """A mart entry's derivation (None for a source, or an entry published before marts were catalogued)."""
    text = entry.get("derived_from")
    return json.loads(text) if text else None

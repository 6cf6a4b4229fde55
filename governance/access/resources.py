"""What can be shared, and with whom by default: one `AccessResource` per table of the exchange zone.

Resource tables (`exchange.<dataset>`) take their sharing type, provider and personal columns from their
catalogue entry (built from the contract). dbt marts in `exchange` have no contract: they carry their inputs
(the datasets whose staging tables dbt's ``depends_on`` reaches, read from the manifest), and the access
policy (`governance.access.policy`) lets a department read a mart only if it may read every input. For the
catalogue and the report a mart is conditional if any input is conditional or not shared, provided by every
input's provider department, and a column is personal when an input column of the same name is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from governance.catalogue_sources import catalogue_entry
from governance.contracts import DatasetContract
from infra.dbt_manifest import DbtManifest, load_manifest
from infra.zones import EXCHANGE, SchemaQualified, TableName

NOT_PERSONAL = "not_personal"  # a contract's reviewed declaration: looks personal, is not
UNKNOWN = "unknown"  # the sharing type of a mart input no contract describes: nobody may read it


@dataclass(frozen=True)
class MartInput:
    """One dataset a mart reads: who provides it, how it is shared, and where departments read it."""

    dataset: str
    sharing_type: str  # "unconditional" | "conditional" | "not_shared" | UNKNOWN
    provider: str | None
    table: TableName | None  # its exchange table; None when it is not shared (or unknown)
    personal_columns: tuple[str, ...]


@dataclass(frozen=True)
class AccessResource(SchemaQualified):
    table: str  # "exchange.<name>"
    sharing_type: str  # "unconditional" | "conditional"
    providers: frozenset[str]
    columns: tuple[str, ...]
    personal_columns: tuple[str, ...]  # columns Trino masks for readers a grant does not cover
    # A dbt mart's inputs (None for a resource's own exchange table). A mart with no known input is
    # read by stewards only (fail closed).
    inputs: tuple[MartInput, ...] | None = None

    @property
    def is_mart(self) -> bool:
        return self.inputs is not None


@dataclass(frozen=True)
class MartModel:
    """A dbt mart: its columns and the datasets it reads (from the manifest)."""

    name: str
    columns: tuple[str, ...]
    inputs: tuple[str, ...]


def _personal(items: Iterable[dict]) -> tuple[str, ...]:
    return tuple(i["name"] for i in items if i["pii"] is not None and i["pii"] != NOT_PERSONAL)


def _items(entry: Mapping, shared: bool) -> list[dict]:
    """The entry's data items (信息项) in its exchange table (``shared``), or all that reach staging (what a
    mart may read). Columns the masking drops reach neither: they are never listed nor masked."""
    items = json.loads(entry["columns_json"])
    return [i for i in items if i["shared"]] if shared else [i for i in items if i["masking"] != "drop"]


def resource_of_entry(entry: Mapping) -> AccessResource | None:
    """The access resource of one catalogue entry (信息资源目录); None when it has no exchange table."""
    table = entry.get("exchange_table")
    if not table:
        return None
    items = _items(entry, shared=True)
    return AccessResource(
        table=TableName.parse(table),
        sharing_type=entry["sharing_type"],
        providers=frozenset({entry["provider_department"]}),
        columns=tuple(i["name"] for i in items),
        personal_columns=_personal(items),
    )


def resource_of(contract: DatasetContract) -> AccessResource | None:
    return resource_of_entry(catalogue_entry(contract))


def _mart_input(name: str, contracts: Mapping[str, DatasetContract]) -> MartInput:
    contract = contracts.get(name)
    if contract is None:
        return MartInput(name, UNKNOWN, None, None, ())
    entry = catalogue_entry(contract)
    table = entry["exchange_table"]
    return MartInput(
        dataset=name,
        sharing_type=contract.sharing_type,
        provider=contract.provider_department,
        table=TableName.parse(table) if table else None,
        personal_columns=_personal(_items(entry, shared=False)),
    )


def resource_of_mart(mart: MartModel, contracts: Mapping[str, DatasetContract]) -> AccessResource:
    inputs = tuple(_mart_input(name, contracts) for name in mart.inputs)
    unconditional = bool(inputs) and all(i.sharing_type == "unconditional" for i in inputs)
    personal = {name for i in inputs for name in i.personal_columns}
    return AccessResource(
        table=EXCHANGE.table(mart.name),
        sharing_type="unconditional" if unconditional else "conditional",
        providers=frozenset(i.provider for i in inputs if i.provider),
        columns=mart.columns,
        personal_columns=tuple(c for c in mart.columns if c in personal),
        inputs=inputs,
    )


def load_marts(manifest: DbtManifest | None = None) -> list[MartModel]:
    """The exchange marts of the dbt project, with the datasets they read (dbt's ``depends_on``)."""
    manifest = manifest or load_manifest()
    return [
        MartModel(m.name, m.column_names, manifest.upstream_datasets(m))
        for m in manifest.marts()
        if m.schema == EXCHANGE.name
    ]


def access_resources(
    contracts: Mapping[str, DatasetContract], marts: Iterable[MartModel] = ()
) -> list[AccessResource]:
    """Every exchange table with its default sharing, sorted by table name."""
    found = {r.table: r for r in (resource_of(c) for c in contracts.values()) if r is not None}
    for mart in marts:
        found.setdefault(EXCHANGE.table(mart.name), resource_of_mart(mart, contracts))
    return [found[t] for t in sorted(found)]


def project_resources() -> dict[str, AccessResource]:
    """Every exchange table of this project (resources and dbt marts), by table name."""
    from governance.contracts import load_contracts

    return {r.table: r for r in access_resources(load_contracts(), load_marts())}

"""What can be shared, and with whom by default: one `AccessResource` per table of the exchange zone.

Resource tables (`exchange.<dataset>`) take their sharing type, provider and PII columns from the contract.
dbt marts in `exchange` have no contract: they inherit from the contracts they are built from (found by the
staging tables in dbt's ``depends_on``, read from the manifest): conditional if any input is conditional or not
shared, provided by every input's provider department, and a column is personal when an input column of the
same name is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from governance.catalogue import exchange_table
from governance.contracts import DatasetContract
from infra.dbt_manifest import DbtManifest, load_manifest
from infra.zones import EXCHANGE, SchemaQualified

NOT_PERSONAL = "not_personal"  # a contract's reviewed declaration: looks personal, is not


@dataclass(frozen=True)
class AccessResource(SchemaQualified):
    table: str  # "exchange.<name>"
    sharing_type: str  # "unconditional" | "conditional"
    providers: frozenset[str]
    columns: tuple[str, ...]
    personal_columns: tuple[str, ...]  # columns Trino masks for readers a grant does not cover


@dataclass(frozen=True)
class MartModel:
    """A dbt mart: its columns and the datasets it reads (from the manifest)."""

    name: str
    columns: tuple[str, ...]
    inputs: tuple[str, ...]


def _personal(contract: DatasetContract) -> tuple[str, ...]:
    return tuple(c.name for c in contract.staged_columns if c.pii is not None and c.pii != NOT_PERSONAL)


def resource_of(contract: DatasetContract) -> AccessResource | None:
    table = exchange_table(contract)
    if table is None:
        return None
    return AccessResource(
        table=table,
        sharing_type=contract.sharing_type,
        providers=frozenset({contract.provider_department}),
        columns=tuple(c.name for c in contract.staged_columns),
        personal_columns=_personal(contract),
    )


def resource_of_mart(mart: MartModel, contracts: Mapping[str, DatasetContract]) -> AccessResource:
    inputs = [contracts[name] for name in mart.inputs if name in contracts]
    unconditional = bool(inputs) and all(c.sharing_type == "unconditional" for c in inputs)
    personal = {name for c in inputs for name in _personal(c)}
    return AccessResource(
        table=EXCHANGE.table(mart.name),
        # A mart with no known input is treated as the stricter kind: nobody reads it by default.
        sharing_type="unconditional" if unconditional else "conditional",
        providers=frozenset(c.provider_department for c in inputs),
        columns=mart.columns,
        personal_columns=tuple(c for c in mart.columns if c in personal),
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
        found.setdefault(f"{EXCHANGE}.{mart.name}", resource_of_mart(mart, contracts))
    return [found[t] for t in sorted(found)]

"""What the Dagster UI shows of each table asset, before any run and after each one: which zone it is in,
its columns (from the contract or dbt's model yml), its column lineage and where its dossier is written.

Nothing here derives lineage: the edges are ``governance.lineage.extract``'s, the same ones the lineage
asset records and ``lakehouse lineage`` answers from; this module only maps their table names to asset
keys. Everything is computed when the definitions are loaded (inside ``@dg.definitions``), never at import.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa

from governance.column_docs import column_docs
from governance.contracts import Column, DatasetContract, load_contracts
from governance.dossier.model import page_name
from governance.lineage import Edge, extract
from governance.lineage.contracts import contract_edges
from governance.lineage.dbt import model_node
from governance.staging import staged_type
from infra.dbt_manifest import DBT_DIR, DbtModel, ManifestError, load_manifest
from infra.settings import load_settings
from infra.zones import EXCHANGE, MART_ZONES, STAGING
from ingest.connectors import source_field_names
from orchestration.keys import table_key

log = logging.getLogger(__name__)

# The zone an asset belongs to opens its description, so the graph and the catalogue tell raw, staging and
# exchange copies of one dataset apart even where only the last part of the key is shown.
ZONE_LABELS: dict[str, str] = {
    "raw": "原始区 raw",
    "staging": "脱敏区 staging",
    "exchange": "共享区 exchange",
    "kpi": "指标区 kpi",
    "governance": "治理区 governance",
    "dbt": "dbt 加工",
}
# Medallion kinds have their own icons in the Dagster UI: one more at-a-glance cue per zone.
ZONE_KINDS: dict[str, str] = {"raw": "bronze", "staging": "silver", "exchange": "gold", "kpi": "gold"}
STAGING_GROUP = STAGING.name
MART_SCHEMAS = frozenset(z.name for z in MART_ZONES)
EXCHANGE_GROUP = EXCHANGE.name


def described(zone: str, text: str) -> str:
    """An asset description that starts with its zone."""
    return f"[{ZONE_LABELS[zone]}] {text}"


def zone_tags(zone: str, domain: str | None = None) -> dict[str, str]:
    """Tags to filter the catalogue by (``zone=staging``, ``domain=transport``)."""
    return {"zone": zone, **({"domain": domain} if domain else {})}


# ---------------------------------------------------------------- columns


def _texts(table: str, contract: DatasetContract | None = None) -> dict[str, str]:
    """``业务名: description`` per column, from governance.column_docs: the texts Trino's column comments and
    Superset's labels show, so the Dagster UI says the same."""
    return column_docs(table, {contract.name: contract} if contract is not None else None)


def _policy(column: Column) -> str:
    return f"{column.masking}:{column.masking_option}" if column.masking_option else column.masking


def _tags(column: Column, **extra: str | None) -> dict[str, str]:
    found = {"pii": column.pii, "sensitive": column.sensitive, **extra}
    return {k: v for k, v in found.items() if v}


def raw_schema(contract: DatasetContract) -> dg.TableSchema:
    """The raw table: the contract's source columns, unmasked (PII class and source field as tags)."""
    fields = source_field_names(contract)
    texts = _texts(contract.raw_table, contract)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.logical_type,
                description=texts.get(c.name),
                constraints=dg.TableColumnConstraints(nullable=not c.required),
                tags=_tags(c, source_field=fields.get(c.name)),
            )
            for c in contract.source_columns
        ]
    )


def _masked_columns(table: str, contract: DatasetContract, columns: Iterable[Column]) -> dg.TableSchema:
    texts = _texts(table, contract)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                # A masked column is text whatever the source type was (governance.staging.staged_type).
                name=c.name,
                type="string" if pa.types.is_string(staged_type(c)) else c.logical_type,
                description=f"{texts.get(c.name, c.name)} · 脱敏 masking: {_policy(c)}",
                tags=_tags(c, masking=_policy(c)),
            )
            for c in columns
        ]
    )


def staging_schema(contract: DatasetContract) -> dg.TableSchema:
    return _masked_columns(str(STAGING.table(contract.name)), contract, contract.staged_columns)


def exchange_schema(contract: DatasetContract) -> dg.TableSchema:
    """What publication serves: the staged columns minus the items withheld at item level."""
    return _masked_columns(str(EXCHANGE.table(contract.name)), contract, contract.exchange_columns)


def dbt_schema(model: DbtModel) -> dg.TableSchema:
    """A dbt model's columns as its yml declares them (dbt's model contracts enforce them on the marts); a
    mart's texts as governance.column_docs reads them, a staging view's as the yml has them."""
    texts = _texts(str(model.table)) if model.schema in MART_SCHEMAS else {}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name, type=c.data_type or "?", description=texts.get(c.name) or c.description or None
            )
            for c in model.columns
        ]
    )


def arrow_schema(schema: pa.Schema) -> dg.TableSchema:
    """A governance table's columns from its Arrow schema, with the field's ``doc`` where it has one."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=f.name,
                type=str(f.type),
                description=(f.metadata or {}).get(b"doc", b"").decode() or None,
                constraints=dg.TableColumnConstraints(nullable=f.nullable),
            )
            for f in schema
        ]
    )


# ---------------------------------------------------------------- lineage


@dataclass(frozen=True)
class ProjectLineage:
    edges_into: Mapping[str, tuple[Edge, ...]]
    dbt_nodes: Mapping[str, dg.AssetKey]  # lineage node of a dbt model -> its dbt asset
    complete: bool  # False: dbt's compiled SQL was not available, only the contracts' edges


@cache
def project_lineage() -> ProjectLineage:
    """The project's column edges, once per process. A compiled manifest left by a dbt run is used as is;
    otherwise dbt compiles into a folder of this process under dbt's target (where the next load finds it).
    If dbt cannot compile (its database busy, say), the contracts' edges still give raw → exchange."""
    contracts = load_contracts()
    manifest = load_manifest()
    dbt_nodes = {model_node(m): dg.AssetKey(["dbt", m.schema, m.name]) for m in manifest.models.values()}
    scratch = DBT_DIR / "target" / f"definitions-{os.getpid()}"
    try:
        edges = extract(source_field_names, contracts=contracts, scratch=scratch).edges
        complete = True
    except ManifestError as error:
        log.warning("column lineage of the dbt models left out: %s", str(error).splitlines()[0])
        edges = contract_edges(contracts.values(), source_field_names)
        complete = False
    into: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        into[edge.to_table].append(edge)
    return ProjectLineage({t: tuple(e) for t, e in into.items()}, dbt_nodes, complete)


def _input_key(edge: Edge, lineage: ProjectLineage) -> dg.AssetKey | None:
    """The asset an edge's input is: a dbt model when dbt read it, the Iceberg table otherwise; a department
    system's hand-over is no asset."""
    table = edge.from_table
    if table.startswith("source:"):
        return None
    if edge.producer == "dbt" and table in lineage.dbt_nodes:
        return lineage.dbt_nodes[table]
    return table_key(table)


def column_lineage(node: str, producer: str) -> dg.TableColumnLineage | None:
    """Column deps of lineage node ``node`` made by ``producer`` (``mask``, ``publish``, ``dbt``), as asset
    columns. Table-level edges (a ``count(*)``, a filter, a dropped column) name no column and are left out."""
    lineage = project_lineage()
    deps: dict[str, set[tuple[str, str]]] = defaultdict(set)
    found: dict[tuple[str, str], dg.AssetKey] = {}
    for edge in lineage.edges_into.get(node, ()):
        if edge.producer != producer or edge.to_column is None or edge.from_column is None:
            continue
        key = _input_key(edge, lineage)
        if key is None:
            continue
        found[(key.to_user_string(), edge.from_column)] = key
        deps[edge.to_column].add((key.to_user_string(), edge.from_column))
    if not deps:
        return None
    return dg.TableColumnLineage(
        deps_by_column={
            column: [dg.TableColumnDep(found[pair], pair[1]) for pair in sorted(pairs)]
            for column, pairs in sorted(deps.items())
        }
    )


def copied_lineage(source: dg.AssetKey, columns: Iterable[str]) -> dg.TableColumnLineage:
    """``publish_mart`` copies a dbt mart column for column into Iceberg."""
    return dg.TableColumnLineage(deps_by_column={c: [dg.TableColumnDep(source, c)] for c in columns})


# ---------------------------------------------------------------- dossier


def dossier_path(table: str) -> Path:
    """Where ``lakehouse report audit`` writes the table's dossier page."""
    return load_settings().reports_dir / "audit" / page_name(table)


def dossier_metadata(table: str) -> dict[str, Any]:
    return {
        "dossier": dg.MetadataValue.path(str(dossier_path(table))),
        "dossier_command": f"lakehouse report audit {table}",
    }


# ---------------------------------------------------------------- per asset


def _table(table: str, schema: dg.TableSchema, lineage: dg.TableColumnLineage | None) -> dict[str, Any]:
    found: dict[str, Any] = {"dagster/column_schema": schema, "dagster/table_name": table}
    if lineage is not None:
        found["dagster/column_lineage"] = lineage
    return found


def raw_metadata(contract: DatasetContract) -> dict[str, Any]:
    # Its inputs are the department system's fields (tags source_field), which are no assets.
    return _table(contract.raw_table, raw_schema(contract), None)


def staging_metadata(contract: DatasetContract) -> dict[str, Any]:
    table = str(STAGING.table(contract.name))
    return _table(table, staging_schema(contract), column_lineage(table, "mask"))


def exchange_metadata(contract: DatasetContract) -> dict[str, Any]:
    table = str(EXCHANGE.table(contract.name))
    found = _table(table, exchange_schema(contract), column_lineage(table, "publish"))
    return {**found, **dossier_metadata(table)}


def dbt_model_metadata(model: DbtModel) -> dict[str, Any]:
    found: dict[str, Any] = {"dagster/column_schema": dbt_schema(model)}
    lineage = column_lineage(model_node(model), "dbt")
    if lineage is not None:
        found["dagster/column_lineage"] = lineage
    return found


def published_mart_metadata(model: DbtModel) -> dict[str, Any]:
    table = str(model.table)
    lineage = copied_lineage(dg.AssetKey(["dbt", model.schema, model.name]), model.column_names)
    return {**_table(table, dbt_schema(model), lineage), **dossier_metadata(table)}


def governance_metadata(table: str, schema: pa.Schema) -> dict[str, Any]:
    return _table(table, arrow_schema(schema), None)

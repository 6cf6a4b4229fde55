"""Edges dbt's compiled SQL implies: staging table → stg view → mart column, traced by sqlglot.

The schema sqlglot needs to expand ``select *`` is built from what we know without a database: a source's
columns from its contract (the staged columns), a model's from the manifest (the model yml, which dbt's
model contracts enforce on the marts). Relations are named as the compiled SQL names them
(``"dbt"."stg"."stg_x"``), taken from the manifest, so nothing depends on the warehouse being reachable.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from governance.contracts import Column, DatasetContract
from governance.lineage.model import Edge, stg_node
from governance.lineage.sql import DIALECT, Schema, filter_columns, model_inputs, read_relations
from infra.dbt_manifest import DbtManifest, DbtModel, newest_first
from infra.zones import MART_ZONES, TableName

_SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}
_SQL_TYPES |= {"date": "DATE", "timestamp": "TIMESTAMP"}


@dataclass
class DbtLineage:
    edges: list[Edge] = field(default_factory=list)
    models: int = 0
    unresolved: list[str] = field(default_factory=list)  # "model.column" sqlglot could not trace


# Traced edges by what they are traced from (see dbt_edges); a few versions, for a long-lived process.
_TRACED: dict[str, DbtLineage] = {}
_TRACED_KEPT = 4
_STORED_KEPT = 8


def model_node(model: DbtModel) -> str:
    """A mart is its published Iceberg table (the publish step copies it under the same name)."""
    if model.schema in {z.name for z in MART_ZONES}:
        return str(model.table)
    return stg_node(model.name) if model.schema == "stg" else f"{model.schema}.{model.name}"


def _nest(schema: dict, relation: str, columns: Mapping[str, str]) -> None:
    table = exp.to_table(relation, dialect=DIALECT)
    schema.setdefault(table.catalog, {}).setdefault(table.db, {})[table.name] = dict(columns)


def build_schema(
    manifest: DbtManifest, contracts: Mapping[str, DatasetContract]
) -> tuple[Schema, dict[str, str]]:
    """sqlglot's schema of every relation the project reads, and relation → lineage node."""
    schema: dict = {}
    nodes: dict[str, str] = {}
    for uid, table in manifest.sources.items():
        relation = manifest.source_relations.get(uid)
        contract = contracts.get(table.table)
        if not relation or contract is None:
            continue
        columns = {c.name: _arrow_sql(c) for c in contract.staged_columns}
        _nest(schema, relation, columns)
        nodes[_key(relation)] = str(table)
    for model in manifest.models.values():
        if not model.relation_name:
            continue
        _nest(schema, model.relation_name, {c.name: c.data_type or "VARCHAR" for c in model.columns})
        nodes[_key(model.relation_name)] = model_node(model)
    return schema, nodes


def _arrow_sql(column: Column) -> str:
    # Masked columns are text whatever the source type was (governance.staging.staged_type).
    return "VARCHAR" if column.masking != "keep" else _SQL_TYPES.get(column.logical_type, "VARCHAR")


def _key(relation: str) -> str:
    """One spelling of a relation, quoted or not: the manifest's and sqlglot's agree after this."""
    table = exp.to_table(relation, dialect=DIALECT)
    return ".".join(p.lower() for p in (table.catalog, table.db, table.name) if p)


def model_edges(model: DbtModel, schema: Schema, nodes: Mapping[str, str]) -> tuple[list[Edge], list[str]]:
    """Edges into one model's columns from its compiled SQL; columns sqlglot could not trace."""
    assert model.compiled_code is not None
    target = model_node(model)
    columns = list(model.column_names)
    inputs, unresolved = model_inputs(model.compiled_code, columns, schema)
    edges: list[Edge] = []
    read = sorted(nodes.get(_key(r), r) for r in read_relations(model.compiled_code))
    for column in columns:
        found = inputs.get(column)
        if found is None:
            continue
        for item in found:
            source = nodes.get(_key(item.relation), item.relation)
            edges.append(Edge("dbt", source, item.column, target, column, item.transform))
        if not found:  # a constant ('all' as scope): made by the model from the rows it reads
            edges += [Edge("dbt", source, None, target, column, "derive") for source in read]
    for relation, column in sorted(filter_columns(model.compiled_code, schema)):
        edges.append(Edge("dbt", nodes.get(_key(relation), relation), column, target, None, "filter"))
    return edges, [f"{model.name}.{c}" for c in unresolved]


def dbt_edges(
    manifest: DbtManifest, contracts: Mapping[str, DatasetContract], store: Path | None = None
) -> DbtLineage:
    """Edges of every model of a compiled manifest, staging views first.

    Traced once for each version of what they are traced from, and kept in this process: the Dagster
    definitions (the assets' column lineage) and the lineage asset of the same run both ask, and sqlglot
    takes a while. With ``store`` (a folder) also kept on disk, for the next process that loads the
    definitions. The version is a digest of the inputs and of the tracing code, not of the manifest file:
    each dbt build writes a manifest of its own, with the same compiled SQL when the project did not change.
    """
    schema, nodes = build_schema(manifest, contracts)
    key = _traced_from(manifest, schema, nodes)
    traced = _TRACED.get(key)
    if traced is None and store is not None:
        traced = _read_traced(store / f"{key}.json")
    if traced is None:
        traced = _trace(manifest, schema, nodes)
        if store is not None:
            _write_traced(store, key, traced)
    while len(_TRACED) >= _TRACED_KEPT and key not in _TRACED:
        del _TRACED[next(iter(_TRACED))]
    _TRACED[key] = traced
    # A copy: callers may extend the lists.
    return DbtLineage(list(traced.edges), traced.models, list(traced.unresolved))


@cache
def _tracing_code() -> str:
    """What the edges also depend on: this package's tracing code and sqlglot's version."""
    here = Path(__file__).resolve().parent
    sources = [(here / name).read_bytes() for name in ("dbt.py", "sql.py", "model.py")]
    return hashlib.sha256(b"\0".join([*sources, sqlglot.__version__.encode()])).hexdigest()


def _traced_from(manifest: DbtManifest, schema: Schema, nodes: Mapping[str, str]) -> str:
    """A digest of everything ``_trace`` reads: the relations' columns, their lineage nodes, each model's
    name, zone, node, columns and compiled SQL, and the tracing code."""
    models = [
        (uid, m.name, m.schema, model_node(m), m.column_names, m.compiled_code)
        for uid, m in sorted(manifest.models.items())
    ]
    document = json.dumps([_tracing_code(), schema, nodes, models], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(document.encode()).hexdigest()


def _read_traced(path: Path) -> DbtLineage | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        edges = [Edge(*row) for row in document["edges"]]
        return DbtLineage(edges, int(document["models"]), [str(u) for u in document["unresolved"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not written yet, or by a version that wrote something else: traced again


def _write_traced(store: Path, key: str, traced: DbtLineage) -> None:
    """One file per version, written whole (a reader never sees half of it); the newest few are kept."""
    document = {
        "edges": [astuple(e) for e in traced.edges],
        "models": traced.models,
        "unresolved": traced.unresolved,
    }
    try:
        store.mkdir(parents=True, exist_ok=True)
        partial = store / f".{key}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        partial.replace(store / f"{key}.json")
        for old in newest_first(store.glob("*.json"))[_STORED_KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only checkout: traced again next time


def _trace(manifest: DbtManifest, schema: Schema, nodes: Mapping[str, str]) -> DbtLineage:
    result = DbtLineage()
    for model in sorted(manifest.models.values(), key=lambda m: (m.schema != "stg", m.name)):
        if model.compiled_code is None:
            result.unresolved.append(f"{model.name}.*")
            continue
        edges, unresolved = model_edges(model, schema, nodes)
        result.edges += edges
        result.unresolved += unresolved
        result.models += 1
    return result


def mart_tables(manifest: DbtManifest) -> list[TableName]:
    return [m.table for m in manifest.marts()]

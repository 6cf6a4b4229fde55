"""Lineage as data: one edge per column (or table) a value moves through, and one row per recording run.

An edge says "``to_table.to_column`` is made from ``from_table.from_column`` by ``transform``", written by
``producer``. A table-level edge leaves a column empty: ``count(*)`` reads the rows of a table, not one of
its columns, and a filter or a column the masking drops acts on the table as a whole.

Nodes are named as they are read: Iceberg tables ``zone.table``; dbt's staging views ``stg.<model>`` (the
DuckDB schema dbt builds them in); a department system's hand-over ``source:<system>/<dataset>`` with the
field name the system uses (``plateNo``), so an auditor can ask the provider about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from infra.clock import CHINA_TIME_DOC

# Who moved the value: the loader, the masking step, the exchange publication, dbt, or a Trino query.
PRODUCERS: dict[str, str] = {
    "ingest": "采集入湖",
    "mask": "脱敏",
    "publish": "发布共享",
    "dbt": "dbt 加工",
    "trino": "Trino 查询",
    "measure": "指标测算",
}
# What happened to it. ``mask:<policy>`` names the contract's masking policy (mask:pseudonym …).
TRANSFORMS: dict[str, str] = {
    "copy": "原样复制",
    "cast": "类型转换",
    "derive": "计算派生",
    "aggregate": "聚合",
    "filter": "行过滤",
    "mask": "脱敏",
}
# Strength order when several paths join two columns: the edge keeps the strongest.
_STRENGTH = ("copy", "cast", "filter", "derive", "aggregate")

CODE_VERSION_DOC = "git commit of the code, else the package version; a Trino query: trino <server version>"
# The producer of query-time lineage: its runs are one query each, not a recording of the whole project.
QUERY_PRODUCER = "trino"


def _doc(name: str, kind: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, kind, nullable=nullable, metadata={"doc": doc})


EDGES_SCHEMA = pa.schema(
    [
        _doc(
            "run_id", pa.string(), "the recording run (Dagster run id, the CLI's, or a Trino query id)", False
        ),
        _doc("recorded_at", pa.timestamp("us"), f"when the run recorded the edge: {CHINA_TIME_DOC}", False),
        _doc("producer", pa.string(), "ingest | mask | publish | dbt | trino | measure", False),
        _doc("from_table", pa.string(), "zone.table, stg.<dbt view> or source:<system>/<dataset>", False),
        _doc("from_column", pa.string(), "null for a table-level edge (count(*), a filter)"),
        _doc("to_table", pa.string(), "zone.table or stg.<dbt view>", False),
        _doc("to_column", pa.string(), "null when the edge acts on the whole table (a dropped column)"),
        _doc("transform", pa.string(), "copy | cast | mask:<policy> | derive | aggregate | filter", False),
        _doc("policy_id", pa.string(), "the masking policy (and option) or the row rule applied"),
        _doc("contract_version", pa.string(), "version of the ODCS contract the edge derives from"),
        _doc("code_version", pa.string(), CODE_VERSION_DOC, False),
    ]
)

RUNS_SCHEMA = pa.schema(
    [
        _doc("run_id", pa.string(), "the recording run", False),
        _doc(
            "recorded_at",
            pa.timestamp("us"),
            f"when the run recorded (a query: ended): {CHINA_TIME_DOC}",
            False,
        ),
        _doc("code_version", pa.string(), CODE_VERSION_DOC, False),
        _doc("edges", pa.int64(), "edges recorded by the run", False),
        _doc("contracts", pa.int64(), "contracts read", False),
        _doc("models", pa.int64(), "dbt models whose compiled SQL was read", False),
        _doc("unresolved", pa.string(), "JSON list of columns not traced (a query: columns with no input)"),
        _doc("duration_ms", pa.int64(), "time to extract the lineage", False),
        # Added later (schema evolution): a run recorded before them reads null, i.e. a pipeline run.
        _doc(
            "producer", pa.string(), "null: the pipeline's recording of the whole project; trino: one query"
        ),
        _doc("run_by", pa.string(), "the Trino user who ran the query (trino runs only)"),
        _doc(
            "statement", pa.string(), "Trino's update type of the query: CREATE TABLE, INSERT … (trino runs)"
        ),
    ]
)


def source_node(system: str, dataset: str) -> str:
    """The node of a department system's hand-over of one dataset."""
    return f"source:{system}/{dataset}"


def stg_node(model: str) -> str:
    """The node of a dbt staging view (DuckDB schema ``stg``)."""
    return f"stg.{model}"


def mask_transform(policy: str) -> str:
    return f"mask:{policy}"


@dataclass(frozen=True)
class Edge:
    producer: str
    from_table: str
    from_column: str | None
    to_table: str
    to_column: str | None
    transform: str
    policy_id: str | None = None
    contract_version: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str, str | None]:
        return (self.from_table, self.from_column, self.to_table, self.to_column)

    def row(self, run_id: str, recorded_at: datetime, code_version: str) -> dict:
        # Plain strings: table names may arrive as infra.zones.TableName, a str subclass.
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields = {k: str(v) if isinstance(v, str) else v for k, v in fields.items()}
        return {"run_id": run_id, "recorded_at": recorded_at, "code_version": code_version, **fields}

    @classmethod
    def of_row(cls, row: dict) -> Edge:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


def strength(transform: str) -> int:
    """Rank of a transform; a masking step outranks everything (it is what an auditor looks for)."""
    if transform.startswith("mask:"):
        return len(_STRENGTH)
    return _STRENGTH.index(transform) if transform in _STRENGTH else len(_STRENGTH) - 1


def deduplicate(edges: list[Edge]) -> list[Edge]:
    """One edge per (from, to) pair, the strongest transform kept, in first-seen order."""
    kept: dict[tuple, Edge] = {}
    for edge in edges:
        known = kept.get(edge.key)
        if known is None or strength(edge.transform) > strength(known.transform):
            kept[edge.key] = edge
    return list(kept.values())

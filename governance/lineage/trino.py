"""Query-time lineage from Trino (producer ``trino``): the tables users create or fill with SQL.

Trino's HTTP event listener sends, with each completed query that wrote a table (``CREATE TABLE … AS``,
``INSERT INTO … SELECT``), ``ioMetadata.output``: the table written and, per column, the source columns
Trino's analyser traced it to (``sourceColumns``). Each such query becomes one lineage run — run id = the
Trino query id, recorded at the query's end (China time), code version ``trino <server version>``, run by
the Trino user, statement = Trino's update type — and one edge per source column → output column.

The transform, from the SQL text (sqlglot, Trino dialect), kept small:
- ``copy``: the query is a plain projection (one SELECT without GROUP BY, DISTINCT, aggregate or window
  function), the output column has exactly one source column, of the same name, and its select item is
  that bare column (or ``*``);
- ``aggregate``: its select item calls an aggregate function (``sum(x)``); ``count(*)`` reads no column, so
  it becomes a table-level edge from each table the query read, as the dbt lineage does;
- ``derive``: everything else, a GROUP BY key and any query whose SQL sqlglot cannot read included.
A column with no input at all (a constant) gets no edge; the run lists it in ``unresolved``.

The Trino catalogs ``lakehouse`` (everyone reads) and ``lakehouse_admin`` (stewards write) serve the same
Iceberg catalog, so both map to our ``zone.table`` names (a schema a steward made that is no zone:
``schema.table``); a table of any other catalog keeps ``catalog.schema.table``.

What the graph shows (``query_edges``): per table written, the edges of its newest ``CREATE TABLE`` query
and of every query that wrote it after that one (an INSERT adds sources, a re-creation replaces them).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import sqlglot
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import EqualTo, In
from sqlglot import exp

from governance.lineage.model import EDGES_SCHEMA, QUERY_PRODUCER, RUNS_SCHEMA, Edge, deduplicate
from governance.lineage.store import LineageRun
from infra.clock import CHINA
from infra.iceberg.writer import commit, ensure_table
from infra.stack.trino_config import READ_CATALOG, STEWARD_CATALOG
from infra.zones import LINEAGE_EDGES, LINEAGE_RUNS, ZONE_NAMES, TableName

LAKEHOUSE_CATALOGS = (READ_CATALOG, STEWARD_CATALOG)
CREATE = "CREATE TABLE"  # Trino's update type of CREATE TABLE … AS
# One edge per (run, from, to): what a load checks the edges of the runs it records against (a load that
# died between the edges and the run row leaves edges a re-read of the spool must not append again).
EDGE_KEY = ("run_id", "from_table", "from_column", "to_table", "to_column")


def node(catalog: str, schema: str, table: str) -> str:
    """Our name of a table Trino names ``catalog.schema.table``."""
    if catalog in LAKEHOUSE_CATALOGS:
        return TableName(schema, table) if schema in ZONE_NAMES else f"{schema}.{table}"
    return f"{catalog}.{schema}.{table}"


@dataclass(frozen=True)
class QueryLineage:
    run: LineageRun
    edges: list[Edge]


@dataclass(frozen=True)
class _Select:
    items: list[exp.Expression]
    plain: bool  # no GROUP BY, DISTINCT, aggregate or window function


def _select(sql: str) -> _Select | None:
    """The SELECT that feeds a CREATE TABLE AS / INSERT; None when sqlglot cannot read it or it is a UNION."""
    try:
        statement = sqlglot.parse_one(sql, read="trino")
    except sqlglot.errors.SqlglotError:
        return None
    query = statement.expression if isinstance(statement, (exp.Create, exp.Insert)) else None
    while isinstance(query, (exp.Subquery, exp.Paren)):
        query = query.this
    if not isinstance(query, exp.Select):
        return None
    items = list(query.expressions)
    grouped = query.args.get("group") or query.args.get("distinct")
    plain = not grouped and all(item.find(exp.AggFunc, exp.Window) is None for item in items)
    return _Select(items, plain)


def _is_star(item: exp.Expression) -> bool:
    return isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star))


def _item(select: _Select | None, index: int, name: str, count: int) -> exp.Expression | None:
    """The select item that makes output column ``name`` (number ``index`` of ``count``)."""
    if select is None:
        return None
    star = any(_is_star(i) for i in select.items)
    if not star and len(select.items) == count:
        return select.items[index]  # Trino lists a written table's columns in the query's order
    named = [i for i in select.items if not _is_star(i) and i.alias_or_name.lower() == name.lower()]
    if len(named) == 1:
        return named[0]
    return exp.Star() if star else None  # through `*`, unchanged


def _transform(item: exp.Expression | None, plain: bool, name: str, sources: list[str]) -> str:
    if item is not None and item.find(exp.AggFunc) is not None:
        return "aggregate"
    inner = item.this if isinstance(item, exp.Alias) else item
    bare = inner is not None and (
        _is_star(inner) or (isinstance(inner, exp.Column) and inner.name.lower() == name.lower())
    )
    same = len(sources) == 1 and sources[0].lower() == name.lower()
    return "copy" if plain and bare and same else "derive"


def _name(entry: Mapping[str, Any]) -> str:
    # Trino 476 serialises OutputColumnMetadata / ColumnDetail with `columnName` (the stack test reads real
    # events); the shorter `column` is accepted as well.
    return str(entry.get("columnName") or entry.get("column") or "")


def query_lineage(event: Mapping[str, Any], ended_at: datetime | None) -> QueryLineage | None:
    """The lineage run of one completed query that wrote a table; None for any other event."""
    began = time.monotonic()
    metadata = event.get("metadata") or {}
    output = (event.get("ioMetadata") or {}).get("output") or {}
    columns = output.get("columns") or []
    finished = str(metadata.get("queryState") or "FINISHED") == "FINISHED" and not event.get("failureInfo")
    if not (metadata.get("queryId") and ended_at and finished and output.get("table") and columns):
        return None
    target = node(str(output.get("catalogName")), str(output.get("schema")), str(output.get("table")))
    inputs = [
        node(str(i.get("catalogName")), str(i.get("schema")), str(i.get("table")))
        for i in (event.get("ioMetadata") or {}).get("inputs") or []
    ]
    select = _select(str(metadata.get("query") or ""))
    edges: list[Edge] = []
    unresolved: list[str] = []
    for index, column in enumerate(columns):
        name = _name(column)
        sources = sorted(
            {
                (node(str(s.get("catalog")), str(s.get("schema")), str(s.get("table"))), _name(s))
                for s in column.get("sourceColumns") or []
            }
        )
        item = _item(select, index, name, len(columns))
        transform = _transform(item, select is not None and select.plain, name, [c for _, c in sources])
        if sources:
            edges += [Edge(QUERY_PRODUCER, t, c, target, name, transform) for t, c in sources]
        elif transform == "aggregate" and inputs:  # count(*): the rows of what the query read
            edges += [Edge(QUERY_PRODUCER, t, None, target, name, "aggregate") for t in dict.fromkeys(inputs)]
        else:
            unresolved.append(name)
    context = event.get("context") or {}
    version = context.get("serverVersion")
    run = LineageRun(
        run_id=str(metadata["queryId"]),
        recorded_at=ended_at.astimezone(CHINA).replace(tzinfo=None),
        code_version=f"trino {version}" if version else "trino",
        edges=len(edges),
        contracts=0,
        models=0,
        unresolved=json.dumps(unresolved) if unresolved else None,
        duration_ms=round((time.monotonic() - began) * 1000),
        producer=QUERY_PRODUCER,
        run_by=str(context.get("user") or "") or None,
        statement=metadata.get("updateType"),
    )
    return QueryLineage(run, edges)


@dataclass(frozen=True)
class Recorded:
    runs: int
    edges: int


def record_queries(catalog: Catalog, lineages: Iterable[QueryLineage]) -> Recorded:
    """Append the query runs not yet recorded, edges first, run rows last (as every run is written).

    Idempotent like the query log (keyed appends): a run already in ``lineage_runs`` is skipped, and an
    edge already there (a load that died between the two commits) is not appended twice.
    """
    pending = {lineage.run.run_id: lineage for lineage in lineages}
    if not pending:
        return Recorded(0, 0)
    ensure_table(catalog, LINEAGE_EDGES, EDGES_SCHEMA)
    ensure_table(catalog, LINEAGE_RUNS, RUNS_SCHEMA)
    known = catalog.load_table(LINEAGE_RUNS).scan(
        row_filter=In("run_id", list(pending)), selected_fields=("run_id",)
    )
    for run_id in known.to_arrow().column("run_id").to_pylist():
        pending.pop(run_id, None)
    if not pending:
        return Recorded(0, 0)
    there = catalog.load_table(LINEAGE_EDGES).scan(
        row_filter=In("run_id", list(pending)), selected_fields=EDGE_KEY
    )
    done_edges = {tuple(r[k] for k in EDGE_KEY) for r in there.to_arrow().to_pylist()}
    rows = [
        e.row(q.run.run_id, q.run.recorded_at, q.run.code_version) for q in pending.values() for e in q.edges
    ]
    rows = [r for r in rows if tuple(r[k] for k in EDGE_KEY) not in done_edges]
    if rows:
        commit(catalog, LINEAGE_EDGES, pa.Table.from_pylist(rows, schema=EDGES_SCHEMA), "append")
    runs = pa.Table.from_pylist([q.run.row() for q in pending.values()], schema=RUNS_SCHEMA)
    done = commit(catalog, LINEAGE_RUNS, runs, "append", key=("run_id",), evolve=True)
    return Recorded(done.rows_written, len(rows))


@dataclass(frozen=True)
class QueryEdges:
    edges: list[Edge]
    queries: int  # recorded queries whose edges are shown


def query_edges(catalog: Catalog) -> QueryEdges:
    """The edges of recorded Trino queries still in force: per table written, those of its newest CREATE
    TABLE query and of the queries after it. Edges of a run without its run row (it died) are left out."""
    if not catalog.table_exists(LINEAGE_RUNS) or not catalog.table_exists(LINEAGE_EDGES):
        return QueryEdges([], 0)
    runs_table = catalog.load_table(LINEAGE_RUNS)
    if "producer" not in runs_table.schema().column_names:
        return QueryEdges([], 0)  # no query run yet: the optional columns come with the first one
    fields = ("run_id", "recorded_at", "statement")
    runs = runs_table.scan(row_filter=EqualTo("producer", QUERY_PRODUCER), selected_fields=fields)
    order = {r["run_id"]: r for r in runs.to_arrow().to_pylist()}
    if not order:
        return QueryEdges([], 0)
    rows = catalog.load_table(LINEAGE_EDGES).scan(row_filter=EqualTo("producer", QUERY_PRODUCER))
    by_table: dict[str, list[dict]] = defaultdict(list)
    for row in rows.to_arrow().to_pylist():
        if row["run_id"] in order:
            by_table[row["to_table"]].append(row)

    def when(run_id: str) -> tuple[datetime, str]:
        return order[run_id]["recorded_at"], run_id

    kept: list[Edge] = []
    shown: set[str] = set()
    for members in by_table.values():
        created = [when(r["run_id"]) for r in members if order[r["run_id"]]["statement"] == CREATE]
        since = max(created) if created else None
        for row in members:
            if since is None or when(row["run_id"]) >= since:
                kept.append(Edge.of_row(row))
                shown.add(row["run_id"])
    return QueryEdges(deduplicate(kept), len(shown))

"""Column lineage of one compiled SELECT with sqlglot: which input columns each output column comes from.

``sqlglot.lineage.lineage`` walks a column through CTEs, unions and subqueries down to the tables it is
read from; it needs the tables' columns (``schema``) to expand ``select *``. What it cannot name as a
column — ``count(*)`` reads rows, not a column — is kept as a table-level input of the table the rows come
from, with the transform said (aggregate). Constants (``'all' as scope``) have no input at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlglot import exp, parse_one
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage

from governance.lineage.model import strength

DIALECT = "duckdb"
Schema = Mapping[
    str, Mapping[str, Mapping[str, Mapping[str, str]]]
]  # database → schema → table → column → type


@dataclass(frozen=True)
class ColumnInput:
    """One input of an output column: ``relation`` as the SQL names it (catalog.schema.table)."""

    relation: str
    column: str | None  # None: the rows of the relation (count(*))
    transform: str  # copy | cast | derive | aggregate


def relation_name(table: exp.Table) -> str:
    """``"dbt"."stg"."x"`` as dbt's manifest spells a relation."""
    parts = [table.catalog, table.db, table.name]
    return ".".join(f'"{p}"' for p in parts if p)


def _step(expression: exp.Expression) -> str:
    """What one projection does to the column(s) it reads."""
    inner = expression.this if isinstance(expression, exp.Alias) else expression
    if inner.find(exp.AggFunc) is not None:
        return "aggregate"
    if isinstance(inner, exp.Column):
        return "copy"
    if isinstance(inner, exp.Cast) and isinstance(inner.this, exp.Column):
        return "cast"
    return "derive"


def _combine(transforms: list[str]) -> str:
    return max(transforms, key=strength) if transforms else "copy"


def _ctes(statement: exp.Expression) -> dict[str, exp.Expression]:
    return {cte.alias_or_name: cte.this for cte in statement.find_all(exp.CTE)}


def _from_tables(select: exp.Expression, ctes: Mapping[str, exp.Expression], driving: bool) -> Iterator[str]:
    """Physical relations a select reads rows from (its FROM only when ``driving``), through CTEs."""
    selects = list(select.find_all(exp.Select)) if isinstance(select, exp.Union) else [select]
    for one in selects:
        sources = []
        if one.args.get("from_"):
            sources.append(one.args["from_"].this)
        if not driving:
            sources += [join.this for join in one.args.get("joins") or []]
        for source in sources:
            if isinstance(source, exp.Table) and source.name in ctes and not source.db:
                yield from _from_tables(ctes[source.name], ctes, driving=False)
            elif isinstance(source, exp.Table):
                yield relation_name(source)
            elif isinstance(source, exp.Subquery):
                yield from _from_tables(source.this, ctes, driving=False)


def _leaves(node: Node, path: tuple[Node, ...] = ()) -> Iterator[tuple[Node, tuple[Node, ...]]]:
    if not node.downstream:
        yield node, path
    for child in node.downstream:
        yield from _leaves(child, (*path, node))


def _inputs(root: Node, ctes: Mapping[str, exp.Expression]) -> list[ColumnInput]:
    """The inputs under one output column's lineage node, one per input, strongest transform kept."""
    found: dict[tuple[str, str | None], str] = {}
    for leaf, path in _leaves(root):
        if isinstance(leaf.expression, exp.Table):
            key = (relation_name(leaf.expression), leaf.name.split(".")[-1])
            found[key] = _combine([found.get(key, "copy"), *(_step(n.expression) for n in path)])
        elif leaf.expression.find(exp.AggFunc) is not None:
            # count(*) and friends: the rows of the table the aggregating select reads from.
            for relation in _from_tables(leaf.source, ctes, driving=True):
                found[(relation, None)] = "aggregate"
        # anything else is a constant: no input
    return [ColumnInput(relation, column, transform) for (relation, column), transform in found.items()]


def model_inputs(
    sql: str, columns: list[str], schema: Schema
) -> tuple[dict[str, list[ColumnInput]], list[str]]:
    """Inputs of every output column of a model, and the columns sqlglot could not trace.

    All columns are traced in one pass (sqlglot shares the work across them); if that fails, column by
    column, so that one column sqlglot cannot read does not hide the others.
    """
    statement = parse_one(sql, dialect=DIALECT)
    ctes = _ctes(statement)
    try:
        roots = lineage(None, statement, schema=schema, dialect=DIALECT)
        return {c: _inputs(roots[c], ctes) for c in columns if c in roots}, [
            c for c in columns if c not in roots
        ]
    except SqlglotError:
        pass
    inputs: dict[str, list[ColumnInput]] = {}
    unresolved: list[str] = []
    for column in columns:
        try:
            inputs[column] = _inputs(lineage(column, statement, schema=schema, dialect=DIALECT), ctes)
        except SqlglotError:
            unresolved.append(column)
    return inputs, unresolved


def read_relations(sql: str) -> set[str]:
    """Every physical relation a statement reads (CTE names excluded)."""
    statement = parse_one(sql, dialect=DIALECT)
    ctes = set(_ctes(statement))
    return {relation_name(t) for t in statement.find_all(exp.Table) if not (t.name in ctes and not t.db)}


def filter_columns(sql: str, schema: Schema) -> set[tuple[str, str]]:
    """(relation, column) pairs a WHERE clause reads straight from a table: rows the model leaves out.

    Conditions on a CTE's columns are not followed (the CTE's own WHERE is seen where it reads its table);
    an aggregate's FILTER is already part of that column's lineage.
    """
    from sqlglot.optimizer.qualify import qualify

    statement = qualify(
        parse_one(sql, dialect=DIALECT), schema=schema, dialect=DIALECT, validate_qualify_columns=False
    )
    found: set[tuple[str, str]] = set()
    for select in statement.find_all(exp.Select):
        where = select.args.get("where")
        if where is None:
            continue
        aliases = {}
        sources = [select.args["from_"].this] if select.args.get("from_") else []
        sources += [join.this for join in select.args.get("joins") or []]
        for source in sources:
            if isinstance(source, exp.Table) and source.db:
                aliases[source.alias_or_name] = relation_name(source)
        for column in where.find_all(exp.Column):
            if column.table in aliases:
                found.add((aliases[column.table], column.name))
    return found

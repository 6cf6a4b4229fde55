"""What one SQL statement needs from each Iceberg table it reads: the columns and a pre-filter.

The plan is a pre-filter only: DuckDB still applies the whole query, so a plan must keep every row and column
the query could use. Whenever the SQL is not plainly understood (``*``, NATURAL joins, ``COLUMNS()``,
``#2``, PIVOT, a table read twice, outer joins, casts, floats …) the plan keeps everything rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pyiceberg.expressions import (
    AlwaysTrue,
    And,
    BooleanExpression,
    EqualTo,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    NotNull,
)
from pyiceberg.schema import Schema
from pyiceberg.types import (
    BooleanType,
    DateType,
    IcebergType,
    IntegerType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
)
from sqlglot import exp

TableKey = tuple[str, str]
_EPOCH_DAY = date(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1) - _EPOCH
# Column op literal  →  the same comparison seen from the literal's side (`5 < x` is `x > 5`).
_FLIPPED = {exp.EQ: exp.EQ, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.GT: exp.LT, exp.GTE: exp.LTE}
_PREDICATES = {
    exp.EQ: EqualTo,
    exp.LT: LessThan,
    exp.LTE: LessThanOrEqual,
    exp.GT: GreaterThan,
    exp.GTE: GreaterThanOrEqual,
}


@dataclass(frozen=True)
class ScanPlan:
    """``columns`` None means every column; ``row_filter`` AlwaysTrue when nothing could be pushed."""

    columns: tuple[str, ...] | None
    row_filter: BooleanExpression
    pushed: tuple[str, ...] = ()  # the SQL of each pushed conjunct, to show what was pre-filtered

    def selected_fields(self, schema: Schema) -> tuple[str, ...]:
        """The scan's fields; a query that names no column (``count(*)``) still needs one to count rows."""
        if self.columns is None:
            # Top-level fields: Schema.column_names also lists nested ones ("columns.element" of a list).
            return tuple(field.name for field in schema.fields)
        return self.columns or (schema.fields[0].name,)


def _reads_whole_rows(statement: exp.Expression) -> bool:
    """Whether some construct uses columns it does not name."""
    for star in statement.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            return True
    if any(isinstance(node, (exp.Columns, exp.Pivot, exp.PositionalColumn)) for node in statement.walk()):
        return True
    return any((join.method or "").upper() == "NATURAL" for join in statement.find_all(exp.Join))


def _lakehouse_tables(statement: exp.Expression, keys: set[TableKey]) -> list[exp.Table]:
    return [t for t in statement.find_all(exp.Table) if (t.db, t.name) in keys]


def _columns(
    statement: exp.Expression, keys: set[TableKey], schemas: Mapping[TableKey, Schema]
) -> dict[TableKey, tuple[str, ...] | None]:
    """Per table the columns whose name occurs anywhere in the statement (a safe over-approximation:
    qualifiers, USING lists and struct paths are all identifiers)."""
    if _reads_whole_rows(statement):
        return {key: None for key in keys}
    names = {ident.name.lower() for ident in statement.find_all(exp.Identifier)}
    column_names = {column.name.lower() for column in statement.find_all(exp.Column)}
    found: dict[TableKey, tuple[str, ...] | None] = {}
    for key in keys:
        aliases = {t.alias_or_name.lower() for t in _lakehouse_tables(statement, {key})}
        # DuckDB reads `select t from x.t as t` as the whole row as a struct.
        if aliases & column_names:
            found[key] = None
            continue
        found[key] = tuple(name for name in (f.name for f in schemas[key].fields) if name.lower() in names)
    return found


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    return [condition]


def _field(node: exp.Expression, alias: str, alone: bool, schema: Schema) -> NestedField | None:
    """The table's field a bare column reference names, or None when it may belong to another source."""
    if not isinstance(node, exp.Column) or not isinstance(node.this, exp.Identifier) or node.args.get("db"):
        return None
    if node.table:
        if node.table.lower() != alias:
            return None
    elif not alone:
        return None
    by_name = {f.name.lower(): f for f in schema.fields}
    return by_name.get(node.name.lower())


def _value(node: exp.Expression, kind: IcebergType) -> object | None:
    """The literal as the column's Iceberg value, only where DuckDB compares it the same way; else None.
    Floats (NaN orders differently), decimals (rounding) and time zones (session setting) are not pushed."""
    negative = isinstance(node, exp.Neg)
    if negative:
        node = node.this
    if isinstance(kind, (IntegerType, LongType)):
        if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
            return -int(node.this) if negative else int(node.this)
        return None
    if negative:
        return None
    if isinstance(kind, BooleanType):
        return node.this if isinstance(node, exp.Boolean) else None
    # DATE '…' / TIMESTAMP '…' only against a date or timestamp column: against text DuckDB would cast the
    # column instead, and '2026-11-1' would match where a string comparison does not.
    typed = (exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP)
    if isinstance(node, exp.Cast) and node.to.this in typed and isinstance(kind, (DateType, TimestampType)):
        node = node.this
    if not (isinstance(node, exp.Literal) and node.is_string):
        return None
    text = node.this
    try:
        if isinstance(kind, StringType):
            return text
        if isinstance(kind, DateType):
            return (date.fromisoformat(text) - _EPOCH_DAY).days
        if isinstance(kind, TimestampType):
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                return None
            return (moment - _EPOCH) // _MICROSECOND
    except ValueError:
        return None
    return None


def translate(condition: exp.Expression, alias: str, alone: bool, schema: Schema) -> BooleanExpression | None:
    """One WHERE conjunct as a pyiceberg predicate on the table known as ``alias``, or None."""
    if isinstance(condition, exp.Not) and isinstance(condition.this, exp.Is):
        inner = condition.this
        field = _field(inner.this, alias, alone, schema)
        return NotNull(field.name) if field and isinstance(inner.expression, exp.Null) else None
    if isinstance(condition, exp.Is):
        field = _field(condition.this, alias, alone, schema)
        return IsNull(field.name) if field and isinstance(condition.expression, exp.Null) else None
    if isinstance(condition, exp.Between):
        field = _field(condition.this, alias, alone, schema)
        if field is None:
            return None
        low, high = (
            _value(condition.args["low"], field.field_type),
            _value(condition.args["high"], field.field_type),
        )
        if low is None or high is None:
            return None
        return And(GreaterThanOrEqual(field.name, low), LessThanOrEqual(field.name, high))
    if isinstance(condition, exp.In):
        field = _field(condition.this, alias, alone, schema)
        if field is None or condition.args.get("query") or condition.args.get("unnest"):
            return None
        values = [_value(v, field.field_type) for v in condition.expressions]
        if not values or any(v is None for v in values):
            return None
        return In(field.name, set(values))
    if type(condition) in _PREDICATES:
        operator, column, other = type(condition), condition.this, condition.expression
        if not isinstance(column, exp.Column):
            operator, column, other = _FLIPPED[operator], other, column
        field = _field(column, alias, alone, schema)
        value = _value(other, field.field_type) if field else None
        return _PREDICATES[operator](field.name, value) if field and value is not None else None
    return None


def _inner_only(select: exp.Select) -> bool:
    """Outer, semi, anti, ASOF and positional joins: a pre-filter on one side could change the result."""
    for join in select.args.get("joins") or []:
        if join.side or (join.kind or "").upper() not in ("", "INNER", "CROSS") or join.method:
            return False
    return True


def _filters(
    statement: exp.Expression, keys: set[TableKey], schemas: Mapping[TableKey, Schema]
) -> dict[TableKey, tuple[BooleanExpression, tuple[str, ...]]]:
    found: dict[TableKey, tuple[BooleanExpression, tuple[str, ...]]] = {}
    tables = _lakehouse_tables(statement, keys)
    for table in tables:
        key = (table.db, table.name)
        select = table.parent.parent if isinstance(table.parent, (exp.From, exp.Join)) else None
        # A table read twice shares one copy, so a filter from one reading would starve the other.
        if sum(1 for t in tables if (t.db, t.name) == key) != 1 or not isinstance(select, exp.Select):
            continue
        where = select.args.get("where")
        if where is None or not _inner_only(select):
            continue
        alone = not select.args.get("joins")
        predicates: list[BooleanExpression] = []
        pushed: list[str] = []
        for conjunct in _conjuncts(where.this):
            predicate = translate(conjunct, table.alias_or_name.lower(), alone, schemas[key])
            if predicate is not None:
                predicates.append(predicate)
                pushed.append(conjunct.sql(dialect="duckdb"))
        if predicates:
            found[key] = (And(*predicates) if len(predicates) > 1 else predicates[0], tuple(pushed))
    return found


def plan_scans(statement: exp.Expression, schemas: Mapping[TableKey, Schema]) -> dict[TableKey, ScanPlan]:
    """Per lakehouse table of ``statement`` (keys as (zone, table), as written) what its scan must read."""
    keys = set(schemas)
    columns = _columns(statement, keys, schemas)
    filters = _filters(statement, keys, schemas)
    return {key: ScanPlan(columns[key], *filters.get(key, (AlwaysTrue(), ()))) for key in keys}

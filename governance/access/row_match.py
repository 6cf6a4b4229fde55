"""How many rows of an exchange table a grant opens, counted where the data is (issue #14, finding 5).

A grant whose row condition (where条件) matches no row shares nothing: approving it is refused unless the
approver says why it should stand, and the sharing KPI counts a grant only while it matches rows. Both
count here, with DuckDB over an Arrow scan of the Iceberg table, so the count works on every profile.

The condition is never pasted into SQL. It has passed the one validator
(`row_filter.validate_row_condition`: allow-listed nodes over the table's own columns); its tree is rendered
for DuckDB with every literal a bound parameter (`$1`, `$2` …) and every column a quoted identifier, so the
only text that reaches DuckDB is what sqlglot writes for allow-listed nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import duckdb
import pyarrow as pa
import sqlglot
from pyiceberg.catalog import Catalog
from sqlglot import exp

from governance.access.row_filter import DIALECT, RowConditionError, validate_row_condition

# Units of date_trunc and intervals are keywords (DAY, MONTH …), rendered as written: letters only.
_UNIT = re.compile(r"[A-Za-z_]+")
_VIEW = "grant_rows"


def _number(text: str) -> int | Decimal:
    return int(text) if re.fullmatch(r"[0-9]+", text) else Decimal(text)


def duckdb_condition(condition: str, columns: Iterable[str]) -> tuple[str, list[object]]:
    """The condition as a DuckDB boolean expression with `$n` placeholders, and the values to bind."""
    tree = sqlglot.parse_one(validate_row_condition(condition, columns), read=DIALECT)
    values: list[object] = []

    def bind(value: object) -> exp.Expression:
        values.append(value)
        return exp.Placeholder(this=str(len(values)))

    def unit_of(node: exp.Expression) -> None:
        unit = node.args.get("unit")
        if unit is not None and not _UNIT.fullmatch(unit.name):
            raise RowConditionError(f"unit of {_what(node)} must be a keyword such as DAY")

    def parameterise(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Interval):
            unit_of(node)
            amount = node.this
            if not isinstance(amount, exp.Literal) or not re.fullmatch(r"-?[0-9]+", amount.name):
                raise RowConditionError("an interval in a row condition must be a whole number, e.g. '3' DAY")
            # DuckDB takes no parameter inside INTERVAL: n × one unit, with n bound.
            one = exp.Interval(this=exp.Literal.number(1), unit=node.args["unit"].copy())
            return exp.Paren(this=exp.Mul(this=bind(int(amount.name)), expression=one))
        if isinstance(node, exp.Literal) and not isinstance(node.parent, exp.DataTypeParam | exp.DataType):
            # (a type's precision, TIMESTAMP(6), is part of the type, not a value)
            return bind(node.this if node.is_string else _number(node.this))
        if isinstance(node, exp.Func) and "unit" in node.args:
            unit_of(node)
        return node

    rendered = tree.transform(parameterise, copy=True)
    return rendered.sql(dialect="duckdb", identify=True), values


def _what(node: exp.Expression) -> str:
    return node.sql_name() if isinstance(node, exp.Func) else node.key.upper()


def count_matching(rows: pa.Table, condition: str | None, columns: Sequence[str]) -> int:
    """Rows of `rows` the condition matches (all of them for no condition)."""
    if condition is None or not condition.strip():
        return rows.num_rows
    where, values = duckdb_condition(condition, columns)
    with duckdb.connect() as connection:
        connection.register(_VIEW, rows)
        # `where` is sqlglot's rendering of allow-listed nodes with placeholders; no value is in it.
        found = connection.execute(f"SELECT count(*) FROM {_VIEW} WHERE {where}", values).fetchone()
    return int(found[0]) if found else 0


def condition_columns(condition: str | None, columns: Iterable[str]) -> list[str]:
    """The table columns a condition reads (only those are scanned)."""
    if condition is None or not condition.strip():
        return []
    tree = sqlglot.parse_one(validate_row_condition(condition, columns), read=DIALECT)
    return sorted({c.name for c in tree.find_all(exp.Column)})


def matched_rows(catalog: Catalog, table: str, condition: str | None, columns: Sequence[str]) -> int:
    """Rows of the Iceberg table `table` the condition matches now; 0 when the table does not exist yet."""
    if not catalog.table_exists(table):
        return 0
    iceberg = catalog.load_table(table)
    if iceberg.current_snapshot() is None:
        return 0
    wanted = condition_columns(condition, columns) or [iceberg.schema().fields[0].name]
    return count_matching(iceberg.scan(selected_fields=tuple(wanted)).to_arrow(), condition, columns)

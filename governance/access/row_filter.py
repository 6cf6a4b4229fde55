"""Validate a grant's row condition (where条件) before it becomes a Trino row filter.

Only a boolean expression over the table's own columns, literals and a few scalar functions is allowed:
no subqueries, no other tables, no session or system functions. Anything else is refused with a message
that names what is wrong, so the steward can correct the approval.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp

DIALECT = "trino"

# Predicates and connectives a condition is built from.
_BOOLEAN_ROOTS = (
    exp.And,
    exp.Or,
    exp.Not,
    exp.Paren,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.In,
    exp.Between,
    exp.Is,
    exp.Like,
    exp.ILike,
    exp.Boolean,
)
# Every node allowed anywhere inside the condition.
_ALLOWED = (
    *_BOOLEAN_ROOTS,
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Null,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.DPipe,
    exp.Cast,
    exp.TryCast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Tuple,
    exp.Date,
    exp.TsOrDsToDate,
    exp.CurrentDate,
    exp.CurrentTimestamp,
    exp.Interval,
    exp.Var,
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Substring,
    exp.Length,
    exp.Coalesce,
    exp.Year,
    exp.Month,
    exp.Day,
    exp.DateTrunc,
    exp.TimestampTrunc,
    exp.Abs,
    exp.Round,
)


class RowFilterError(ValueError):
    """The row condition is not a safe boolean expression over the table's columns."""


def validate_row_filter(condition: str, columns: Iterable[str]) -> str:
    """The condition as normalised Trino SQL, or RowFilterError saying why it is refused."""
    text = condition.strip()
    if not text:
        raise RowFilterError("the row condition is empty")
    try:
        parsed = sqlglot.parse(text, read=DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise RowFilterError(f"cannot parse the row condition {text!r}: {exc}") from exc
    if len(parsed) != 1 or parsed[0] is None:
        raise RowFilterError(f"the row condition must be one expression, got {text!r}")
    tree = parsed[0]
    if not isinstance(tree, _BOOLEAN_ROOTS):
        raise RowFilterError(
            f"the row condition must be a boolean expression (comparison, IN, BETWEEN, LIKE, IS, AND/OR/NOT), "
            f"not {tree.key.upper()}: {text!r}"
        )
    known = set(columns)
    for node in tree.walk():
        if isinstance(node, exp.Column):
            if node.table:
                raise RowFilterError(f"qualified column {node.sql(DIALECT)!r}: use the bare column name")
            if node.name not in known:
                raise RowFilterError(
                    f"unknown column {node.name!r} in the row condition; the table has: {', '.join(sorted(known))}"
                )
        elif not isinstance(node, _ALLOWED):
            what = node.sql(DIALECT)[:60] if not isinstance(node, exp.Select) else "a subquery"
            raise RowFilterError(f"{node.key.upper()} is not allowed in a row condition ({what})")
    return tree.sql(dialect=DIALECT)

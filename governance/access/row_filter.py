"""The one validator of a row condition (where条件), at request, approval and rule generation alike.

Only a boolean expression over the table's own columns, literals and a few scalar functions is allowed
(an allow-list of sqlglot nodes): no subqueries, no other tables, no session or system functions such as
``current_user`` (a condition must mean the same rows whoever runs the query). Anything else is refused
with a message that names what is wrong, so the requester or the steward can correct it. Messages never
quote the condition itself: its literals may be personal values.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp

DIALECT = "trino"

# Predicates a condition is built from (joined by AND / OR / NOT, see _is_condition).
_PREDICATES = (
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
    *_PREDICATES,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Paren,
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


class RowConditionError(ValueError):
    """The row condition is not a safe boolean expression over the table's columns; the message says why."""


def _where(error: sqlglot.errors.ParseError) -> str:
    """sqlglot's description and position, without its excerpt of the text (which may quote a value)."""
    first = error.errors[0] if error.errors else {}
    description = str(first.get("description") or "syntax error")
    if first.get("line"):
        return f"{description} at line {first['line']}, column {first.get('col')}"
    return description


def _is_condition(node: exp.Expression) -> bool:
    """True for predicates joined by AND / OR / NOT; parentheses are looked through, so neither
    ``(street)`` nor ``street AND x = 1`` passes as a condition."""
    node = node.unnest()
    if isinstance(node, exp.And | exp.Or):
        return _is_condition(node.left) and _is_condition(node.right)
    if isinstance(node, exp.Not):
        return _is_condition(node.this)
    return isinstance(node, _PREDICATES)


def _what(node: exp.Expression) -> str:
    """A refused node by its kind or function name, never by its text (literals may be personal values)."""
    if isinstance(node, exp.Anonymous):
        return f"function {node.name}"
    if isinstance(node, exp.Func):
        return f"function {node.sql_name()}"
    return node.key.upper()


def validate_row_condition(condition: str, columns: Iterable[str]) -> str:
    """The condition as normalised Trino SQL, or RowConditionError saying why it is refused.

    The one check of a row condition (where条件): the sharing workflow runs it when a request is made,
    checked and approved, and the access rules run it again before a grant becomes a Trino row filter,
    so a condition that was approved is never refused later (and the reverse).
    """
    text = condition.strip()
    if not text:
        raise RowConditionError("the row condition is empty")
    try:
        parsed = sqlglot.parse(text, read=DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise RowConditionError(f"the row condition is not a valid SQL expression ({_where(exc)})") from exc
    if len(parsed) != 1 or parsed[0] is None:
        raise RowConditionError("the row condition must be one expression, not several statements")
    tree = parsed[0]
    if isinstance(tree, exp.Query) or tree.find(exp.Query, exp.Subquery) is not None:
        raise RowConditionError("the row condition may not contain a query (subqueries are not allowed)")
    if not _is_condition(tree):
        raise RowConditionError(
            "the row condition must be a boolean expression (comparison, IN, BETWEEN, LIKE, IS, AND/OR/NOT), "
            "e.g. street = '申港大道'"
        )
    known = set(columns)
    unknown: set[str] = set()
    for node in tree.walk():
        if isinstance(node, exp.Column):
            if node.table:
                raise RowConditionError(
                    f"qualified column {node.table}.{node.name}: use the bare column name"
                )
            if node.name not in known:
                unknown.add(node.name)
        elif not isinstance(node, _ALLOWED):
            raise RowConditionError(f"{_what(node)} is not allowed in a row condition")
    if unknown:
        raise RowConditionError(
            f"the row condition names columns the resource does not share: {sorted(unknown)}; "
            f"shared columns: {', '.join(sorted(known))}"
        )
    return tree.sql(dialect=DIALECT)

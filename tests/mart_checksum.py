"""An order-independent checksum of a table's rows, to compare marts built by two engines (DuckDB, Trino).

Each row is rendered column by column (sorted by name) with its values normalised so that both engines'
spelling of one value is the same text: integers as integers whatever their width, doubles to 9 significant
digits (a sum over the same values may differ in its last bits with the order of addition), decimals as
doubles, timestamps and dates in ISO form. The row texts are hashed and the hashes added modulo 2**256, so
row order does not matter but a repeated row does.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa


def _value(value: object) -> str:
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else format(number, ".9g")
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def row_texts(table: pa.Table, skip: tuple[str, ...] = ()) -> list[str]:
    columns = sorted(c for c in table.column_names if c not in skip)
    data = [table.column(c).to_pylist() for c in columns]
    return [
        "|".join(f"{c}={_value(v)}" for c, v in zip(columns, values, strict=True))
        for values in zip(*data, strict=True)
    ]


@dataclass(frozen=True)
class Checksum:
    rows: int
    columns: tuple[str, ...]
    digest: str


def checksum(table: pa.Table, skip: tuple[str, ...] = ()) -> Checksum:
    total = 0
    texts = row_texts(table, skip)
    for text in texts:
        total = (total + int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")) % 2**256
    columns = tuple(sorted(c for c in table.column_names if c not in skip))
    return Checksum(rows=len(texts), columns=columns, digest=f"{total:064x}")


def differences(left: pa.Table, right: pa.Table, skip: tuple[str, ...] = (), limit: int = 5) -> str:
    """A few rows only one side has, for the failure message of a test (marts hold no personal data)."""
    a, b = Counter(row_texts(left, skip)), Counter(row_texts(right, skip))
    only_left, only_right = list((a - b).elements())[:limit], list((b - a).elements())[:limit]
    return "only left:\n  " + "\n  ".join(only_left) + "\nonly right:\n  " + "\n  ".join(only_right)

"""Columnar tables passed from the system generators to the format writers.

A table maps contract column names to equally long numpy arrays, typed by the column's logical type:
timestamps datetime64[s] (NaT = null), dates datetime64[D], numbers float64 (NaN = null), strings and
nullable integers object arrays (None = null), booleans bool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Table = dict[str, np.ndarray]


@dataclass(frozen=True)
class Chunk:
    """Rows for one output file: ``tag`` replaces the ``*`` of the source glob (a day, or an export date)."""

    tag: str | None
    table: Table
    title: str | None = None  # a title row some exports carry above the header (Excel)


def rows(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


def concat(tables: list[Table]) -> Table:
    if not tables:
        return {}
    return {name: np.concatenate([t[name] for t in tables]) for name in tables[0]}


def timestamps(seconds: np.ndarray, null: np.ndarray | None = None) -> np.ndarray:
    """datetime64[s] from int64 epoch seconds, NaT where ``null``."""
    out = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    if null is not None:
        out[null] = np.datetime64("NaT")
    return out


def nullable(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """An object array with None where ``null``: for strings and integers that may be missing."""
    out = np.asarray(values).astype(object)
    out[null] = None
    return out


def floats(values: np.ndarray, decimals: int, null: np.ndarray | None = None) -> np.ndarray:
    out = np.round(np.asarray(values, dtype=np.float64), decimals)
    if null is not None:
        out[null] = np.nan
    return out


def sequence_ids(prefix: str, day_compact: str, n: int, width: int) -> np.ndarray:
    """``<prefix><yyyymmdd><seq>`` identifiers: unique across days because the day is part of the id."""
    if n == 0:
        return np.zeros(0, dtype=object)
    return np.char.add(f"{prefix}{day_compact}", np.char.zfill(np.arange(1, n + 1).astype(str), width))


def take(table: Table, index: np.ndarray) -> Table:
    return {k: v[index] for k, v in table.items()}

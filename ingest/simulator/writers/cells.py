"""Turn typed table columns into the values a given file format stores, and name them as the source does."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from governance.contracts import Column, DatasetContract
from ingest.simulator.bad_rows import plant
from ingest.simulator.table import Table, rows

Flavour = Literal["text", "sqlite", "json", "excel"]


def field_name(column: Column) -> str:
    """The key a system uses for a column: its own field name when the contract records one."""
    return column.source_field or column.name


def header_label(contract: DatasetContract, column: Column) -> str:
    if contract.source.header == "business_name":
        return column.business_name or column.name
    return field_name(column)


def _nulls(out: list[Any], null: np.ndarray) -> list[Any]:
    for i in np.flatnonzero(null):
        out[i] = None
    return out


def column_values(column: Column, values: np.ndarray, flavour: Flavour) -> list[Any]:
    """Python values for one column: ISO text for times (Excel gets real datetimes), None for nulls."""
    kind = column.logical_type
    if kind == "timestamp":
        values = values.astype("datetime64[s]")
        null = np.isnat(values)
        if flavour == "excel":
            return values.astype(object).tolist()  # datetime objects, None for NaT
        return _nulls(np.char.replace(np.datetime_as_string(values, unit="s"), "T", " ").tolist(), null)
    if kind == "date":
        values = values.astype("datetime64[D]")
        null = np.isnat(values)
        if flavour == "excel":
            return values.astype(object).tolist()
        return _nulls(np.datetime_as_string(values).tolist(), null)
    if kind == "number":
        values = np.asarray(values, dtype=np.float64)
        return _nulls(values.tolist(), np.isnan(values))
    if kind == "boolean":
        return [
            None if v is None else (bool(v) if flavour in ("json", "excel") else int(bool(v))) for v in values
        ]
    if kind == "integer":
        return [None if v is None else int(v) for v in values.tolist()]
    return [None if v is None else str(v) for v in values.tolist()]


def source_rows(contract: DatasetContract, table: Table, flavour: Flavour) -> list[tuple[Any, ...]]:
    """Rows in contract column order; fails loudly if a generator drifted from its contract."""
    expected = [c.name for c in contract.source_columns]
    if sorted(expected) != sorted(table):
        raise ValueError(
            f"{contract.name}: generated columns {sorted(table)} do not match contract {expected}"
        )
    if rows(table) == 0:
        return []
    columns = [column_values(c, table[c.name], flavour) for c in contract.source_columns]
    # bad rows of the kinds real exports carry, only when the run asked for them (simulate(bad_rows=…))
    return plant(contract, list(zip(*columns, strict=True)), flavour)


def target_path(out: Path, contract: DatasetContract, tag: str | None) -> Path:
    """Where a file goes: the source glob with its ``*`` replaced by ``tag`` (or the fixed file name)."""
    pattern = contract.source.glob or contract.source.file
    assert pattern is not None
    if "*" in pattern:
        if tag is None:
            raise ValueError(f"{contract.name}: {pattern} needs a tag for its '*'")
        return out / pattern.replace("*", tag, 1)
    return out / pattern


def clear(out: Path, contract: DatasetContract) -> None:
    """Remove the files a previous run wrote for this dataset, so stale days never linger."""
    if contract.source.glob:
        for old in out.glob(contract.source.glob):
            old.unlink()
    if contract.source.file and contract.source.format != "sqlite":
        (out / contract.source.file).unlink(missing_ok=True)

"""Bad rows of the kinds real department exports carry, planted on request so quarantine has work to do.

Kinds: an impossible date (2026-02-30), an ID number or credit code with a wrong check character, a null in
a required column, a duplicated key (the same record exported twice) and, in CSV, a ragged row (a field
lost). SQLite sources enforce NOT NULL and their primary key, so only the first two occur there.

Off unless ``planting(share, seed)`` is active (``simulate(bad_rows=…)``): tests that rely on clean data
get clean data. The count per file is ``share × rows``, at least one, and never more than half of what the
contract's ``max_reject_share`` allows, so a load with planted rows still commits.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from governance.contracts import Column, DatasetContract

CHECKED = ("cn_resident_id", "cn_uscc")  # identifiers whose last character is a check character
_ACTIVE: ContextVar[tuple[float, int] | None] = ContextVar("bad_rows", default=None)


@contextmanager
def planting(share: float, seed: int) -> Iterator[None]:
    if not 0 <= share < 1:
        raise ValueError("bad_rows is a share of rows, in [0, 1)")
    token = _ACTIVE.set((share, seed) if share > 0 else None)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def how_many(contract: DatasetContract, rows: int, share: float) -> int:
    allowed = math.floor(contract.load.max_reject_share * rows / 2)
    return min(max(1, round(share * rows)), allowed)


def _kinds(contract: DatasetContract, flavour: str) -> list[str]:
    columns = contract.source_columns
    kinds = []
    if any(c.logical_type in ("date", "timestamp") and not c.primary_key for c in columns):
        kinds.append("impossible_date")
    if any(c.validator in CHECKED for c in columns):
        kinds.append("check_digit")
    if flavour != "sqlite":
        if any(c.required and not c.primary_key for c in columns):
            kinds.append("null_required")
        if contract.primary_key:
            kinds.append("duplicate_key")
    if flavour == "text":
        kinds.append("ragged")
    return kinds


def _wrong_check(value: str) -> str:
    last = value[-1].upper()
    return value[:-1] + ("0" if last != "0" else "1")


def _spoil(contract: DatasetContract, row: tuple[Any, ...], kind: str) -> list[tuple[Any, ...]]:
    columns = contract.source_columns
    cells = list(row)

    def first(test: Callable[[Column, Any], bool]) -> int | None:
        return next((i for i, c in enumerate(columns) if test(c, cells[i])), None)

    if kind == "impossible_date":
        i = first(lambda c, v: c.logical_type in ("date", "timestamp") and not c.primary_key and c.required)
        i = (
            i
            if i is not None
            else first(lambda c, v: c.logical_type in ("date", "timestamp") and not c.primary_key)
        )
        cells[i] = "2026-02-30" if columns[i].logical_type == "date" else "2026-02-30 09:00:00"
    elif kind == "check_digit":
        i = first(lambda c, v: c.validator in CHECKED and v)
        if i is None:
            return [row]
        cells[i] = _wrong_check(str(cells[i]))
    elif kind == "null_required":
        cells[first(lambda c, v: c.required and not c.primary_key)] = None
    elif kind == "duplicate_key":
        return [row, row]  # exported twice: the later copy wins, the earlier one is quarantined
    elif kind == "ragged":
        return [tuple(cells[:-1])]  # one field lost: "row has 9 fields, header has 10"
    return [tuple(cells)]


def plant(contract: DatasetContract, rows: list[tuple[Any, ...]], flavour: str) -> list[tuple[Any, ...]]:
    """``rows`` with some spoiled, when planting is active; the same input always gives the same output."""
    active = _ACTIVE.get()
    if active is None or not rows:
        return rows
    share, seed = active
    kinds = _kinds(contract, flavour)
    count = how_many(contract, len(rows), share) if kinds else 0
    if count == 0:
        return rows
    digest = hashlib.sha256(f"{seed}:{contract.name}:{len(rows)}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    chosen = set(rng.choice(len(rows), size=count, replace=False).tolist())
    out: list[tuple[Any, ...]] = []
    planted = 0
    for index, row in enumerate(rows):
        if index in chosen:
            out += _spoil(contract, row, kinds[planted % len(kinds)])
            planted += 1
        else:
            out.append(row)
    return out

"""What every connector hands to enforcement: one unit of source data with where-it-came-from."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyarrow as pa


class SourceError(ValueError):
    """A source that cannot be read at all; the message names the file and what to do."""


def header_key(name: str) -> str:
    """What a header says once look-alikes are folded: NFKC, no format characters, no white space, any case."""
    visible = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    return "".join(unicodedata.normalize("NFKC", visible).split()).casefold()


def is_header_row(cells: Iterable[str], expected: Iterable[str]) -> bool:
    """Whether a row of a file is its header: it names at least half of the contract's columns (a title row
    above it, as spreadsheets carry, names none)."""
    wanted = {header_key(name) for name in expected}
    return len(wanted & {header_key(cell) for cell in cells}) >= max(1, len(wanted) // 2)


@dataclass(frozen=True)
class Malformed:
    """Rows a connector could not split into the header's fields. Each stands in the unit's table as a row of
    nulls, so it counts in rows in; enforcement quarantines it with this reason and the raw text."""

    rows: list[int]  # positions in the unit's table
    locators: list[str]  # where a person finds the row ("line 12")
    reasons: list[str]  # what is wrong with it, without its values
    raw: list[str]  # the row's text as the source wrote it (for the stewards-only quarantine)


@dataclass(frozen=True)
class SourceUnit:
    """One file, API page set or query result: loaded whole or not at all."""

    name: str  # relative path or "table@watermark-range": shown to people
    fingerprint: str  # content hash; a unit already committed is skipped
    table: pa.Table  # columns named as the source names them (Chinese headers, camelCase keys…)
    # Per row, where a person finds it in the source ("line 12", "page 3 item 5"); or, for files whose rows
    # are numbered consecutively, a (prefix, first number) rule so clean loads never build the labels.
    locators: pa.Array | None
    watermark: str | None = None  # for incremental SQL: the highest watermark value in this unit
    notes: list[str] = field(default_factory=list)
    row_label: tuple[str, int] = ("row ", 1)
    # For a unit read typed straight away: how to read it again with every value as the source wrote it.
    as_written: Callable[[], pa.Table] | None = None
    malformed: Malformed | None = None
    encoding: str | None = None  # for text read from bytes in an encoding not fixed by the format

    def written_table(self) -> pa.Table:
        return self.as_written() if self.as_written is not None else self.table

    def locate(self, rows: pa.Array) -> pa.Array:
        if self.locators is not None:
            labels = self.locators.take(rows)
        else:
            prefix, first = self.row_label
            labels = pa.array([f"{prefix}{i + first}" for i in rows.to_pylist()], pa.string())
        if self.malformed is None:
            return labels
        own = dict(zip(self.malformed.rows, self.malformed.locators, strict=True))
        return pa.array(
            [own.get(i, label) for i, label in zip(rows.to_pylist(), labels.to_pylist(), strict=True)],
            pa.string(),
        )

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


def fingerprint_bytes(data: bytes | pa.Buffer) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


NOT_AN_OBJECT = "not a JSON object (a record is one object of named fields)"


def object_records(items: list, locators: list[str], where: str) -> tuple[list[dict], Malformed | None]:
    """``items`` of a JSON document, each that is no object (null, a string, a list) standing as an empty
    record, so it counts in rows in, and set aside as malformed for enforcement to quarantine. A document in
    which no item is an object is refused."""
    bad = [i for i, item in enumerate(items) if not isinstance(item, dict)]
    if not bad:
        return items, None
    if len(bad) == len(items):
        raise SourceError(f"{where}: no item is a JSON object; ask the provider to export the records again")
    records = [item if isinstance(item, dict) else {} for item in items]
    raw = [json.dumps(items[i], ensure_ascii=False, default=str) for i in bad]
    return records, Malformed(bad, [locators[i] for i in bad], [NOT_AN_OBJECT] * len(bad), raw)


def text_columns(records: list[dict], fields: list[str]) -> pa.Table:
    """Records as text columns; typed parsing is enforcement's job, so every value is kept as written."""
    columns: dict[str, list[str | None]] = {name: [] for name in fields}
    extra: set[str] = set()
    for record in records:
        for name in fields:
            value = record.get(name)
            columns[name].append(None if value is None else _as_text(value))
        extra.update(k for k in record if k not in columns)
    for name in sorted(extra):
        columns[name] = [None if r.get(name) is None else _as_text(r.get(name)) for r in records]
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

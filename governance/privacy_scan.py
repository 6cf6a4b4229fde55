"""Leak scanner: personal data left in a table that is about to be published.

Text columns are scanned in full (prefilter + Presidio); other columns on an evenly spaced sample
with whole-cell validators, plus Presidio on sampled cells that look like they embed something.
Findings carry counts and a *masked* example only: this module never returns nor logs a raw value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from governance.pii.classes import ADDRESS, PERSON_NAME, PERSONAL_CLASSES, PRIORITY
from governance.pii.classify import classify_column, has_name_hint
from governance.pii.validators import validate

DEFAULT_SAMPLE_ROWS = 1000
# Names and addresses have no checksum: "南向北" or "高血压" look like names and a building's address like a
# home address. In structured columns they count only where the column name says so.
CONTEXT_ONLY_CLASSES = frozenset({PERSON_NAME, ADDRESS})
FALLBACK_EXAMPLE = "***"
# A finding spanning this share of its cell is the cell's whole value ("金桥临港园区1234号楼" is a building's
# name, all of it an address to the recogniser), not something embedded in a sentence.
WHOLE_VALUE_SHARE = 0.6


@dataclass(frozen=True)
class LeakFinding:
    column: str
    pii_class: str
    count: int  # cells (structured) or findings (text) in the scanned rows
    example_masked: str
    rows_scanned: int = 0


def masked_example(value: str, pii_class: str) -> str:
    """A display mask of one value; never the value itself (falls back to ``***``)."""
    from governance.masking.policies import mask

    masked = mask(pa.array([value], pa.string()), pii_class)[0].as_py()
    if not masked or masked == value or masked.strip("*") == value.strip():
        return FALLBACK_EXAMPLE
    return masked


def _scannable(column: pa.ChunkedArray | pa.Array) -> pa.Array | None:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    t = column.type
    if pa.types.is_dictionary(t):
        column, t = column.cast(t.value_type), t.value_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return column
    if pa.types.is_integer(t):  # phone numbers and ids stored as integers are still leaks
        return column.cast(pa.string())
    return None


def _whole_value(start: int, end: int, text: str) -> bool:
    return end - start >= WHOLE_VALUE_SHARE * len(text.strip())


def _scan_text(name: str, values: pa.Array, declared: bool = True) -> list[LeakFinding]:
    """Every finding in every candidate cell. In a column only *classified* as text (``declared`` False), a
    name or address that is the cell's whole value counts only where the column's name says so, as in a
    structured column: long building and park names made such a column look like text."""
    # Presidio loads in about a second: only when a scan runs, not with the Dagster definitions.
    from governance.pii.analyzer import analyze_text
    from governance.pii.prefilter import candidate_cells

    cand = candidate_cells(values)
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    for text in cand:
        for f in analyze_text(text):
            if f.pii_class not in PERSONAL_CLASSES:
                continue
            if (
                not declared
                and f.pii_class in CONTEXT_ONLY_CLASSES
                and _whole_value(f.start, f.end, text)
                and not has_name_hint(name, f.pii_class)
            ):
                continue
            counts[f.pii_class] = counts.get(f.pii_class, 0) + 1
            if f.pii_class not in examples:
                examples[f.pii_class] = masked_example(text[f.start : f.end], f.pii_class)
    return [LeakFinding(name, c, counts[c], examples[c], len(values)) for c in _ordered(counts)]


def _scan_sample(name: str, values: pa.Array, sample_rows: int) -> list[LeakFinding]:
    present = values.filter(pc.fill_null(pc.is_valid(values), False))
    if len(present) > sample_rows:
        idx = np.linspace(0, len(present) - 1, sample_rows).astype(np.int64)
        present = present.take(pa.array(idx))
    n = len(present)
    if n == 0:
        return []
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    claimed = np.zeros(n, dtype=bool)
    for pii_class in PERSONAL_CLASSES:
        if pii_class in CONTEXT_ONLY_CLASSES and not has_name_hint(name, pii_class):
            continue
        # A name or address column is scanned as its name announces it (Zhang San in a name column).
        hits = validate(present, pii_class, loose=pii_class in CONTEXT_ONLY_CLASSES) & ~claimed
        if hits.any():
            claimed |= hits
            counts[pii_class] = int(hits.sum())
            first = present[int(np.flatnonzero(hits)[0])].as_py()
            examples[pii_class] = masked_example(first, pii_class)
    # Cells that are not a whole value may still embed one ("张伟(13812345678)").
    rest = present.filter(pa.array(~claimed))
    # A name or address embedded in a longer value counts; one that is the whole value only where the
    # column's name says so (the rule above).
    text_findings = _scan_text(name, rest, declared=False) if len(rest) else []
    for f in text_findings:
        counts[f.pii_class] = counts.get(f.pii_class, 0) + f.count
        examples.setdefault(f.pii_class, f.example_masked)
    return [LeakFinding(name, c, counts[c], examples[c], n) for c in _ordered(counts)]


def _ordered(counts: dict[str, int]) -> list[str]:
    return sorted(counts, key=lambda c: PRIORITY[c])


def scannable_columns(table: pa.Table) -> list[str]:
    """The columns ``scan_table`` reads (text and integers); the others cannot hold an identifier as such."""
    return [name for name in table.column_names if _scannable(table.column(name)) is not None]


def scan_table(
    table: pa.Table,
    text_columns: Sequence[str] | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> list[LeakFinding]:
    """Personal data found in ``table``. ``text_columns`` are scanned on all rows; when ``None``,
    columns classified as free text are. Every other string/integer column is sampled.
    """
    findings: list[LeakFinding] = []
    for name in table.column_names:
        values = _scannable(table.column(name))
        if values is None:
            continue
        declared = text_columns is not None
        is_text = (
            name in text_columns
            if text_columns is not None
            else classify_column(name, values).pii_class == "free_text"
        )
        findings.extend(
            _scan_text(name, values, declared) if is_text else _scan_sample(name, values, sample_rows)
        )
    return findings

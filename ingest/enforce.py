"""Contract enforcement: source columns -> typed contract columns; rows that break the contract are rejected
with a reason a person can act on (which column, what was found, what was expected)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from governance.contracts import Column, DatasetContract
from infra.parallel import thread_map
from ingest.coerce import coerce
from ingest.connectors import SourceError, SourceUnit, source_field_names
from ingest.headers import match_headers
from ingest.validators import VALIDATORS


@dataclass(frozen=True)
class Rejects:
    """Rejected rows of one unit: positions in the unit, the column at fault and why."""

    rows: pa.Array  # int64 positions
    columns: pa.Array  # string
    reasons: pa.Array  # string

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Enforced:
    table: pa.Table  # the contract's raw schema, accepted rows only
    rejects: Rejects
    notes: list[str] = field(default_factory=list)


# A value that may be personal data in the wrong column (a row shifted by a missing and an extra field):
# a run of 11 or more digits (mobile, resident ID, bank card) or any letter outside ASCII and date words
# (a name). Reasons name its column and what was wrong, but do not echo it.
_MAY_BE_PERSONAL = r"(?:[0-9０-９][ -]?){11,}|[^\x00-\x7f０-９年月日时分秒点号．：／－]"


def _reason_for(
    col: Column, source_name: str, problem: str, values: pa.Array | None = None
) -> pa.Array | str:
    prefix = f"{col.label}: " if source_name == col.label else f"{col.label} ({source_name}): "
    if values is None or col.pii or col.personal:  # never echo personal or sensitive data into reasons
        return prefix + problem
    text = pc.cast(values, pa.string())
    shown = pc.utf8_slice_codeunits(text, 0, 40)
    echoed = pc.binary_join_element_wise(prefix + "'", shown, "' " + problem, "")
    hidden = pc.fill_null(pc.match_substring_regex(text, _MAY_BE_PERSONAL), False)
    return pc.if_else(hidden, prefix + problem, echoed)


def _shape(value: str, limit: int = 24) -> str:
    """A value's form without the value: 9 for a digit, a for a letter, 汉 for a Chinese (or other
    non-Latin) letter; spaces and separators as they are."""
    out = "".join(
        "9" if ch.isdigit() else ("a" if ch.isascii() else "汉") if ch.isalpha() else ch
        for ch in value[:limit]
    )
    return out + ("…" if len(value) > limit else "")


_SHAPE_LEGEND = "9 digit, a letter, 汉 Chinese character"


def _found_headers(present: set[str], names: dict[str, str], encoding: str | None) -> str:
    """The header names found, unless none is the contract's: then the "header" is likely a data row (a file
    without its header line), or text read in the wrong encoding, whose cells must not be echoed."""
    if present & set(names.values()):
        return f"found {sorted(present)}"
    read_as = f", or the file not in {encoding} (the encoding it was read in)" if encoding else ""
    return (
        f"found {len(present)} columns, none named as the contract expects: is the header row missing, "
        f"the delimiter not one of , ; tab |{read_as}?"
    )


def enforce(contract: DatasetContract, unit: SourceUnit) -> Enforced:
    names = source_field_names(contract)
    unit = match_headers(unit, names.values())
    present = set(unit.table.column_names)
    notes = list(unit.notes)
    missing_required = [c for c in contract.source_columns if c.required and names[c.name] not in present]
    if missing_required and unit.num_rows:
        listed = ", ".join(f"{c.label} (expected header '{names[c.name]}')" for c in missing_required)
        raise SourceError(
            f"{unit.name}: required columns missing: {listed}; {_found_headers(present, names, unit.encoding)}"
        )
    unexpected = sorted(present - set(names.values()))
    shown = (
        unexpected
        if present & set(names.values())
        else f"{len(unexpected)}, names not shown (no header matches the contract: is the header row missing?)"
    )
    if unexpected and contract.load.schema_evolution:
        notes.append(f"{unit.name}: new source columns added as text (contract allows evolution): {shown}")
    elif unexpected:
        notes.append(
            f"{unit.name}: columns not in the contract were not loaded: {shown}; declare them in "
            f"{contract.path.name} (or set load.schema_evolution: true) to keep them"
        )

    length = unit.num_rows
    reason = _malformed_reasons(unit)  # a row the connector could not split is rejected first
    reason = _repeated_header_rows(unit, [names[c.name] for c in contract.source_columns], reason)
    reason = _totals_rows(unit, reason)
    culprit = pa.nulls(length, pa.string())

    def check(col: Column) -> tuple[pa.Array, list[Finding]]:
        source_name = names[col.name]
        if source_name not in present:
            return pa.nulls(length, col.arrow_type), []
        return _check_column(unit, col, source_name)

    checked = thread_map(check, contract.source_columns)  # columns are independent
    arrays: dict[str, pa.Array] = {}
    for col, (values, findings) in zip(contract.source_columns, checked, strict=True):
        arrays[col.name] = values
        for mask, why in findings:  # in column order, and per column in check order: the first reason wins
            fresh = pc.and_(pc.fill_null(mask, False), pc.is_null(reason))
            reason = pc.if_else(fresh, why, reason)
            culprit = pc.if_else(fresh, col.name, culprit)

    typed = pa.table(arrays, schema=_nullable(contract))
    ok = pc.is_null(reason)
    typed, ok, reason, culprit = _reject_duplicate_keys(contract, typed, ok, reason, culprit, unit)
    rejected_rows = pc.indices_nonzero(pc.invert(ok))
    rejects = Rejects(
        rows=pc.cast(rejected_rows, pa.int64()),
        columns=pc.take(culprit, rejected_rows),
        reasons=pc.take(reason, rejected_rows),
    )
    all_ok = len(rejected_rows) == 0
    accepted = (typed if all_ok else typed.filter(ok)).cast(contract.raw_arrow_schema())
    if unexpected and contract.load.schema_evolution:
        for name in unexpected:
            extra = pc.cast(unit.table.column(name), pa.string())
            extra = extra if all_ok else extra.filter(ok)
            accepted = accepted.append_column(pa.field(name, pa.string()), extra)
    return Enforced(accepted, rejects, notes)


Finding = tuple[pa.Array, "pa.Array | str"]  # rows at fault (some true), and why


def _malformed_reasons(unit: SourceUnit) -> pa.Array:
    """Per row, why the connector set it aside (no single column is at fault); null for every other row."""
    if unit.malformed is None:
        return pa.nulls(unit.num_rows, pa.string())
    reasons: list[str | None] = [None] * unit.num_rows
    for row, why in zip(unit.malformed.rows, unit.malformed.reasons, strict=True):
        reasons[row] = why
    return pa.array(reasons, pa.string())


REPEATED_HEADER = "the header row again, not a record (two exports joined into one file?)"


def _repeated_header_rows(unit: SourceUnit, source_names: list[str], reason: pa.Array) -> pa.Array:
    """``reason`` with :data:`REPEATED_HEADER` for each row whose text cells are the header's names (cells of
    a typed column cannot be: a header cell would have sent the file to the text path)."""
    text = [
        name
        for name in source_names
        if name in unit.table.column_names and pa.types.is_string(unit.table.schema.field(name).type)
    ]
    if len(text) < 2:
        return reason
    repeated = None
    for name in text:
        same = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(unit.table.column(name)), name), False)
        repeated = same if repeated is None else pc.and_(repeated, same)
        if not pc.any(repeated).as_py():
            return reason
    return _marked(reason, repeated, REPEATED_HEADER)


TOTALS_ROW = "a totals row (合计, 总计 …), not a record: a spreadsheet's sum line exported with the data"
TOTALS_LABELS = ("合计", "总计", "总合计", "小计", "共计", "total", "totals", "subtotal", "grand total")


def _totals_rows(unit: SourceUnit, reason: pa.Array) -> pa.Array:
    """``reason`` with :data:`TOTALS_ROW` for each row whose first cell (in the file's order) is a totals
    label, 合计 or 合计：."""
    if not unit.table.num_columns or not pa.types.is_string(unit.table.schema.field(0).type):
        return reason
    label = pc.utf8_lower(pc.utf8_trim(unit.table.column(0), " :：\u3000"))
    totals = pc.fill_null(pc.is_in(label, value_set=pa.array(TOTALS_LABELS)), False)
    return _marked(reason, totals, TOTALS_ROW) if pc.any(totals).as_py() else reason


def _marked(reason: pa.Array, rows: pa.Array | pa.ChunkedArray, why: str) -> pa.Array:
    """``reason`` with ``why`` for the ``rows`` that have no reason yet."""
    marked = pc.if_else(pc.and_(rows, pc.is_null(reason)), why, reason)
    return marked.combine_chunks() if isinstance(marked, pa.ChunkedArray) else marked


def _check_column(unit: SourceUnit, col: Column, source_name: str) -> tuple[pa.Array, list[Finding]]:
    """One column parsed to its contract type, with the rows it rejects; reasons are built only for
    checks that found something (a reason may echo values, which costs a pass over the column)."""
    raw = unit.table.column(source_name).combine_chunks()
    values, failed = coerce(raw, col.logical_type, col.arrow_type)
    _refuse_type_change(unit, col, source_name, raw, failed)
    findings: list[Finding] = []
    if pc.any(failed).as_py():
        findings.append((failed, _reason_for(col, source_name, f"cannot be read as {col.logical_type}", raw)))
    if col.required:
        missing = pc.and_(pc.is_null(values), pc.invert(failed))
        if pc.any(missing).as_py():
            findings.append((missing, _reason_for(col, source_name, "required value is missing")))
    if col.validator:
        is_valid, problem = VALIDATORS[col.validator]
        invalid = pc.invert(is_valid(values))
        if pc.any(invalid).as_py():
            as_number = pc.and_(invalid, pc.fill_null(pc.match_substring_regex(values, _SCIENTIFIC), False))
            if pc.any(as_number).as_py():
                findings.append((as_number, _reason_for(col, source_name, _STORED_AS_NUMBER)))
            findings.append((invalid, _reason_for(col, source_name, problem, values)))
    return values, findings


# An identifier a spreadsheet stored as a number comes out as 3.101151948122361e+17: its digits past the
# 15th or 16th are gone, and no check can give them back.
_SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$"
_STORED_AS_NUMBER = (
    "stored as a number in the export (scientific notation): digits past the 15th are lost; ask the provider "
    "to export this column as text"
)


# A column whose every value fails to parse is a changed export, not a batch of bad rows.
TYPE_CHANGE_MIN_VALUES = 20


def _refuse_type_change(
    unit: SourceUnit, col: Column, source_name: str, raw: pa.Array, failed: pa.Array
) -> None:
    present = len(raw) - raw.null_count
    if present < TYPE_CHANGE_MIN_VALUES or pc.sum(failed).as_py() != present:
        return
    first = pc.index(pc.is_valid(raw), True).as_py()
    found = _shape(pc.cast(raw[first], pa.string()).as_py())
    raise SourceError(
        f"{unit.name}: column {col.label} ({source_name}) expected {col.logical_type}, found values shaped "
        f"'{found}' ({_SHAPE_LEGEND}) in all {present} rows (first: {unit.locate(pa.array([first]))[0]}): "
        "the source's type changed; fix the export or change the contract"
    )


def _nullable(contract: DatasetContract) -> pa.Schema:
    # Rows may still hold nulls in required columns here; they are filtered before the strict cast.
    return pa.schema([pa.field(c.name, c.arrow_type, nullable=True) for c in contract.source_columns])


def _reject_duplicate_keys(
    contract: DatasetContract,
    typed: pa.Table,
    ok: pa.Array,
    reason: pa.Array,
    culprit: pa.Array,
    unit: SourceUnit,
) -> tuple[pa.Table, pa.Array, pa.Array, pa.Array]:
    """Within one unit a key may appear once; the last occurrence wins (later rows are later updates)."""
    key = contract.primary_key
    if not key or typed.num_rows == 0:
        return typed, ok, reason, culprit
    if len(key) == 1 and _all_distinct(typed.column(key[0]).filter(ok)):
        return typed, ok, reason, culprit  # the common case: no key repeats, skip the grouping
    positions = pa.array(range(typed.num_rows), pa.int64())
    frame = typed.select(list(key)).append_column("_pos", positions).filter(ok)
    last = frame.group_by(list(key)).aggregate([("_pos", "max"), ("_pos", "count")])
    if pc.max(last.column("_pos_count")).as_py() in (None, 1):
        return typed, ok, reason, culprit
    keep = pc.is_in(positions, value_set=last.column("_pos_max"))
    dropped = pc.and_(ok, pc.invert(keep))
    kept_at = _kept_locator(typed, last, key, unit)
    why = pc.binary_join_element_wise(
        f"duplicate primary key ({', '.join(key)}) within {unit.name}; the later row at ",
        kept_at,
        " was kept",
        "",
    )
    reason = pc.if_else(dropped, why, reason)
    culprit = pc.if_else(dropped, key[0], culprit)
    return typed, pc.and_(ok, keep), reason, culprit


def _all_distinct(keys: pa.ChunkedArray) -> bool:
    keys = keys.combine_chunks()
    if len(keys) < 2:
        return True
    # Exports are often in key order: strictly increasing keys are distinct without hashing them.
    if keys.null_count == 0 and pc.all(pc.greater(keys.slice(1), keys.slice(0, len(keys) - 1))).as_py():
        return True
    return len(pc.unique(keys)) == len(keys)


def _kept_locator(typed: pa.Table, last: pa.Table, key: tuple[str, ...], unit: SourceUnit) -> pa.Array:
    kept = last.select([*key, "_pos_max"])
    joined = typed.select(list(key)).append_column("_row", pa.array(range(typed.num_rows), pa.int64()))
    joined = joined.join(kept, keys=list(key), join_type="left outer").sort_by("_row")
    return unit.locate(pc.fill_null(joined.column("_pos_max"), 0))


def raw_records(unit: SourceUnit, rows: pa.Array) -> list[str]:
    """The rejected rows exactly as the source had them, as JSON (for the stewards-only quarantine); a row
    the connector could not split into fields as its raw text."""
    subset = unit.written_table().take(rows).to_pylist()
    records = [json.dumps(r, ensure_ascii=False, default=str) for r in subset]
    if unit.malformed is None:
        return records
    raw = dict(zip(unit.malformed.rows, unit.malformed.raw, strict=True))
    return [raw.get(row, record) for row, record in zip(rows.to_pylist(), records, strict=True)]

"""CSV exports: delimiter and encoding detection, the typed fast path with its text fallback, and rows
with too few or too many fields set aside as malformed (quarantined by enforcement, not fatal)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.coerce import NULL_TOKENS
from ingest.connectors.base import Malformed, SourceError, SourceUnit, fingerprint_bytes, is_header_row
from ingest.connectors.file_bytes import Decoded, decode, ends_inside_utf8_character, read_file

_CSV_DELIMITERS = (",", "\t", ";", "|")


def _delimiter(first_line: str) -> str:
    return max(_CSV_DELIMITERS, key=first_line.count)


def _header(first_line: str, delimiter: str) -> list[str]:
    return next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter), [])


def _parse_csv(
    body: pa.Buffer,
    delimiter: str,
    quoted: bool,
    column_types: dict[str, pa.DataType],
    ragged: list | None = None,
) -> pa.Table:
    """``ragged``: None reads in parallel and fails on a row with another number of fields than the
    header; a list collects such rows instead (Arrow's ``InvalidRow``), reading in one thread so that
    Arrow numbers each of them."""
    read_options = pacsv.ReadOptions(encoding="utf-8")
    # Without a quote there can be no quoted newline, and the reader may split blocks at any newline.
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted)
    if ragged is not None:
        ragged.clear()
        read_options.use_threads = False
        parse_options.invalid_row_handler = lambda row: ragged.append(row) or "skip"
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=read_options,
        parse_options=parse_options,
        convert_options=pacsv.ConvertOptions(
            column_types=column_types,
            # Only typed columns take null tokens here; text keeps every value as written.
            null_values=list(NULL_TOKENS),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


# Arrow's message for a row whose number of fields is not the header's.
_FIELD_COUNT_ERROR = re.compile(r"Expected \d+ columns, got \d+")


def _with_malformed_rows(table: pa.Table, positions: list[int]) -> pa.Table:
    """The rows read, with a row of nulls at each (increasing) position of a row set aside as malformed."""
    blank = pa.Table.from_arrays([pa.nulls(1, f.type) for f in table.schema], schema=table.schema)
    pieces, taken = [], 0
    for before, at in enumerate(positions):
        pieces.append(table.slice(taken, at - before - taken))
        taken = at - before
        pieces.append(blank)
    pieces.append(table.slice(taken))
    return pa.concat_tables(pieces)


@dataclasses.dataclass(frozen=True)
class _Record:
    number: int  # as Arrow counts records: the header is 1, blank lines are skipped
    first_line: int
    last_line: int
    fields: int
    written: str  # its lines as the file has them (delimiters, quotes), without the final line break


def _records(text: str, delimiter: str) -> Iterator[_Record]:
    """The records of CSV ``text`` with where each stands, walked by Python's reader (Arrow does not say
    which lines a record spans). Stops quietly where the reader gives up: the records after keep their
    record numbers as locators."""
    lines: list[str] = []

    def kept(source: Iterable[str]) -> Iterator[str]:
        for line in source:
            lines.append(line)
            yield line

    reader = csv.reader(kept(io.StringIO(text, newline="")), delimiter=delimiter)
    number = last_line = 0
    try:
        for fields in reader:
            first_line, last_line = last_line + 1, reader.line_num
            written = "".join(lines).rstrip("\r\n")
            lines.clear()
            if fields:
                number += 1
                yield _Record(number, first_line, last_line, len(fields), written)
    except csv.Error:
        return


def _start_lines(text: str, delimiter: str, wanted: dict[int, int]) -> dict[int, int]:
    """Record number -> the line it starts on, for the ``wanted`` records (number -> fields) where Python's
    reader finds as many fields as Arrow did."""
    found: dict[int, int] = {}
    last = max(wanted)  # once: asked per record, it made a file's cost grow with rows × malformed rows
    for record in _records(text, delimiter):
        if wanted.get(record.number) == record.fields:
            found[record.number] = record.first_line
        if record.number >= last:
            break
    return found


def _malformed(body: pa.Buffer, delimiter: str, rows: list, title_lines: int) -> Malformed:
    """Where each row with the wrong number of fields is, what is wrong, and its raw text. ``body`` starts
    at the header, below ``title_lines`` lines."""
    text = body.to_pybytes().decode("utf-8")
    lines = _start_lines(text, delimiter, {r.number: r.actual_columns for r in rows})
    return Malformed(
        rows=[r.number - 2 for r in rows],  # the header is record 1
        locators=[
            f"line {lines[r.number] + title_lines}" if r.number in lines else f"row {r.number + title_lines}"
            for r in rows
        ],
        reasons=[f"row has {r.actual_columns} fields, header has {r.expected_columns}" for r in rows],
        raw=[r.text for r in rows],
    )


def _typed_read_holds(table: pa.Table, typed: dict[str, pa.DataType]) -> bool:
    # Arrow reads "inf" as a number; enforcement's text path would refuse it, so this file takes that path.
    return not any(
        pc.any(pc.invert(pc.is_finite(table.column(name)))).as_py()
        for name, kind in typed.items()
        if pa.types.is_floating(kind)
    )


_SCAN_CHUNK = 1 << 22


def _contains(data: pa.Buffer, needle: bytes) -> bool:
    """Whether ``data`` holds the byte ``needle``, scanning chunk by chunk (quotes are usually early)."""
    view = memoryview(data)
    return any(
        view[at : at + _SCAN_CHUNK].tobytes().find(needle) >= 0 for at in range(0, len(view), _SCAN_CHUNK)
    )


def _lf_lines(data: pa.Buffer) -> pa.Buffer:
    """A file whose lines end in CR alone (Excel for Mac's "CSV (Macintosh)") with LF instead, so that every
    reader below counts the same lines; any other file as it is."""
    if _contains(data, b"\n") or not _contains(data, b"\r"):
        return data
    return pa.py_buffer(data.to_pybytes().replace(b"\r", b"\n"))


def _first_line(data: pa.Buffer, start: int) -> str:
    view, size = memoryview(data), 1 << 16
    while True:
        head = view[start : start + size].tobytes()
        end = head.find(b"\n")
        if end >= 0 or start + size >= len(view):
            return (head if end < 0 else head[:end]).decode("utf-8")
        size *= 4


# How far down a header may stand below title lines (as in workbooks: files.read_xlsx looks as far).
TITLE_LINES_MAX = 30


def _names_header(line: str, expected: list[str]) -> bool:
    return any(is_header_row(_header(line, d), expected) for d in _CSV_DELIMITERS)


def _header_line(data: pa.Buffer, start: int, expected: list[str] | None) -> tuple[int, str, int]:
    """Where the header line starts, the line, and how many title lines stand above it (a workbook saved
    as CSV keeps its title rows: 健康小屋自助检测数据导出 2026-11-01,,,). The first line when it is the
    header, when no line within TITLE_LINES_MAX is, or when the contract's names are not known."""
    first = _first_line(data, start)
    if not expected or _names_header(first, expected):
        return start, first, 0
    offset, line = start, first
    for skipped in range(1, TITLE_LINES_MAX + 1):
        offset += len(line.encode("utf-8")) + 1  # the line and its LF (a CR before it is in the line)
        if offset >= len(data):
            break
        line = _first_line(data, offset)
        if _names_header(line, expected):
            return offset, line, skipped
    return start, first, 0


@dataclasses.dataclass(frozen=True)
class _Body:
    table: pa.Table
    as_written: Callable[[], pa.Table] | None  # for a table read typed: how to read it again as text
    malformed: Malformed | None
    title_lines: int  # lines above the header


def _read_csv_body(
    data: pa.Buffer, path: Path, typed: dict[str, pa.DataType] | None, expected: list[str] | None
) -> _Body:
    """The table, typed where every cell of a hinted column parses; else all text (enforcement parses).

    ``data`` is UTF-8, with or without BOM; ``expected``, the contract's header names, finds the header
    below title lines. Returns the table; when it was read typed, how to read it again with every value as
    written (for quarantine); the rows with another number of fields than the header, each standing in
    the table as a row of nulls; and how many title lines were skipped.
    """
    start = len(codecs.BOM_UTF8) if memoryview(data)[:3].tobytes() == codecs.BOM_UTF8 else 0
    start, first_line, title_lines = _header_line(data, start, expected)
    delimiter = _delimiter(first_line)
    header = _header(first_line, delimiter)
    if not any(header):
        raise SourceError(f"{path}: empty file (no header row)")
    body = data.slice(start)
    quoted = _contains(body, b'"')
    as_text = dict.fromkeys(header, pa.string())
    hints = {name: kind for name, kind in (typed or {}).items() if name in as_text}
    ragged: list = []  # rows with the wrong number of fields, once a read has met one
    met_ragged = False

    def read(column_types: dict[str, pa.DataType]) -> pa.Table:
        nonlocal met_ragged
        if not met_ragged:
            try:
                return _parse_csv(body, delimiter, quoted, column_types)
            except pa.ArrowInvalid as exc:
                if not _FIELD_COUNT_ERROR.search(str(exc)):
                    raise
            body.to_pybytes().decode("utf-8")  # Arrow hands a row over as text: it must be UTF-8
            met_ragged = True
        table = _parse_csv(body, delimiter, quoted, column_types, ragged)
        return _with_malformed_rows(table, [r.number - 2 for r in ragged]) if ragged else table

    def malformed() -> Malformed | None:
        return _malformed(body, delimiter, ragged, title_lines) if ragged else None

    if hints:
        try:
            table = read(as_text | hints)
            if _typed_read_holds(table, hints):
                return _Body(table, lambda: read(as_text), malformed(), title_lines)
        except pa.ArrowInvalid:
            pass  # some cell is not in Arrow's own format: enforcement parses (and reports) it from text
    try:
        return _Body(read(as_text), None, malformed(), title_lines)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise
        raise SourceError(f"{path}: not a readable CSV file ({_csv_problem(exc)})") from exc


def _csv_problem(exc: pa.ArrowInvalid) -> str:
    """What Arrow found wrong with a CSV file, in our words: its own messages quote the row."""
    text = str(exc)
    if "straddl" in text:
        return "a quoted value runs on for more than a block: a quote is probably never closed; check quoting"
    if "Empty CSV" in text:
        return "no rows"
    return "it does not split into rows and fields; check delimiter and quoting"


def read_csv(
    path: Path,
    encoding: str | None,
    typed: dict[str, pa.DataType] | None = None,
    expected: list[str] | None = None,
) -> SourceUnit:
    """A CSV file in any Chinese encoding. ``typed``: source columns worth trying to read typed at once
    (timestamps, dates, numbers); a file where any of their cells does not parse is read as text.
    ``expected``: the contract's header names, to find the header below title lines."""
    written = read_file(path)
    data = _lf_lines(written)
    with ThreadPoolExecutor(max_workers=1) as pool:
        fingerprint = pool.submit(fingerprint_bytes, written)  # hashing releases the GIL: overlap the parse
        declared = (encoding or "utf-8").lower().replace("_", "-")
        used = declared
        body: _Body | None = None
        # A file cut inside its last character goes to decode(), which says so.
        if declared in ("utf-8", "utf8", "utf-8-sig") and not ends_inside_utf8_character(data):
            try:
                body = _read_csv_body(data, path, typed, expected)
            except (UnicodeDecodeError, pa.ArrowInvalid):
                body = None  # not UTF-8 after all: exports are often GBK whatever they declare
        notes = []
        if body is None:
            decoded = decode(data.to_pybytes(), encoding, path)
            used = decoded.encoding
            try:
                body = _read_csv_body(pa.py_buffer(decoded.text.encode("utf-8")), path, typed, expected)
            except pa.ArrowInvalid as exc:
                raise SourceError(f"{path}: not a readable CSV file ({_csv_problem(exc)})") from exc
            if decoded.damaged_lines:
                damaged = _with_damaged_rows(body.malformed, decoded, body.title_lines)
                body = dataclasses.replace(body, malformed=damaged)
                notes.append(_damaged_note(decoded))
        if _norm(used) != _norm(encoding or "utf-8-sig"):
            notes.append(f"declared encoding {encoding} did not decode; read as {used}")
        if body.title_lines:
            notes.append(f"{path.name}: the header is on line {body.title_lines + 1}, below title lines")
        # Row numbers as a spreadsheet shows them: the header is row 1, or below its title rows.
        return SourceUnit(
            path.name,
            fingerprint.result(),
            body.table,
            None,
            notes=notes,
            row_label=("row ", 2 + body.title_lines),
            as_written=body.as_written,
            malformed=body.malformed,
            encoding=used.removesuffix("-sig"),
        )


def _damaged_note(decoded: Decoded) -> str:
    lines, encoding = decoded.damaged_lines, decoded.encoding.removesuffix("-sig")
    shown = ", ".join(map(str, lines[:5])) + (" …" if len(lines) > 5 else "")
    return (
        f"{len(lines)} line(s) hold bytes that are no text in {encoding} (line {shown}): their rows are "
        "quarantined, the rest is loaded"
    )


def _with_damaged_rows(malformed: Malformed | None, decoded: Decoded, title_lines: int) -> Malformed:
    """``malformed`` and the records that span a line ``decoded`` could not read (a ragged row keeps its own
    reason). Records are counted as Arrow counts them: blank lines skipped, the header (below
    ``title_lines``) first."""
    text = decoded.text.removeprefix(codecs.BOM_UTF8.decode()).split("\n", title_lines)[-1]
    damaged = set(decoded.damaged_lines)
    known = set(malformed.rows) if malformed else set()
    encoding = decoded.encoding.removesuffix("-sig")
    reason = (
        f"holds bytes that are no text in {encoding} (damaged in transfer, or pasted from a system that writes "
        "another encoding); ask the provider to resend it"
    )
    rows, locators, raw = [], [], []
    for record in _records(text, _delimiter(text.split("\n", 1)[0])):
        row = record.number - 2  # the header is record 1
        first_line, last_line = record.first_line + title_lines, record.last_line + title_lines
        spanned = damaged.intersection(range(first_line, last_line + 1))
        if row >= 0 and spanned and row not in known:
            rows.append(row)
            locators.append(f"line {min(spanned)}")
            raw.append(record.written)
    if malformed is None:
        return Malformed(rows, locators, [reason] * len(rows), raw)
    return Malformed(
        [*malformed.rows, *rows],
        [*malformed.locators, *locators],
        [*malformed.reasons, *([reason] * len(rows))],
        [*malformed.raw, *raw],
    )


def _norm(encoding: str) -> str:
    return encoding.replace("-", "").replace("_", "").lower().removesuffix("sig")

"""File drops: CSV (any Chinese encoding), Excel workbooks with title rows, JSON pages, NDJSON, Parquet."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import charset_normalizer
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingest.coerce import NULL_TOKENS
from ingest.connectors.base import Malformed, SourceError, SourceUnit, fingerprint_bytes, text_columns

_CSV_DELIMITERS = (",", "\t", ";", "|")


def decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode with the declared encoding; if that fails, detect (exports are often GBK, not UTF-8)."""
    tried = []
    cut: int | None = None  # where a candidate found the file ending inside a character
    for candidate in [encoding or "utf-8-sig", "utf-8-sig", "gb18030"]:
        if candidate in tried:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError as exc:
            cut = _cut_at(exc, len(data)) if cut is None else cut
    if cut is not None:
        raise SourceError(_truncated(path, data, cut))
    best = charset_normalizer.from_bytes(data).best()
    if best is None or "\x00" in str(best):
        raise SourceError(
            f"{path}: not a CSV file: it is not text in {', '.join(tried)} or any other encoding detected; "
            "check that it is the CSV export and ask the provider to resend it"
        )
    return str(best), best.encoding


def _offset(exc: UnicodeDecodeError, size: int) -> int:
    """Where in the file (of ``size`` bytes) the decoder stopped: utf-8-sig decodes the file after its BOM."""
    return exc.start + size - len(exc.object)


def _cut_at(exc: UnicodeDecodeError, size: int) -> int | None:
    """The byte offset where the file ends inside a multi-byte character, if that is the first thing the
    decoder found wrong (a file cut short, not a file in another encoding)."""
    at_end = exc.end == len(exc.object)
    if at_end and exc.reason in ("unexpected end of data", "incomplete multibyte sequence"):
        return _offset(exc, size)
    return None


def _truncated(path: Path, data: bytes | pa.Buffer, at: int) -> str:
    line = memoryview(data)[:at].tobytes().count(b"\n") + 1
    return (
        f"{path}: file ends inside a multi-byte character at byte {at} (line {line}): the export looks "
        "truncated; ask the provider to resend it"
    )


def _utf8_cut(data: pa.Buffer) -> bool:
    """Whether UTF-8 ``data`` ends inside a character (looking only at its last bytes)."""
    tail = memoryview(data)[-4:].tobytes()
    for back, byte in enumerate(reversed(tail), start=1):
        if byte < 0x80:
            return False
        if byte >= 0xC0:  # the lead byte says how long its character is
            return (2 if byte < 0xE0 else 3 if byte < 0xF0 else 4) > back
    return False


def _utf8_text(data: bytes, path: Path, what: str) -> str:
    """A file that must be UTF-8 (NDJSON, JSON pages), or a SourceError that says where it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        cut = _cut_at(exc, len(data))
        if cut is not None:
            raise SourceError(_truncated(path, data, cut)) from exc
        at = _offset(exc, len(data))
        line = data[:at].count(b"\n") + 1
        raise SourceError(
            f"{path}: not UTF-8 text at byte {at} (line {line}); {what} must be UTF-8: ask the provider to "
            "export it again"
        ) from exc


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


def _start_lines(text: str, delimiter: str, wanted: dict[int, int]) -> dict[int, int]:
    """Record number (the header is 1; blank lines are skipped, as Arrow counts) -> the line it starts on,
    for the ``wanted`` records (number -> fields) where Python's reader finds as many fields as Arrow did."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found: dict[int, int] = {}
    record = line = 0
    try:
        for fields in reader:
            first, line = line + 1, reader.line_num
            if not fields:
                continue
            record += 1
            if wanted.get(record) == len(fields):
                found[record] = first
            if record >= max(wanted):
                break
    except csv.Error:
        pass  # the rows keep their record numbers as locators
    return found


def _malformed(body: pa.Buffer, delimiter: str, rows: list) -> Malformed:
    """Where each row with the wrong number of fields is, what is wrong, and its raw text."""
    text = body.to_pybytes().decode("utf-8")
    lines = _start_lines(text, delimiter, {r.number: r.actual_columns for r in rows})
    return Malformed(
        rows=[r.number - 2 for r in rows],  # the header is record 1
        locators=[f"line {lines[r.number]}" if r.number in lines else f"row {r.number}" for r in rows],
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


def read_file(path: Path) -> pa.Buffer:
    """The whole file in one read, so its fingerprint and its rows come from the same bytes even while a
    department replaces it. Arrow's memory pool reuses pages: about three times cheaper than a fresh
    Python ``bytes`` for large files (a memory map would save the copy but can fault on truncation)."""
    try:
        with pa.OSFile(str(path)) as handle:
            return handle.read_buffer()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from exc


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from exc


_SCAN_CHUNK = 1 << 22


def _contains(data: pa.Buffer, needle: bytes) -> bool:
    """Whether ``data`` holds the byte ``needle``, scanning chunk by chunk (quotes are usually early)."""
    view = memoryview(data)
    return any(
        view[at : at + _SCAN_CHUNK].tobytes().find(needle) >= 0 for at in range(0, len(view), _SCAN_CHUNK)
    )


def _first_line(data: pa.Buffer, start: int) -> str:
    view, size = memoryview(data), 1 << 16
    while True:
        head = view[start : start + size].tobytes()
        end = head.find(b"\n")
        if end >= 0 or start + size >= len(view):
            return (head if end < 0 else head[:end]).decode("utf-8")
        size *= 4


def _read_csv_body(
    data: pa.Buffer, path: Path, typed: dict[str, pa.DataType] | None
) -> tuple[pa.Table, Callable[[], pa.Table] | None, Malformed | None]:
    """The table, typed where every cell of a hinted column parses; else all text (enforcement parses).

    ``data`` is UTF-8, with or without BOM. Returns the table; when it was read typed, how to read it again
    with every value as written (for quarantine); and the rows with another number of fields than the
    header, each standing in the table as a row of nulls.
    """
    start = len(codecs.BOM_UTF8) if memoryview(data)[:3].tobytes() == codecs.BOM_UTF8 else 0
    delimiter = max(_CSV_DELIMITERS, key=(first_line := _first_line(data, start)).count)
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
        return _malformed(body, delimiter, ragged) if ragged else None

    if hints:
        try:
            table = read(as_text | hints)
            if _typed_read_holds(table, hints):
                return table, lambda: read(as_text), malformed()
        except pa.ArrowInvalid:
            pass  # some cell is not in Arrow's own format: enforcement parses (and reports) it from text
    try:
        return read(as_text), None, malformed()
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


def read_csv(path: Path, encoding: str | None, typed: dict[str, pa.DataType] | None = None) -> SourceUnit:
    """A CSV file in any Chinese encoding. ``typed``: source columns worth trying to read typed at once
    (timestamps, dates, numbers); a file where any of their cells does not parse is read as text."""
    data = read_file(path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        fingerprint = pool.submit(fingerprint_bytes, data)  # hashing releases the GIL: overlap the parse
        declared = (encoding or "utf-8").lower().replace("_", "-")
        used = declared
        table = as_written = malformed = None
        # A file cut inside its last character goes to decode(), which says so.
        if declared in ("utf-8", "utf8", "utf-8-sig") and not _utf8_cut(data):
            try:
                table, as_written, malformed = _read_csv_body(data, path, typed)
            except (UnicodeDecodeError, pa.ArrowInvalid):
                table = None  # not UTF-8 after all: exports are often GBK whatever they declare
        if table is None:
            text, used = decode(data.to_pybytes(), encoding, path)
            try:
                utf8 = pa.py_buffer(text.encode("utf-8"))
                table, as_written, malformed = _read_csv_body(utf8, path, typed)
            except pa.ArrowInvalid as exc:
                raise SourceError(f"{path}: not a readable CSV file ({_csv_problem(exc)})") from exc
        notes = []
        if _norm(used) != _norm(encoding or "utf-8-sig"):
            notes.append(f"declared encoding {encoding} did not decode; read as {used}")
        # Row numbers as a spreadsheet shows them: the header is row 1.
        return SourceUnit(
            path.name,
            fingerprint.result(),
            table,
            None,
            notes=notes,
            row_label=("row ", 2),
            as_written=as_written,
            malformed=malformed,
        )


def _norm(encoding: str) -> str:
    return encoding.replace("-", "").replace("_", "").lower().removesuffix("sig")


def read_ndjson(path: Path) -> SourceUnit:
    data = _read_bytes(path)
    records: list[dict] = []
    line_numbers: list[int] = []
    for number, line in enumerate(_utf8_text(data, path, "NDJSON").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}: line {number} is not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise SourceError(f"{path}: line {number} is not a JSON object")
        records.append(record)
        line_numbers.append(number)
    fields = list(dict.fromkeys(k for r in records[:1000] for k in r))
    locators = pa.array([f"line {n}" for n in line_numbers], pa.string())
    return SourceUnit(path.name, fingerprint_bytes(data), text_columns(records, fields), locators)


def _dig(document: object, dotted: str, path: Path) -> list[dict]:
    node = document
    for key in dotted.split(".") if dotted else []:
        if not isinstance(node, dict) or key not in node:
            raise SourceError(f"{path}: no '{dotted}' in the response (missing '{key}')")
        node = node[key]
    if not isinstance(node, list):
        raise SourceError(f"{path}: '{dotted}' is not a list of records")
    return node


def read_json_pages(paths: list[Path], records_path: str | None) -> SourceUnit:
    """A set of API pages handed over together: one unit, one fingerprint over all pages."""
    records: list[dict] = []
    locators: list[str] = []
    digest = []
    for path in paths:
        data = _read_bytes(path)
        digest.append(data)
        try:
            document = json.loads(_utf8_text(data, path, "JSON pages"))
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        items = _dig(document, records_path or "", path)
        records.extend(items)
        locators.extend(f"{path.name} item {i + 1}" for i in range(len(items)))
    fields = list(dict.fromkeys(k for r in records[:1000] for k in r))
    name = paths[0].parent.name + "/" + (paths[0].name if len(paths) == 1 else f"{len(paths)} pages")
    return SourceUnit(
        name,
        fingerprint_bytes(b"\0".join(digest)),
        text_columns(records, fields),
        pa.array(locators, pa.string()),
    )


# What a damaged workbook raises from inside openpyxl: not a zip (0 bytes, cut short, another file type), a
# damaged member, a missing part, broken XML. Their own messages are not shown (they may quote contents).
_XLSX_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError, SyntaxError)


def _open_workbook(data: bytes, path: Path):
    import openpyxl  # costs ~0.3 s to import; only Excel sources need it
    from openpyxl.utils.exceptions import InvalidFileException

    if not data:
        raise SourceError(
            f"{path}: empty file (0 bytes), not an Excel workbook; ask the provider to resend it"
        )
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (*_XLSX_DAMAGE, InvalidFileException) as exc:
        raise SourceError(_xlsx_damaged(path, exc)) from exc


def _xlsx_damaged(path: Path, exc: Exception) -> str:
    if isinstance(exc, zipfile.BadZipFile) and "not a zip file" in str(exc):
        what = "it is not a zip archive, as every .xlsx is: cut short, damaged or another kind of file"
    elif isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        what = "a compressed part of it is damaged"
    elif isinstance(exc, KeyError):
        what = "a part every workbook has is missing (is it an .xlsx at all?)"
    else:
        what = f"its contents are damaged ({type(exc).__name__})"
    return f"{path}: not a readable Excel workbook: {what}; ask the provider to resend it"


def xlsx_first_row(path: Path) -> list[str]:
    """The first row of a workbook's first sheet (how `lakehouse scan-pii` names a workbook's columns)."""
    workbook = _open_workbook(_read_bytes(path), path)
    try:
        first = next(workbook.worksheets[0].iter_rows(values_only=True), ()) if workbook.worksheets else ()
        return [str(c) for c in first if c is not None]
    except _XLSX_DAMAGE as exc:
        raise SourceError(_xlsx_damaged(path, exc)) from exc
    finally:
        workbook.close()


def read_xlsx(path: Path, expected_headers: list[str]) -> SourceUnit:
    """Every sheet of a workbook; the header row is found below any title rows."""
    data = _read_bytes(path)
    workbook = _open_workbook(data, path)
    records: list[dict] = []
    locators: list[str] = []
    wanted = set(expected_headers)
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header: list[str] | None = None
            for number, row in enumerate(rows, start=1):
                cells = ["" if c is None else str(c).strip() for c in row]
                if header is None:
                    if len(wanted & set(cells)) >= max(1, len(wanted) // 2):
                        header = cells
                    elif number > 30:
                        break
                    continue
                if not any(cells):
                    continue
                records.append({h: v for h, v in zip(header, row, strict=False) if h})
                locators.append(f"sheet {sheet.title} row {number}")
            if header is None and sheet.max_row and sheet.max_row > 1:
                raise SourceError(
                    f"{path}: sheet '{sheet.title}' has no header row with the expected columns "
                    f"({', '.join(expected_headers[:4])} …) in its first 30 rows"
                )
    except SourceError:
        raise
    except _XLSX_DAMAGE as exc:  # a member damaged past the zip directory shows only while reading
        raise SourceError(_xlsx_damaged(path, exc)) from exc
    finally:
        workbook.close()
    fields = [h for h in expected_headers if any(h in r for r in records[:1])] or expected_headers
    return SourceUnit(
        path.name, fingerprint_bytes(data), text_columns(records, fields), pa.array(locators, pa.string())
    )


def read_parquet(path: Path) -> SourceUnit:
    data = read_file(path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        fingerprint = pool.submit(fingerprint_bytes, data)
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowInvalid, OSError) as exc:
            # Arrow's own text is about the file's structure, but say it in our words all the same.
            what = "no Parquet footer" if "magic bytes" in str(exc) else "damaged Parquet metadata or pages"
            raise SourceError(
                f"{path}: not a readable Parquet file ({what}); ask the provider to export it again"
            ) from exc
        return SourceUnit(path.name, fingerprint.result(), table, None, row_label=("row ", 1))

"""File drops other than CSV (csv_files.py): Excel workbooks with title rows, JSON pages, NDJSON, Parquet."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.connectors.base import (
    NOT_AN_OBJECT,
    Malformed,
    SourceError,
    SourceUnit,
    fingerprint_bytes,
    is_header_row,
    object_records,
    text_columns,
)
from ingest.connectors.file_bytes import read_bytes, read_file, utf8_decoded, utf8_text


def read_ndjson(path: Path) -> SourceUnit:
    """One record per line. A line that is not a JSON object (cut short, garbled) is one damaged record:
    it stands as a row of nulls that enforcement quarantines with the reason, as a CSV row with the wrong
    number of fields does. A file with no readable line at all is refused whole."""
    data = read_bytes(path)
    decoded = utf8_decoded(data, path, "NDJSON")
    not_utf8 = set(decoded.damaged_lines)
    records: list[dict] = []
    line_numbers: list[int] = []
    damaged: list[tuple[int, int, str, str]] = []  # position, line, reason, text
    for number, line in enumerate(decoded.text.split("\n"), start=1):
        if not line.strip():
            continue
        record, problem = (None, _NOT_UTF8) if number in not_utf8 else _json_object(line)
        if problem is not None:
            damaged.append((len(records), number, problem, line))
        records.append(record or {})
        line_numbers.append(number)
    if damaged and len(damaged) == len(records):
        if (array := _json_array(decoded.text)) is not None:
            return _array_unit(path, data, array)
        raise SourceError(f"{path}: no line is a JSON object (line {damaged[0][1]}: {damaged[0][2]})")
    fields = list(dict.fromkeys(k for r in records[:1000] for k in r))
    locators = pa.array([f"line {n}" for n in line_numbers], pa.string())
    malformed = (
        Malformed(
            rows=[at for at, _, _, _ in damaged],
            locators=[f"line {n}" for _, n, _, _ in damaged],
            reasons=[why for _, _, why, _ in damaged],
            raw=[text for _, _, _, text in damaged],
        )
        if damaged
        else None
    )
    return SourceUnit(
        path.name, fingerprint_bytes(data), text_columns(records, fields), locators, malformed=malformed
    )


def _json_array(text: str) -> list | None:
    """The file as one JSON array (records exported as a list instead of one per line), or None."""
    if not text.lstrip().startswith("["):
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, list) else None


def _array_unit(path: Path, data: bytes, items: list) -> SourceUnit:
    """A file of NDJSON records delivered as one JSON array: its items are the records, found by position."""
    return _items_unit(
        path.name,
        fingerprint_bytes(data),
        items,
        [f"item {i}" for i in range(1, len(items) + 1)],
        notes=[f"{path.name}: one JSON array, not one record per line: read item by item"],
    )


def _items_unit(
    name: str, fingerprint: str, items: list, locators: list[str], notes: list[str] | None = None
) -> SourceUnit:
    """A unit of a JSON document's items; an item that is no object is set aside (``object_records``)."""
    records, malformed = object_records(items, locators, name)
    fields = list(dict.fromkeys(k for r in records[:1000] for k in r))
    return SourceUnit(
        name,
        fingerprint,
        text_columns(records, fields),
        pa.array(locators, pa.string()),
        notes=notes or [],
        malformed=malformed,
    )


_NOT_UTF8 = (
    "holds bytes that are no UTF-8 text (damaged in transfer, or pasted from a system that writes another "
    "encoding); ask the provider to resend it"
)


def _json_object(line: str) -> tuple[dict | None, str | None]:
    """The line's record, or why it is none (the parser's message names a position, never a value)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return None, NOT_AN_OBJECT
    return record, None


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
        data = read_bytes(path)
        digest.append(data)
        if not data.strip():
            raise SourceError(f"{path}: empty file, no JSON page; ask the provider to resend it")
        try:
            document = json.loads(utf8_text(data, path, "JSON pages"))
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        items = _dig(document, records_path or "", path)
        records.extend(items)
        locators.extend(f"{path.name} item {i + 1}" for i in range(len(items)))
    name = paths[0].parent.name + "/" + (paths[0].name if len(paths) == 1 else f"{len(paths)} pages")
    return _items_unit(name, fingerprint_bytes(b"\0".join(digest)), records, locators)


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
    workbook = _open_workbook(read_bytes(path), path)
    try:
        first = next(workbook.worksheets[0].iter_rows(values_only=True), ()) if workbook.worksheets else ()
        return [str(c) for c in first if c is not None]
    except _XLSX_DAMAGE as exc:
        raise SourceError(_xlsx_damaged(path, exc)) from exc
    finally:
        workbook.close()


def read_xlsx(path: Path, expected_headers: list[str]) -> SourceUnit:
    """Every sheet of a workbook; the header row is found below any title rows."""
    data = read_bytes(path)
    workbook = _open_workbook(data, path)
    records: list[dict] = []
    locators: list[str] = []
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header: list[str] | None = None
            for number, row in enumerate(rows, start=1):
                cells = ["" if c is None else str(c).strip() for c in row]
                if header is None:
                    if is_header_row(cells, expected_headers):
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
    # The file's own header names (enforcement matches them to the contract's), or, with no row, the contract's.
    fields = list(records[0]) if records else expected_headers
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

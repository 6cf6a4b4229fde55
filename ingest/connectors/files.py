"""File drops: CSV (any Chinese encoding), Excel workbooks with title rows, JSON pages, NDJSON, Parquet."""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path

import charset_normalizer
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingest.connectors.base import SourceError, SourceUnit, fingerprint_bytes, text_columns

_CSV_DELIMITERS = (",", "\t", ";", "|")


def decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode with the declared encoding; if that fails, detect (exports are often GBK, not UTF-8)."""
    tried = []
    for candidate in [encoding or "utf-8-sig", "utf-8-sig", "gb18030"]:
        if candidate in tried:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise SourceError(f"{path}: cannot decode the file as {', '.join(tried)} or any detected encoding")
    return str(best), best.encoding


def _header(first_line: str, delimiter: str) -> list[str]:
    return next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter), [])


def _utf8_body(data: bytes, encoding: str | None, path: Path) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without BOM; transcoded only when it is not UTF-8 already."""
    declared = (encoding or "utf-8").lower().replace("_", "-")
    if declared in ("utf-8", "utf8", "utf-8-sig"):
        body = data.removeprefix(codecs.BOM_UTF8)
        try:
            body.decode("utf-8")  # validation only (C speed); the bytes are used as they are
            return body, declared
        except UnicodeDecodeError:
            pass
    text, used = decode(data, encoding, path)
    return text.encode("utf-8"), used


def read_csv(path: Path, encoding: str | None) -> SourceUnit:
    data = path.read_bytes()
    body, used = _utf8_body(data, encoding, path)
    end = body.find(b"\n")
    first_line = (body if end < 0 else body[:end]).decode("utf-8")
    delimiter = max(_CSV_DELIMITERS, key=first_line.count)
    header = _header(first_line, delimiter)
    if not any(header):
        raise SourceError(f"{path}: empty file (no header row)")
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(encoding="utf-8", block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise SourceError(f"{path}: not a readable CSV file ({exc}); check delimiter and quoting") from exc
    notes = []
    if _norm(used) != _norm(encoding or "utf-8-sig"):
        notes.append(f"declared encoding {encoding} did not decode; read as {used}")
    # Row numbers as a spreadsheet shows them: the header is row 1.
    return SourceUnit(path.name, fingerprint_bytes(data), table, None, notes=notes, row_label=("row ", 2))


def _norm(encoding: str) -> str:
    return encoding.replace("-", "").replace("_", "").lower().removesuffix("sig")


def read_ndjson(path: Path) -> SourceUnit:
    data = path.read_bytes()
    records: list[dict] = []
    line_numbers: list[int] = []
    for number, line in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
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
        data = path.read_bytes()
        digest.append(data)
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"{path}: not valid JSON ({exc})") from exc
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


def read_xlsx(path: Path, expected_headers: list[str]) -> SourceUnit:
    """Every sheet of a workbook; the header row is found below any title rows."""
    import openpyxl  # costs ~0.3 s to import; only Excel sources need it

    data = path.read_bytes()
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
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
    finally:
        workbook.close()
    fields = [h for h in expected_headers if any(h in r for r in records[:1])] or expected_headers
    return SourceUnit(
        path.name, fingerprint_bytes(data), text_columns(records, fields), pa.array(locators, pa.string())
    )


def read_parquet(path: Path) -> SourceUnit:
    data = path.read_bytes()
    table = pq.read_table(io.BytesIO(data))
    return SourceUnit(path.name, fingerprint_bytes(data), table, None, row_label=("row ", 1))

"""Connectors: find a dataset's source units (files, page sets, query results) as its contract describes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from governance.contracts import DatasetContract
from ingest.connectors.base import SourceError, SourceUnit
from ingest.connectors.csv_files import read_csv
from ingest.connectors.files import read_json_pages, read_ndjson, read_parquet, read_xlsx
from ingest.connectors.http import iter_pages
from ingest.connectors.sql import read_table

__all__ = ["SourceError", "SourceUnit", "iter_units", "source_field_names"]


def source_field_names(contract: DatasetContract) -> dict[str, str]:
    """Contract column -> the name the source system uses for it."""
    names = {}
    for col in contract.source_columns:
        if col.source_field:
            names[col.name] = col.source_field
        elif contract.source.header == "business_name" and col.business_name:
            names[col.name] = col.business_name
        else:
            names[col.name] = col.name
    return names


# Logical types Arrow's CSV reader parses exactly as enforcement would (integers are left out: Arrow
# reads "0x10" as 16).
_TYPED_AT_READ = ("timestamp", "date", "number")


def typed_read_hints(contract: DatasetContract) -> dict[str, pa.DataType]:
    """Source column -> Arrow type, for the columns a CSV reader may try to parse at once."""
    names = source_field_names(contract)
    return {names[c.name]: c.arrow_type for c in contract.source_columns if c.logical_type in _TYPED_AT_READ}


# A single file handed to `lakehouse ingest` is read by its suffix, whatever the usual drop format is.
_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "json_pages",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
}


def _files(contract: DatasetContract, location: Path) -> list[Path]:
    if location.is_file():
        return [location]
    pattern = contract.source.glob or contract.source.file or ""
    found = sorted(p for p in location.glob(pattern) if p.is_file())
    if not found:  # the folder holding the files themselves, rather than the drop root
        found = sorted(p for p in location.glob(Path(pattern).name) if p.is_file())
    if not found:
        raise SourceError(f"{location}: no files match '{pattern}' for {contract.id}")
    return found


def iter_units(
    contract: DatasetContract, location: Path | str, watermark_after: str | None = None
) -> Iterator[SourceUnit]:
    """Yield source units one at a time (a dataset's files can be larger than memory together).

    ``location`` is the folder the department systems drop into (or one file, or a database URL).
    """
    source = contract.source
    fields = list(source_field_names(contract).values())
    if source.format in ("sqlite", "postgres"):
        url = str(location)
        if "://" not in url:
            path = Path(location)
            db = path if path.is_file() else path / (source.file or "")
            if not db.is_file():
                raise SourceError(f"{db}: database file not found for {contract.id}")
            url, display = f"sqlite:///{db}", db.name
        else:
            display = url.split("@")[-1]
        yield read_table(url, source.table or "", fields, source.watermark, watermark_after, display)
        return
    if str(location).startswith(("http://", "https://")):
        if source.format not in ("json_pages", "http_json"):
            raise SourceError(f"{contract.id}: a {source.format} source cannot be read from a URL")
        yield from iter_pages(str(location), source.records)
        return
    location = Path(location)
    if source.format == "json_pages":
        yield read_json_pages(_files(contract, location), source.records)
        return
    for path in _files(contract, location):
        kind = (
            _SUFFIX_FORMATS.get(path.suffix.lower(), source.format) if location.is_file() else source.format
        )
        if kind == "json_pages":
            yield read_json_pages([path], source.records)
        elif kind == "csv":
            yield read_csv(path, source.encoding, typed_read_hints(contract))
        elif kind == "ndjson":
            yield read_ndjson(path)
        elif kind == "xlsx":
            yield read_xlsx(path, fields)
        elif kind == "parquet":
            yield read_parquet(path)
        else:
            raise SourceError(
                f"{contract.id}: source format {source.format} is not supported by file connectors"
            )

"""Connectors: find a dataset's source units (files, page sets, query results) as its contract describes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa

from governance.contracts import DatasetContract
from ingest.connectors.base import SourceError, SourceUnit
from ingest.connectors.csv_files import read_csv
from ingest.connectors.files import read_json_pages, read_ndjson, read_parquet, read_xlsx
from ingest.connectors.sql import read_table

__all__ = [
    "DROPPED_FORMATS",
    "SQL_FORMATS",
    "SourceError",
    "SourceUnit",
    "database_url",
    "drop_files",
    "file_day",
    "iter_units",
    "source_field_names",
]

# Formats handed over as files in a drop folder, named and fingerprinted without parsing (ingest.handover).
DROPPED_FORMATS = frozenset({"csv", "ndjson", "json_pages", "xlsx", "parquet"})
# Formats read from a database (incrementally past a watermark column when the contract names one).
SQL_FORMATS = frozenset({"sqlite", "postgres"})


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


# A day in a hand-over file's name: energy_2026-11-03.csv, trips_20261103.csv (not part of a longer number).
_DAY_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def file_day(name: str) -> date | None:
    """The day a hand-over file is for, from its name; None when the name holds no valid date."""
    for match in _DAY_IN_NAME.finditer(Path(name).name):
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:  # 2026-02-30 or a number that only looks like a date: not a day
            continue
    return None


def drop_files(contract: DatasetContract, location: Path, day: date | None = None) -> list[Path]:
    """The dataset's files in a drop folder (or the one file given), only ``day``'s when a day is given.

    A day keeps the load state exact because each file stays its own unit with its own fingerprint; a
    day with no file is an error, so a backfill of a day nobody handed over does not pass for loaded.
    """
    if location.is_file():
        found = [location]
    else:
        pattern = contract.source.glob or contract.source.file or ""
        found = sorted(p for p in location.glob(pattern) if p.is_file())
        if not found:  # the folder holding the files themselves, rather than the drop root
            found = sorted(p for p in location.glob(Path(pattern).name) if p.is_file())
        if not found:
            raise SourceError(f"{location}: no files match '{pattern}' for {contract.id}")
    if day is None:
        return found
    of_day = [p for p in found if file_day(p.name) == day]
    if not of_day:
        raise SourceError(f"{location}: no file for {day} among the {len(found)} file(s) of {contract.id}")
    return of_day


def database_url(contract: DatasetContract, location: Path | str) -> tuple[str, str]:
    """A SQL source's URL and how to show it: the database file in a drop folder, or a URL whose
    credentials (before the @) are never shown."""
    url = str(location)
    if "://" in url:
        return url, url.split("@")[-1]
    path = Path(location)
    db = path if path.is_file() else path / (contract.source.file or "")
    if not db.is_file():
        raise SourceError(f"{db}: database file not found for {contract.id}")
    return f"sqlite:///{db}", db.name


def iter_units(
    contract: DatasetContract,
    location: Path | str,
    watermark_after: str | None = None,
    day: date | None = None,
) -> Iterator[SourceUnit]:
    """Yield source units one at a time (a dataset's files can be larger than memory together).

    ``location`` is the folder the department systems drop into (or one file, or a database URL).
    ``day`` restricts a file drop to the files named for that day (a daily partition's run).
    """
    source = contract.source
    if day is not None and (source.format in SQL_FORMATS | {"json_pages", "http_json"}):
        # One watermark or one fingerprint covers every day: cutting out a day would lose the others.
        raise SourceError(f"{contract.id}: a {source.format} source cannot be loaded one day at a time")
    fields = list(source_field_names(contract).values())
    if source.format in SQL_FORMATS:
        url, display = database_url(contract, location)
        yield read_table(url, source.table or "", fields, source.watermark, watermark_after, display)
        return
    if str(location).startswith(("http://", "https://")):
        if source.format not in ("json_pages", "http_json"):
            raise SourceError(f"{contract.id}: a {source.format} source cannot be read from a URL")
        # Imported for an HTTP source only: its client costs ~0.2 s at every start of the definitions.
        from ingest.connectors.http import iter_pages

        yield from iter_pages(str(location), source.records)
        return
    location = Path(location)
    if source.format == "json_pages":
        yield read_json_pages(drop_files(contract, location), source.records)
        return
    for path in drop_files(contract, location, day):
        kind = (
            _SUFFIX_FORMATS.get(path.suffix.lower(), source.format) if location.is_file() else source.format
        )
        if kind == "json_pages":
            yield read_json_pages([path], source.records)
        elif kind == "csv":
            yield read_csv(path, source.encoding, typed_read_hints(contract), fields)
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

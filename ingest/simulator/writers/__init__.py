"""One writer per source format; each writes exactly where and how the contract's ``source`` says."""

from __future__ import annotations

from ingest.simulator.writers import csv_files, json_pages, ndjson_files, sqlite_db, xlsx_files

FILE_WRITERS = {
    "csv": csv_files.write,
    "ndjson": ndjson_files.write,
    "json_pages": json_pages.write,
    "xlsx": xlsx_files.write,
}

__all__ = ["FILE_WRITERS", "sqlite_db"]

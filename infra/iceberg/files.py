"""Which files a table needs: the one answer backups copy and maintenance must never delete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from pyiceberg.table import Table


def reachable_files(table: Table) -> Iterator[str]:
    """Every file the table's metadata reaches: the current and earlier metadata files (rollback reads
    them), and each live snapshot's manifest list, manifests, data and delete files (time travel)."""
    io = table.io
    yield table.metadata_location
    for entry in table.metadata.metadata_log:
        yield entry.metadata_file
    for statistics in table.metadata.statistics:
        yield statistics.statistics_path
    seen_manifests: set[str] = set()
    for snapshot in table.metadata.snapshots:
        yield snapshot.manifest_list
        for manifest in snapshot.manifests(io):
            if manifest.manifest_path in seen_manifests:
                continue
            seen_manifests.add(manifest.manifest_path)
            yield manifest.manifest_path
            for entry in manifest.fetch_manifest_entry(io, discard_deleted=False):
                yield entry.data_file.file_path


def local_path(uri: str) -> Path | None:
    """The local path of a ``file:`` URI (or a bare path); None for object storage."""
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme in ("file", "") else None

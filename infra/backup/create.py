"""Make a point-in-time backup of an embedded home.

Consistency comes from Iceberg itself: data and metadata files are never rewritten in place, so a copy of
the catalog taken with SQLite's online backup API, plus every file that copy's tables reference, is one
consistent state even while loads go on (their new files are simply not referenced yet).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

from pyiceberg.catalog.sql import SqlCatalog

from infra.backup.folder import default_backup_root, finish, start
from infra.backup.manifest import (
    BackupError,
    BackupManifest,
    CopiedFile,
    TableState,
    sha256_of,
    table_state,
)
from infra.backup.stack import create_stack_backup
from infra.iceberg.files import local_path, reachable_files
from infra.settings import Settings

Progress = Callable[[str], None]

CATALOG_FILE = "catalog.db"
# Left out on purpose; listed in every manifest so a restorer knows what to bring back by other means.
EXCLUDED = (
    "secrets/ — the pseudonymisation key and stack credentials are kept apart from data backups",
    "dbt.duckdb — rebuilt by the next dbt run",
    "reports/ — rebuilt by the next run",
    "sources/ — the departments' hand-overs stay in their hand-over folders",
    "dagster/ — run history of the local Dagster instance",
)


def create_backup(
    settings: Settings, root: Path | None = None, *, progress: Progress = lambda _: None, now: datetime
) -> tuple[Path, BackupManifest]:
    """Copy the home's catalog, state databases and referenced warehouse files into a new backup folder."""
    root = root or default_backup_root(settings)
    if settings.profile == "stack":
        return create_stack_backup(settings, root, progress=progress, now=now)
    if settings.profile != "embedded":
        raise BackupError(
            f"profile {settings.profile!r}: `lakehouse backup` is built for the embedded and stack profiles only"
        )
    home = settings.home
    if not (home / CATALOG_FILE).is_file():
        raise BackupError(
            f"{home}: no {CATALOG_FILE}; nothing to back up (run `lakehouse demo` or a load first)"
        )
    backup_id, partial = start(root, now)
    try:
        files = [_sqlite_copy(home / CATALOG_FILE, partial / CATALOG_FILE, home)]
        progress(f"catalog copied ({files[0].size} bytes)")
        for database in sorted(settings.state_dir.glob("*.db")):
            files.append(_sqlite_copy(database, partial / database.relative_to(home), home))
            progress(f"state database {database.relative_to(home)} copied")
        tables, referenced = _tables_of(partial / CATALOG_FILE, settings)
        progress(f"{len(tables)} tables, {len(referenced)} files to copy")
        for count, path in enumerate(sorted(referenced), start=1):
            files.append(_copy_file(path, partial / path.relative_to(home), home))
            if count % 500 == 0:
                progress(f"{count}/{len(referenced)} files copied")
        manifest = BackupManifest(
            backup_id=backup_id,
            created_at=now.isoformat(timespec="seconds"),
            profile=settings.profile,
            home=str(home),
            tables=tables,
            files=files,
            excluded=list(EXCLUDED),
        )
        final = finish(partial, manifest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    progress(f"backup {backup_id}: {len(tables)} tables, {len(files)} files, {manifest.total_bytes} bytes")
    return final, manifest


def _sqlite_copy(source: Path, target: Path, home: Path) -> CopiedFile:
    """SQLite's online backup: a consistent copy even while another process writes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    return _described(target, source.relative_to(home))


def _described(copy: Path, relative: Path) -> CopiedFile:
    return CopiedFile(path=relative.as_posix(), size=copy.stat().st_size, sha256=sha256_of(copy))


def _copy_file(source: Path, target: Path, home: Path) -> CopiedFile:
    if not source.is_file():
        raise BackupError(f"{source}: referenced by the catalog but missing from the warehouse")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return _described(target, source.relative_to(home))


def _tables_of(catalog_copy: Path, settings: Settings) -> tuple[list[TableState], set[Path]]:
    """Every table of the copied catalog, and every file its snapshots reference (under the home)."""
    catalog = SqlCatalog(
        settings.catalog_name, uri=f"sqlite:///{catalog_copy}", warehouse=settings.warehouse_dir.as_uri()
    )
    tables: list[TableState] = []
    referenced: set[Path] = set()
    for namespace in catalog.list_namespaces():
        for identifier in catalog.list_tables(namespace):
            table = catalog.load_table(identifier)
            files = set(reachable_files(table))
            metadata = _local(table.metadata_location, settings.home).relative_to(settings.home)
            local = {_local(uri, settings.home) for uri in files}
            relative = [p.relative_to(settings.home).as_posix() for p in local]
            tables.append(table_state(".".join(identifier), table, metadata.as_posix(), relative))
            referenced |= local
    return tables, referenced


def _local(uri: str, home: Path) -> Path:
    path = local_path(uri)
    if path is None or not path.is_relative_to(home):
        raise BackupError(f"{uri}: outside the home {home}; only a home's own warehouse can be backed up")
    return path

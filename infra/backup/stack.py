"""Backups of the stack profile: pg_dump of the catalog and state databases, the bucket's referenced objects.

The same manifest as the embedded profile: the dumps sit under `postgres/<database>.dump`, each object under
`s3/<key>` (its key in the bucket), and the manifest's `home` is `s3://<bucket>` because Iceberg metadata
names its files by absolute URI: a backup goes back into a bucket of the same name.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.table import StaticTable

from infra.backup import pg
from infra.backup.folder import finish, start
from infra.backup.manifest import (
    BackupError,
    BackupManifest,
    CopiedFile,
    TableState,
    sha256_of,
    table_state,
)
from infra.catalog import catalog_properties, s3_client_env
from infra.iceberg.files import reachable_files
from infra.iceberg.objects import list_files, read_chunks, write_from
from infra.settings import Settings

Progress = Callable[[str], None]

OBJECTS = "s3"
DUMPS = "postgres"
# Left out on purpose; listed in every manifest so a restorer knows what to bring back by other means.
EXCLUDED = (
    "secrets/ — the pseudonymisation key and the stack's credentials (PostgreSQL, S3, Trino users, "
    "Superset's secret key) are kept apart from data backups",
    "stack/ — server installs, configurations, TLS keys and logs: `lakehouse up` makes them again",
    "bucket objects no table references — a running load's uncommitted files and orphans",
    "dbt.duckdb, reports/ — rebuilt by the next run",
    "sources/ — the departments' hand-overs stay in their hand-over folders",
)


def _io(settings: Settings) -> PyArrowFileIO:
    s3_client_env()
    return PyArrowFileIO(catalog_properties(settings))


def _object_path(uri: str, bucket: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme not in ("s3", "s3a", "s3n") or parsed.netloc != bucket:
        raise BackupError(f"{uri}: not in the stack's bucket {bucket}; only its own warehouse is backed up")
    return f"{OBJECTS}/{parsed.path.lstrip('/')}"


def _written(target: Path, relative: str, chunks: Iterator[bytes]) -> CopiedFile:
    """Write the chunks and hash them on the way: each object is read once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as handle:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
    return CopiedFile(path=relative, size=size, sha256=digest.hexdigest())


def _dumped(settings: Settings, database: str, folder: Path, snapshot: str | None = None) -> CopiedFile:
    relative = f"{DUMPS}/{database}{pg.DUMP_SUFFIX}"
    pg.dump(settings, database, folder / relative, snapshot)
    return CopiedFile(relative, (folder / relative).stat().st_size, sha256_of(folder / relative))


def create_stack_backup(
    settings: Settings, root: Path, *, progress: Progress, now: datetime
) -> tuple[Path, BackupManifest]:
    io = _io(settings)
    backup_id, partial = start(root, now)
    try:
        with pg.catalog_snapshot(settings) as (snapshot, rows):
            files = [_dumped(settings, pg.CATALOG_DATABASE, partial, snapshot)]
        progress(f"catalog dumped ({files[0].size} bytes, {len(rows)} tables)")
        for database in pg.STATE_DATABASES:
            files.append(_dumped(settings, database, partial))
            progress(f"state database {database} dumped")
        tables: list[TableState] = []
        referenced: set[str] = set()
        for namespace, name, metadata_location in rows:
            table = StaticTable.from_metadata(metadata_location, properties=catalog_properties(settings))
            reached = set(reachable_files(table))
            tables.append(
                table_state(
                    f"{namespace}.{name}",
                    table,
                    _object_path(metadata_location, settings.s3_bucket),
                    [_object_path(uri, settings.s3_bucket) for uri in reached],
                )
            )
            referenced |= reached
        progress(f"{len(tables)} tables, {len(referenced)} objects to copy")
        for count, uri in enumerate(sorted(referenced), start=1):
            relative = _object_path(uri, settings.s3_bucket)
            try:
                files.append(_written(partial / relative, relative, read_chunks(io, uri)))
            except FileNotFoundError as exc:
                raise BackupError(f"{uri}: referenced by the catalog but missing from the bucket") from exc
            if count % 500 == 0:
                progress(f"{count}/{len(referenced)} objects copied")
        manifest = BackupManifest(
            backup_id=backup_id,
            created_at=now.isoformat(timespec="seconds"),
            profile=settings.profile,
            home=f"s3://{settings.s3_bucket}",
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


def check_fresh_stack(manifest: BackupManifest, settings: Settings) -> None:
    """Refuse a target that holds anything: no newer object or row may be mixed silently with the backup."""
    if manifest.home != f"s3://{settings.s3_bucket}":
        raise BackupError(
            f"taken of the bucket {manifest.home}; restore it into that bucket "
            f"(LAKEHOUSE_S3_BUCKET={manifest.home.removeprefix('s3://')})"
        )
    warehouse = catalog_properties(settings)["warehouse"]
    present = list_files(_io(settings), warehouse)
    if present:
        raise BackupError(
            f"{warehouse} holds {len(present)} objects (first: {present[0].name}); restore only onto a "
            "fresh stack (empty bucket, empty databases)"
        )
    for copied in manifest.files:
        if copied.path.startswith(f"{DUMPS}/"):
            database = Path(copied.path).name.removesuffix(pg.DUMP_SUFFIX)
            occupied = pg.tables_with_rows(settings, database)
            if database == pg.CATALOG_DATABASE:
                # Opening the catalog (`lakehouse up` does) creates the zones' namespace rows on any fresh
                # stack; the dump brings them back alike. A registered table is what must not be there.
                occupied = [t for t in occupied if t.endswith(".iceberg_tables")]
            if occupied:
                raise BackupError(
                    f"database {database} is not empty ({', '.join(occupied[:5])}); restore only onto a "
                    "fresh stack — before Dagster or Superset start writing there"
                )


def put_back(folder: Path, manifest: BackupManifest, settings: Settings, progress: Progress) -> None:
    """Objects first, catalog last: a restore cut short leaves no catalog row pointing at a missing file."""
    io = _io(settings)
    objects = [f for f in manifest.files if f.path.startswith(f"{OBJECTS}/")]
    for count, copied in enumerate(objects, start=1):
        uri = f"s3://{settings.s3_bucket}/{copied.path.removeprefix(f'{OBJECTS}/')}"
        with (folder / copied.path).open("rb") as handle:
            write_from(io, uri, iter(lambda h=handle: h.read(1 << 20), b""))
        if count % 500 == 0:
            progress(f"{count}/{len(objects)} objects put back")
    progress(f"{len(objects)} objects put back into s3://{settings.s3_bucket}")
    dumps = sorted(
        (f for f in manifest.files if f.path.startswith(f"{DUMPS}/")),
        key=lambda f: f.path == f"{DUMPS}/{pg.CATALOG_DATABASE}{pg.DUMP_SUFFIX}",
    )
    for copied in dumps:
        database = Path(copied.path).name.removesuffix(pg.DUMP_SUFFIX)
        pg.restore(settings, database, folder / copied.path)
        progress(f"database {database} restored")

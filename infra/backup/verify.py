"""Re-read a backup and check it against its manifest: every file present, same size, same SHA-256."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from infra.backup.manifest import BackupManifest, sha256_of
from infra.backup.pg import DUMP_SUFFIX, dump_problems


def verify_backup(folder: Path, *, progress: Callable[[str], None] = lambda _: None) -> list[str]:
    """Problems found, each naming the file and what is wrong; an empty list means the backup is whole."""
    manifest = BackupManifest.read(folder)
    problems: list[str] = []
    listed = {f.path for f in manifest.files}
    for count, copied in enumerate(manifest.files, start=1):
        path = folder / copied.path
        if not path.is_file():
            problems.append(f"{copied.path}: missing")
        elif path.stat().st_size != copied.size:
            problems.append(f"{copied.path}: {path.stat().st_size} bytes, manifest says {copied.size}")
        elif sha256_of(path) != copied.sha256:
            problems.append(f"{copied.path}: SHA-256 differs from the manifest (damaged or altered)")
        if count % 500 == 0:
            progress(f"{count}/{len(manifest.files)} files checked")
    for table in manifest.tables:
        unlisted = [f for f in table.files if f not in listed]
        if unlisted:
            problems.append(
                f"{table.table}: {len(unlisted)} file(s) it references are not in the manifest, "
                f"e.g. {unlisted[0]}"
            )
        if table.metadata_location not in listed:
            problems.append(
                f"{table.table}: its metadata file {table.metadata_location} is not in the backup"
            )
    for copied in manifest.files:
        if copied.path.endswith(".db") and (folder / copied.path).is_file():
            problems.extend(_sqlite_problems(folder / copied.path, copied.path))
        elif copied.path.endswith(DUMP_SUFFIX) and (folder / copied.path).is_file():
            problems.extend(dump_problems(folder / copied.path, copied.path))
    return problems


def _sqlite_problems(path: Path, name: str) -> list[str]:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            result = connection.execute("pragma integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        return [f"{name}: not a readable SQLite database ({exc})"]
    return [] if result and result[0] == "ok" else [f"{name}: SQLite integrity check failed"]

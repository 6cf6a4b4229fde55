"""The backup manifest: what was copied, with sizes and SHA-256 digests, and each table's snapshot.

It is the contract between `create`, `verify` and `restore`: verify trusts nothing but this file and the
bytes beside it, and restore refuses a backup that does not verify.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyiceberg.table import Table

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
_CHUNK = 1 << 20


@dataclass(frozen=True)
class CopiedFile:
    """A file of the backup, by its path relative to the home it came from."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class TableState:
    """One Iceberg table as the backed-up catalog points at it."""

    table: str
    metadata_location: str
    snapshot_id: int | None
    rows: int
    data_files: int
    # Every file the table reaches, as backup paths: verify checks each is listed, so a manifest that lost a
    # line cannot restore a table with a hole in it.
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BackupManifest:
    backup_id: str
    created_at: str
    profile: str
    home: str
    tables: list[TableState]
    files: list[CopiedFile]
    excluded: list[str] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def write(self, folder: Path) -> Path:
        path = folder / MANIFEST_NAME
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path) -> BackupManifest:
        path = folder / MANIFEST_NAME
        if not path.is_file():
            raise BackupError(f"{folder}: no {MANIFEST_NAME}; not a backup made by `lakehouse backup create`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"{path}: format version {data.get('format_version')!r}, this code reads {FORMAT_VERSION}"
                )
            return cls(
                backup_id=data["backup_id"],
                created_at=data["created_at"],
                profile=data["profile"],
                home=data["home"],
                tables=[TableState(**t) for t in data["tables"]],
                files=[CopiedFile(**f) for f in data["files"]],
                excluded=list(data.get("excluded", [])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"{path}: unreadable manifest ({type(exc).__name__}: {exc})") from exc


def table_state(name: str, table: Table, metadata_path: str, files: Iterable[str] = ()) -> TableState:
    """A table as the manifest records it; `metadata_path` is where its metadata file sits in the backup and
    `files` where every file it reaches does."""
    snapshot = table.current_snapshot()
    summary = (snapshot.summary or {}) if snapshot else {}
    return TableState(
        table=name,
        metadata_location=metadata_path,
        snapshot_id=snapshot.snapshot_id if snapshot else None,
        rows=int(summary.get("total-records", 0)),
        data_files=int(summary.get("total-data-files", 0)),
        files=sorted(set(files)),
    )


class BackupError(RuntimeError):
    """A backup that cannot be made, read, verified or restored; the message says which file and why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

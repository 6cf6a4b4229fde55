"""Put a verified backup back into an empty home (or onto a fresh stack) and prove every table is at its
backed-up snapshot."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from infra.backup.manifest import BackupError, BackupManifest
from infra.backup.stack import check_fresh_stack, put_back
from infra.backup.verify import verify_backup
from infra.catalog import open_catalog
from infra.settings import Settings

# A home may already hold these before a restore: the key is restored from the key store first.
_MAY_EXIST = {"secrets"}


def restore_backup(
    folder: Path, settings: Settings, *, progress: Callable[[str], None] = lambda _: None
) -> BackupManifest:
    manifest = BackupManifest.read(folder)
    if manifest.profile != settings.profile:
        raise BackupError(f"{folder}: a {manifest.profile} backup; the active profile is {settings.profile}")
    if manifest.profile == "stack":
        check_fresh_stack(manifest, settings)
    else:
        _check_empty_home(folder, manifest, settings)
    problems = verify_backup(folder, progress=progress)
    if problems:
        raise BackupError(f"{folder}: does not verify ({len(problems)} problems; first: {problems[0]})")
    progress(f"backup {manifest.backup_id} verified; copying {len(manifest.files)} files")
    if manifest.profile == "stack":
        put_back(folder, manifest, settings, progress)
    else:
        for copied in manifest.files:
            target = settings.home / copied.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / copied.path, target)
    _check_tables(manifest, settings)
    progress(f"restored {len(manifest.tables)} tables into {manifest.home}")
    return manifest


def _check_empty_home(folder: Path, manifest: BackupManifest, settings: Settings) -> None:
    if Path(manifest.home) != settings.home:
        # Iceberg metadata names its files by absolute path; a moved home would reference the old one.
        raise BackupError(
            f"{folder}: taken of the home {manifest.home}; restore it there (LAKEHOUSE_HOME={manifest.home})"
        )
    occupied = (
        sorted(p.name for p in settings.home.iterdir() if p.name not in _MAY_EXIST)
        if (settings.home.exists())
        else []
    )
    if occupied:
        raise BackupError(
            f"{settings.home} is not empty ({', '.join(occupied[:5])}); restore only into an empty home "
            "so no newer file is silently mixed with the backup — move the home aside first"
        )


def _check_tables(manifest: BackupManifest, settings: Settings) -> None:
    catalog = open_catalog(settings)
    for expected in manifest.tables:
        table = catalog.load_table(expected.table)
        snapshot = table.current_snapshot()
        found = snapshot.snapshot_id if snapshot else None
        if found != expected.snapshot_id:
            raise BackupError(
                f"{expected.table}: restored at snapshot {found}, backup says {expected.snapshot_id}"
            )

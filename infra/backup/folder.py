"""Where backups go and how one is written: under a `.partial` name, renamed only once whole."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from infra.backup.manifest import BackupManifest
from infra.settings import Settings


def default_backup_root(settings: Settings) -> Path:
    """Beside the home, never inside it: deleting a home must not delete its backups."""
    configured = os.environ.get("LAKEHOUSE_BACKUP_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return settings.home.parent / f"{settings.home.name}-backups"


def start(root: Path, now: datetime) -> tuple[str, Path]:
    """A new backup id and its folder, named `.partial` until `finish`: a crash never leaves a backup
    that looks whole (`backup list` skips the name, `restore` finds no manifest)."""
    stem = now.strftime("%Y%m%d-%H%M%S")
    candidate, n = stem, 1
    while (root / candidate).exists() or (root / f"{candidate}.partial").exists():
        n += 1
        candidate = f"{stem}-{n}"
    partial = root / f"{candidate}.partial"
    partial.mkdir(parents=True)
    return candidate, partial


def finish(partial: Path, manifest: BackupManifest) -> Path:
    manifest.write(partial)
    final = partial.with_name(manifest.backup_id)
    partial.rename(final)
    return final

"""Damaged backups that `lakehouse backup verify` must refuse and `restore` must not apply (embedded profile).

tests/integration/test_backup_restore.py covers one flipped byte; here: a truncated data file, a data file
gone from the backup folder, and a data file whose line was deleted from manifest.json (the file is in the
folder but nothing vouches for it, and restore copies only what the manifest lists). Each case three times,
each on a fresh copy of one good backup.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ingest.simulator import simulate

pytestmark = pytest.mark.integration
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded"}
    return subprocess.run([LAKEHOUSE, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory) -> tuple[Path, Path]:
    """(home, backup folder): one traffic day loaded and backed up; the backup verifies, and the home is
    then deleted, as before a real restore (restore checks the home is empty before it verifies)."""
    base = tmp_path_factory.mktemp("backup")
    sources, home, backups = base / "sources", base / "home", base / "backups"
    simulate(sources, scale=0.05, days=1, seed=7, start=date(2026, 11, 2))
    for args in (
        ("ingest", "traffic_flow", str(sources / "traffic")),
        ("backup", "create", "--root", str(backups)),
    ):
        done = _run(home, *args)
        assert done.returncode == 0, done.stderr
    (backup,) = [p for p in backups.iterdir() if p.is_dir()]
    assert _run(home, "backup", "verify", str(backup)).returncode == 0
    shutil.rmtree(home)
    return home, backup


def _data_file(folder: Path) -> Path:
    return next(p for p in sorted(folder.rglob("*.parquet")) if "traffic_flow" in p.as_posix())


def _truncate(folder: Path) -> str:
    target = _data_file(folder)
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    return target.relative_to(folder).as_posix()


def _delete(folder: Path) -> str:
    target = _data_file(folder)
    target.unlink()
    return target.relative_to(folder).as_posix()


def _unlist(folder: Path) -> str:
    name = _data_file(folder).relative_to(folder).as_posix()
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"] = [f for f in manifest["files"] if f["path"] != name]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return name


DAMAGES = [
    pytest.param(_truncate, id="truncated-file"),
    pytest.param(_delete, id="file-gone"),
    pytest.param(_unlist, id="manifest-entry-removed"),
]


@pytest.mark.parametrize("repetition", [1, 2, 3])
@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_backup_is_refused(good_backup, tmp_path, damage, repetition) -> None:
    home, backup = good_backup
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    name = damage(damaged)

    checked = _run(home, "backup", "verify", str(damaged))
    assert checked.returncode != 0
    assert name in checked.stderr + checked.stdout
    assert "Traceback" not in checked.stderr

    try:
        restored = _run(home, "backup", "restore", str(damaged))
        assert restored.returncode != 0
        assert "does not verify" in restored.stderr and name in restored.stderr
        assert not list(home.rglob("*.parquet")), "a refused restore copies nothing"
    finally:
        shutil.rmtree(home, ignore_errors=True)

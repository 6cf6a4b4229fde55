"""The warehouse disk fills up during a load (embedded profile), with a real full file system.

The home is a small tmpfs (we run as root in this sandbox, where `mount -t tmpfs` works; elsewhere the test
skips and says why), filled to the last byte by a real file before the load. The load must fail with one
line naming the home and what to do, leave the table at its last good snapshot with every referenced file
whole, and after space is freed the re-run loads each row once with rows in = loaded + quarantined +
duplicate. Three repetitions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from governance.contracts import load_contracts
from infra.catalog import open_catalog
from ingest.simulator import simulate

pytestmark = pytest.mark.integration
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))
FLOW = load_contracts()["traffic_flow"]


@pytest.fixture(scope="module")
def flow_files(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("sources")
    simulate(out, scale=0.1, days=2, seed=5, start=date(2026, 11, 1))
    files = sorted((out / "traffic").glob("flow_*.ndjson"))
    assert len(files) == 2
    return files


@pytest.fixture
def small_home(tmp_path) -> Iterator[Path]:
    """A 32 MB tmpfs as LAKEHOUSE_HOME, unmounted afterwards."""
    home = tmp_path / "home"
    home.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m,mode=0700", "tmpfs", str(home)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield home
    finally:
        # Lazy: this process still holds the catalog's SQLite file open until the engine is collected.
        subprocess.run(["umount", "--lazy", str(home)], check=True)


def _env(home: Path) -> dict[str, str]:
    return os.environ | {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded"}


def _ingest(home: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAKEHOUSE, "ingest", "traffic_flow", str(folder)],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _folder(tmp: Path, name: str, files: list[Path]) -> Path:
    folder = tmp / name
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    return folder


def _rows_in(files: list[Path]) -> int:
    return sum(sum(1 for line in f.read_text(encoding="utf-8").splitlines() if line.strip()) for f in files)


def _fill(home: Path) -> Path:
    """Write one file until the file system refuses another byte (a real ENOSPC)."""
    filler = home / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 4096, 1):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError:
                continue  # full at this chunk size: go on with a smaller one
    assert shutil.disk_usage(home).free < 4096
    return filler


@pytest.mark.parametrize("repetition", [1, 2, 3])
def test_full_disk_fails_cleanly_and_the_rerun_with_space_is_exact(
    tmp_path, small_home, flow_files, monkeypatch, repetition
) -> None:
    home = small_home
    first = _folder(tmp_path, "day1", flow_files[:1])
    both = _folder(tmp_path, "days", flow_files)
    assert _ingest(home, first).returncode == 0
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")
    before = open_catalog().load_table(FLOW.raw_table)
    good = before.current_snapshot()
    assert good is not None

    filler = _fill(home)
    failed = _ingest(home, both)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    (line,) = failed.stderr.strip().splitlines()
    assert f"under {home}" in line and "No space left on device" in line
    assert "`lakehouse ingest traffic_flow" in line and "free space" in line

    after = open_catalog().load_table(FLOW.raw_table)
    snapshot = after.current_snapshot()
    assert snapshot is not None and snapshot.snapshot_id == good.snapshot_id
    # Every file the table references is whole: the scan reads all of them and finds day one only.
    referenced = after.inspect.files().column("file_path").to_pylist()
    assert referenced and all(Path(p.removeprefix("file://")).stat().st_size > 0 for p in referenced)
    assert after.scan().to_arrow().num_rows == _rows_in(flow_files[:1])

    filler.unlink()
    rerun = _ingest(home, both)
    assert rerun.returncode == 0, rerun.stderr
    assert open_catalog().load_table(FLOW.raw_table).scan().to_arrow().num_rows == _rows_in(flow_files)
    ledger = open_catalog().load_table("governance.load_ledger").scan().to_arrow().to_pylist()
    committed = [e for e in ledger if e["status"] == "committed"]
    assert len(committed) == 2
    assert all(
        e["rows_in"] == e["rows_loaded"] + e["rows_quarantined"] + e["rows_duplicate"] for e in committed
    )
    assert sum(e["rows_loaded"] for e in committed) == _rows_in(flow_files)

"""灾备 with real processes: back up a home, delete it, restore it; every table comes back at its snapshot
with identical rows. A damaged backup is refused. A bad load is rolled back, and re-loading it lands once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from governance.contracts import load_contracts
from infra.catalog import open_catalog
from infra.iceberg.writer import UNITS_PROPERTY
from infra.settings import load_settings
from ingest.simulator import simulate
from tests.table_state import catalog_state

pytestmark = pytest.mark.integration
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))
CONTRACTS = load_contracts()
FLOW, PARKS = CONTRACTS["traffic_flow"], CONTRACTS["parks"]


def _run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # the home's own instance
    env = inherited | {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded"}
    done = subprocess.run([LAKEHOUSE, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"lakehouse {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def _state(home: Path, monkeypatch) -> dict[str, tuple[int | None, int, str]]:
    """Per table: current snapshot id, row count, and a checksum of `select *` independent of row order."""
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    return catalog_state(open_catalog(load_settings()))


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sources")
    simulate(out, scale=0.05, days=3, seed=11, start=date(2026, 11, 2))
    return out


def _day_folder(sources: Path, tmp: Path, day: int) -> Path:
    """One day's traffic files alone, as a department would hand them over."""
    folder = tmp / f"day{day}"
    folder.mkdir()
    for path in sorted(sources.rglob("flow_*"))[day - 1 : day]:
        shutil.copy(path, folder / path.name)
    return folder


def test_backup_delete_restore_is_identical_and_damage_is_refused(tmp_path, sources, monkeypatch):
    home, backups = tmp_path / "home", tmp_path / "backups"
    _run(home, "ingest", "traffic_flow", str(_day_folder(sources, tmp_path, 1)))
    _run(home, "ingest", "traffic_flow", str(_day_folder(sources, tmp_path, 2)))
    _run(home, "ingest", "parks", str(sources))
    before = _state(home, monkeypatch)
    assert before[FLOW.raw_table][1] > 0 and before[PARKS.raw_table][1] > 0

    _run(home, "backup", "create", "--root", str(backups))
    (backup,) = [p for p in backups.iterdir() if p.is_dir()]
    assert _run(home, "backup", "verify", backup.name, "--root", str(backups)).returncode == 0

    shutil.rmtree(home)
    home.mkdir()
    restored = _run(home, "backup", "restore", backup.name, "--root", str(backups))
    assert "secrets/" in restored.stdout  # the restorer is told what the backup leaves out
    assert _state(home, monkeypatch) == before

    # A restore never mixes into a home that holds data.
    refused = _run(home, "backup", "restore", backup.name, "--root", str(backups), check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr

    # One flipped byte in one data file: verify names it, restore refuses.
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    data_file = next(p for p in damaged.rglob("*.parquet"))
    raw = bytearray(data_file.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data_file.write_bytes(bytes(raw))
    checked = _run(home, "backup", "verify", str(damaged), check=False)
    assert checked.returncode != 0
    assert data_file.relative_to(damaged).as_posix() in checked.stderr
    shutil.rmtree(home)
    again = _run(home, "backup", "restore", str(damaged), check=False)
    assert again.returncode != 0 and "does not verify" in again.stderr


def test_rollback_undoes_a_load_and_the_reload_lands_once(tmp_path, sources, monkeypatch):
    home = tmp_path / "home"
    _run(home, "ingest", "traffic_flow", str(_day_folder(sources, tmp_path, 1)))
    good = _state(home, monkeypatch)[FLOW.raw_table]
    day2 = _day_folder(sources, tmp_path, 2)
    bad = json.loads(_run(home, "ingest", "traffic_flow", str(day2), "--json").stdout)
    assert bad["rows_loaded"] > 0
    after_bad = _state(home, monkeypatch)[FLOW.raw_table]

    done = _run(home, "rollback", FLOW.raw_table, "--before", bad["load_id"], "--reason", "wrong day sent")
    assert f"rows {after_bad[1]} → {good[1]}" in done.stdout
    assert _state(home, monkeypatch)[FLOW.raw_table][1:] == good[1:]
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    catalog = open_catalog(load_settings())
    units = catalog.load_table(FLOW.raw_table).properties.get(UNITS_PROPERTY, "")
    assert all(name not in units for name in bad["units"])  # the load state went back with the data
    ledger = catalog.load_table("governance.load_ledger").scan().to_arrow().to_pylist()
    (entry,) = [r for r in ledger if r["status"] == "rolled_back"]
    assert entry["dataset"] == FLOW.name and "wrong day sent" in entry["message"]

    # Dagster heard of it: the table's newest materialization is the rollback, so what reads it is stale.
    import dagster as dg

    from orchestration.keys import table_key

    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(table_key(FLOW.raw_table))
    materialization = event.asset_materialization
    assert "wrong day sent" in materialization.description
    assert materialization.metadata["snapshot_id"].value == int(done.stdout.split("→ ")[1].split(",")[0])

    reloaded = json.loads(_run(home, "ingest", "traffic_flow", str(day2), "--json").stdout)
    assert reloaded["rows_loaded"] == bad["rows_loaded"]
    assert _state(home, monkeypatch)[FLOW.raw_table][1:] == after_bad[1:]

    unknown = _run(home, "rollback", "raw_transport.nosuch", "--to", "1", "--reason", "x", check=False)
    assert unknown.returncode != 0 and "no table" in unknown.stderr

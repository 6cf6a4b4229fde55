"""Real processes: a load killed with SIGKILL leaves the table at its previous snapshot and a re-run
completes exactly; two loads committing to one table at once both land. Each scenario runs three times."""

import os
import signal
import subprocess
import sys
import time
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
    simulate(out, scale=0.3, days=3, seed=3, start=date(2026, 11, 1))
    return sorted((out / "traffic").glob("flow_*.ndjson"))


def _env(home: Path) -> dict[str, str]:
    return os.environ | {
        "LAKEHOUSE_HOME": str(home),
        "LAKEHOUSE_PROFILE": "embedded",
        "PYTHONUNBUFFERED": "1",
    }


def _rows_in(files: list[Path]) -> int:
    return sum(sum(1 for line in f.read_text(encoding="utf-8").splitlines() if line.strip()) for f in files)


def _raw_rows(home: Path, monkeypatch) -> int | None:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    table = open_catalog().load_table(FLOW.raw_table)
    return None if table.current_snapshot() is None else table.scan().to_arrow().num_rows


@pytest.mark.parametrize("kill_after_reads", [1, 2, 3])
def test_kill_9_mid_load_then_rerun_is_exact(tmp_path, flow_files, monkeypatch, kill_after_reads):
    home = tmp_path / "home"
    folder = flow_files[0].parent
    expected = _rows_in(flow_files)
    process = subprocess.Popen(
        [LAKEHOUSE, "ingest", "traffic_flow", str(folder)],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reads = 0
    for line in process.stdout:
        if line.startswith("traffic_flow: read "):
            reads += 1
            if reads == kill_after_reads:
                # After the last unit is read the load is writing data files and committing: kill it there.
                time.sleep(0.05 * kill_after_reads)
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=60)
    killed = process.returncode == -signal.SIGKILL
    after_kill = _raw_rows(home, monkeypatch)
    assert after_kill in (None, expected), "a killed load must leave no partial commit"
    rerun = subprocess.run(
        [LAKEHOUSE, "ingest", "traffic_flow", str(folder), "--json"],
        env=_env(home),
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _raw_rows(home, monkeypatch) == expected
    if killed and after_kill is None:
        assert f'"rows_loaded": {expected}' in rerun.stdout


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_two_processes_commit_to_one_table_and_both_land(tmp_path, flow_files, monkeypatch, attempt):
    home = tmp_path / f"home{attempt}"
    env = _env(home)
    first, second = flow_files[0], flow_files[1]
    # Create the table first so that both processes race on commits, not on creation.
    subprocess.run(
        [LAKEHOUSE, "ingest", "traffic_flow", str(flow_files[2])], env=env, check=True, capture_output=True
    )
    processes = [
        subprocess.Popen(
            [LAKEHOUSE, "ingest", "traffic_flow", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path in (first, second)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert _raw_rows(home, monkeypatch) == _rows_in(flow_files)
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    ledger = open_catalog().load_table("governance.load_ledger").scan().to_arrow().to_pylist()
    committed = [e for e in ledger if e["status"] == "committed"]
    assert len(committed) == 3
    assert all(
        e["rows_in"] == e["rows_loaded"] + e["rows_quarantined"] + e["rows_duplicate"] for e in committed
    )

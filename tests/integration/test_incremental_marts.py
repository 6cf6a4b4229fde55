"""The incremental parking mart on the embedded target (docs/adr/0020-incremental-marts.md), with the real
dbt-duckdb over real Iceberg tables that the simulator's files, the loader and the staging step made.

Day 1 is handed over without a few of its sessions; day 2 brings its own sessions and those late ones (which
occupy day-1 hours only). dbt builds day 1 in full, then day 2 incrementally: that build must merge (not
recreate the table), leave a day-1 hour no new session occupies as it was, recount the hours of the late
sessions, and give exactly the rows a `--full-refresh` build and a build in a fresh DuckDB file give.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from governance.contracts import load_contracts
from governance.publish import stage_dataset
from infra.catalog import open_catalog
from infra.dbt_manifest import DBT_DIR, DBT_EXECUTABLE
from ingest.load import load_dataset
from ingest.simulator import simulate
from tests.mart_checksum import checksum, differences

pytestmark = pytest.mark.integration

MART = "parking_utilisation_hourly"
TABLE = f"exchange.{MART}"
DAY_1, DAY_2 = date(2026, 11, 20), date(2026, 11, 21)
LATE = 6  # day-1 sessions handed over only with day 2
SENTINEL = -1.0  # an occupied_vehicle_hours no build gives: marks a row an incremental run must not rewrite


def _items(folder: Path) -> list[dict]:
    pages = sorted((folder / "parking" / "sessions").glob("page-*.json"))
    return [item for page in pages for item in json.loads(page.read_text(encoding="utf-8"))["data"]["items"]]


def _hand_over(sources: Path, items: list[dict]) -> None:
    """The platform's paged export as it stands: every session it knows, in pages of 500."""
    folder = sources / "parking" / "sessions"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for number, start in enumerate(range(0, len(items), 500), start=1):
        page = {"page": number, "pageSize": 500, "total": len(items), "items": items[start : start + 500]}
        text = json.dumps({"code": 0, "msg": "success", "data": page}, ensure_ascii=False)
        (folder / f"page-{number:04d}.json").write_text(text, encoding="utf-8")


def _load_and_stage(sources: Path) -> None:
    catalog = open_catalog()
    for name in ("parking_lots", "parking_sessions"):
        contract = load_contracts()[name]
        load_dataset(contract, sources, catalog)
        stage_dataset(contract, catalog, b"integration-test-pseudonym-key", "incremental-marts-test")


def _dbt(home: Path, target_path: Path, *args: str) -> dict:
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_DBT_TARGET": "embedded"}
    command = [
        *(str(DBT_EXECUTABLE), "build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)),
        *("--target", "embedded", "--target-path", str(target_path), "--select", f"+{MART}", *args),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=DBT_DIR, check=False, timeout=900
    )
    assert done.returncode == 0, f"dbt build {args}:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    failed = {
        r["unique_id"]: r["status"] for r in results["results"] if r["status"] not in ("success", "pass")
    }
    assert not failed
    return results


def _executed(target_path: Path) -> str:
    """The statement dbt ran for the mart (dbt writes it under target/run)."""
    found = list((target_path / "run").rglob(f"{MART}.sql"))
    assert len(found) == 1, found
    return found[0].read_text(encoding="utf-8").lower()


def _mart(home: Path) -> pa.Table:
    with duckdb.connect(str(home / "dbt.duckdb"), read_only=True) as connection:
        return connection.table(TABLE).to_arrow_table()


def _row(table: pa.Table, lot_id: str, hour: datetime) -> dict | None:
    rows = [r for r in table.to_pylist() if r["lot_id"] == lot_id and r["hour_start"] == hour]
    return rows[0] if rows else None


def _hour(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(minute=0, second=0)


def test_an_incremental_build_equals_a_full_build(lakehouse_home: Path, tmp_path: Path) -> None:
    simulate(tmp_path / "simulated", scale=0.01, days=2, seed=11, start=DAY_1)
    items = _items(tmp_path / "simulated")
    day_1 = [i for i in items if i["inTime"] < DAY_2.isoformat()]
    day_2 = [i for i in items if i["inTime"] >= DAY_2.isoformat()]
    assert day_1 and day_2
    # Late: afternoon stays of day 1 that end on day 1, so they occupy day-1 hours only.
    late = [
        i for i in day_1 if i["inTime"][11:14] >= "13:" and i["outTime"] and i["outTime"][:10] == str(DAY_1)
    ]
    late = late[:LATE]
    assert len(late) == LATE
    late_ids = {i["recordId"] for i in late}

    sources = lakehouse_home / "sources"
    shutil.copytree(tmp_path / "simulated" / "parking" / "lots", sources / "parking" / "lots")
    _hand_over(sources, [i for i in day_1 if i["recordId"] not in late_ids])
    _load_and_stage(sources)
    first = _dbt(lakehouse_home, tmp_path / "day-1")
    assert "merge into" not in _executed(tmp_path / "day-1")  # no table yet: built in full
    before = _mart(lakehouse_home)
    assert before.num_rows > 0

    # A morning hour of day 1: no late session (all after 13:00) and no day-2 session occupies it.
    untouched = next(r for r in before.to_pylist() if r["hour_start"] < datetime(2026, 11, 20, 12))
    with duckdb.connect(str(lakehouse_home / "dbt.duckdb")) as connection:
        connection.execute(
            f"update {TABLE} set occupied_vehicle_hours = ? where lot_id = ? and hour_start = ?",
            [SENTINEL, untouched["lot_id"], untouched["hour_start"]],
        )

    _hand_over(sources, day_1 + day_2)  # the export now holds day 2 and the late day-1 sessions
    _load_and_stage(sources)
    second = _dbt(lakehouse_home, tmp_path / "day-2")
    assert "merge into" in _executed(tmp_path / "day-2"), "the day-2 build was not incremental"
    incremental = _mart(lakehouse_home)
    # The untouched hour was not rewritten (a full build would have recomputed it) …
    kept = _row(incremental, untouched["lot_id"], untouched["hour_start"])
    assert kept is not None and kept["occupied_vehicle_hours"] == SENTINEL
    # … while each late session's entry hour was recounted with it.
    for session in late:
        cell = (session["lotId"], _hour(session["inTime"]))
        arrived = sum(1 for s in late if (s["lotId"], _hour(s["inTime"])) == cell)
        old = _row(before, *cell)
        new = _row(incremental, *cell)
        assert new is not None
        assert new["sessions_started"] == (old["sessions_started"] if old else 0) + arrived, cell
    assert incremental.num_rows > before.num_rows  # day 2's hours were added
    with duckdb.connect(str(lakehouse_home / "dbt.duckdb")) as connection:
        connection.execute(
            f"update {TABLE} set occupied_vehicle_hours = ? where lot_id = ? and hour_start = ?",
            [untouched["occupied_vehicle_hours"], untouched["lot_id"], untouched["hour_start"]],
        )
    incremental = _mart(lakehouse_home)

    _dbt(lakehouse_home, tmp_path / "full", "--full-refresh")
    assert "merge into" not in _executed(tmp_path / "full")
    full = _mart(lakehouse_home)
    assert checksum(incremental) == checksum(full), differences(incremental, full)

    # A run in a fresh DuckDB file (a restored home, a deleted file) simply builds in full.
    (lakehouse_home / "dbt.duckdb").unlink()
    _dbt(lakehouse_home, tmp_path / "fresh")
    assert "merge into" not in _executed(tmp_path / "fresh")
    assert checksum(_mart(lakehouse_home)) == checksum(full)

    # A table built by other SQL (the model changed since) is rebuilt in full, not merged into.
    with duckdb.connect(str(lakehouse_home / "dbt.duckdb")) as connection:
        connection.execute(f"comment on table {TABLE} is 'lakehouse-incremental-logic:older'")
        connection.execute(
            f"update {TABLE} set occupied_vehicle_hours = ? where lot_id = ? and hour_start = ?",
            [SENTINEL, untouched["lot_id"], untouched["hour_start"]],
        )
    _dbt(lakehouse_home, tmp_path / "changed")
    assert "merge into" not in _executed(tmp_path / "changed")
    assert checksum(_mart(lakehouse_home)) == checksum(full)  # the marked row was recomputed too

    # The same models and tests ran each time, all passing (checked in _dbt).
    assert {r["unique_id"] for r in first["results"]} == {r["unique_id"] for r in second["results"]}

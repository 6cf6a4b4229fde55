"""The embedded instance's storage (infra/dagster_event_log.py) on a real Dagster instance and real SQLite files:
the event log index keeps its connection between statements, another process's instance (the UI, the daemon)
sees every event, and the layout under DAGSTER_HOME is Dagster's own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import event

from infra.dagster_concurrency import embedded_instance_yaml
from infra.dagster_event_log import IndexKeptOpenEventLogStorage, LakehouseSqliteStorage

KEY = dg.AssetKey(["kpi", "x"])


@dg.asset(key=KEY, check_specs=[dg.AssetCheckSpec("rows", asset=KEY)])
def measured():
    yield dg.MaterializeResult(metadata={"rows": 3})
    yield dg.AssetCheckResult(check_name="rows", passed=True)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(embedded_instance_yaml(), encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_the_index_keeps_its_connection_across_runs_and_another_instance_reads_them(home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        storage = instance.get_ref().storage_data
        assert storage.class_name == LakehouseSqliteStorage.__name__
        log = instance.event_log_storage
        assert isinstance(log, IndexKeptOpenEventLogStorage)
        assert dg.materialize([measured], instance=instance).success  # opens the index
        opened: list[object] = []
        event.listen(log._index(), "connect", lambda conn, _record: opened.append(conn))
        for _ in range(3):
            assert dg.materialize([measured], instance=instance).success
        # Dagster's own storage opens a connection per statement group: dozens per run. Ours: none new.
        assert len(opened) == 0
        with log.index_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL

        # A second instance on the same home (the UI's, the daemon's) sees what the first wrote.
        with dg.DagsterInstance.get() as other:
            latest = other.get_latest_materialization_event(KEY)
            assert latest is not None and latest.run_id == instance.get_runs(limit=1)[0].run_id
            assert len(other.get_runs()) == 4

    # Dagster's layout: the runs, the sharded event logs with their index, the schedules.
    history = home / "history"
    assert (history / "runs.db").is_file() and (history / "runs" / "index.db").is_file()
    assert len(list((history / "runs").glob("*.db"))) == 5  # the index and one per run
    with sqlite3.connect(history / "runs" / "index.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_runs_own_database_is_written_through_to_its_file_for_the_uis_watcher(home: Path) -> None:
    """The UI follows a run by watching its database file change: each statement group there is closed (and
    its WAL checkpointed into the file) as Dagster does it; only the engine is kept."""
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([measured], instance=instance)
        log = instance.event_log_storage
        assert isinstance(log, IndexKeptOpenEventLogStorage)
        run_file = Path(log.path_for_shard(result.run_id))
        assert not run_file.with_name(run_file.name + "-wal").exists()
        with sqlite3.connect(run_file) as conn:  # every event of the run is in the file itself
            (count,) = conn.execute("SELECT count(*) FROM event_logs").fetchone()
        assert count == len(instance.all_logs(result.run_id)) > 0
        assert list(log._run_engines) == [result.run_id]  # built once for the run, not per statement

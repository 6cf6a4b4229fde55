"""Maintenance meeting a load's commit (docs/adr/0018-concurrent-writers.md): Trino's procedures run again on
an Iceberg commit conflict and fail on anything else; the property our maintenance sets first is set again on
the fresh table when a load moved it."""

from __future__ import annotations

import pyarrow as pa
import pytest
import trino

from infra.iceberg.maintenance import MaintenancePolicy, _bound_metadata_log
from infra.iceberg.maintenance_trino import COMMIT_ERROR, run_procedure
from infra.iceberg.writer import commit, ensure_table

SCHEMA = pa.schema([pa.field("reading_id", pa.string(), nullable=False)])


class _Cursor:
    def __init__(self, failures: list[str]) -> None:
        self.failures = list(failures)
        self.executed: list[str] = []

    def execute(self, statement: str) -> None:
        self.executed.append(statement)
        if self.failures:
            raise trino.exceptions.TrinoQueryError({"errorName": self.failures.pop(0), "message": "x"})

    def fetchall(self) -> list:
        return []


def test_a_procedure_runs_again_after_a_commit_conflict() -> None:
    cursor = _Cursor([COMMIT_ERROR, COMMIT_ERROR])
    assert run_procedure(cursor, "ALTER TABLE t EXECUTE optimize", delay=0) == 3
    assert cursor.executed == ["ALTER TABLE t EXECUTE optimize"] * 3


def test_other_errors_and_a_conflict_that_persists_are_raised() -> None:
    with pytest.raises(trino.exceptions.TrinoQueryError):
        run_procedure(_Cursor(["PERMISSION_DENIED"]), "ALTER TABLE t EXECUTE optimize", delay=0)
    cursor = _Cursor([COMMIT_ERROR] * 3)
    with pytest.raises(trino.exceptions.TrinoQueryError):
        run_procedure(cursor, "ALTER TABLE t EXECUTE optimize", attempts=3, delay=0)
    assert len(cursor.executed) == 3


def test_the_metadata_log_bound_is_set_on_the_fresh_table_after_a_load_committed(catalog) -> None:
    ensure_table(catalog, "raw_transport.probe", SCHEMA)
    stale = catalog.load_table("raw_transport.probe")
    commit(catalog, "raw_transport.probe", pa.table({"reading_id": ["a"]}, schema=SCHEMA), "append")
    _bound_metadata_log(stale, MaintenancePolicy(metadata_versions_kept=7))
    table = catalog.load_table("raw_transport.probe")
    assert table.properties["write.metadata.previous-versions-max"] == "7"
    assert table.scan().to_arrow().num_rows == 1  # the load's commit is still there


def test_expiry_meeting_a_load_chooses_again_and_commits(catalog, monkeypatch) -> None:
    from pyiceberg.exceptions import CommitFailedException
    from pyiceberg.table.update.snapshot import ExpireSnapshots

    from infra.iceberg.maintenance import expire_snapshots

    ensure_table(catalog, "raw_transport.probe", SCHEMA)
    for n in range(4):
        commit(catalog, "raw_transport.probe", pa.table({"reading_id": [f"r{n}"]}, schema=SCHEMA), "append")
    original, calls = ExpireSnapshots.commit, []

    def conflict_once(self):
        calls.append(1)
        if len(calls) == 1:  # a load committed between pyiceberg's read and its swap
            commit(
                catalog, "raw_transport.probe", pa.table({"reading_id": ["late"]}, schema=SCHEMA), "append"
            )
            raise CommitFailedException("Table has been updated by another process")
        return original(self)

    monkeypatch.setattr(ExpireSnapshots, "commit", conflict_once)
    table = catalog.load_table("raw_transport.probe")
    policy = MaintenancePolicy(snapshot_retention_ms=0, keep_last=2)
    expired = expire_snapshots(table, policy, now_ms=2**62)
    table = catalog.load_table("raw_transport.probe")
    assert len(calls) == 2 and len(expired) == 3  # five snapshots once the load landed, two kept
    assert len(table.metadata.snapshots) == 2
    assert table.scan().to_arrow().num_rows == 5

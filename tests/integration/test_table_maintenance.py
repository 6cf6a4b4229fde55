"""Maintenance on a real Iceberg table of 50 small appends: fewer files, the same rows, a snapshot history
within retention, no orphan file left; a load running during maintenance loses nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from infra.catalog import open_catalog
from infra.iceberg.files import local_path, reachable_files
from infra.iceberg.maintenance import MaintenancePolicy, footprint, maintain, orphan_files
from infra.iceberg.writer import Partition, commit, ensure_table
from infra.settings import load_settings

pytestmark = pytest.mark.integration
SCHEMA = pa.schema([pa.field("reading_id", pa.string(), nullable=False), pa.field("at", pa.timestamp("us"))])
DAY_MS = 24 * 3600 * 1000
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))


def _batch(start: int, rows: int = 20) -> pa.Table:
    base = datetime(2026, 11, 1)
    return pa.table(
        {
            "reading_id": [f"r{start + i:06d}" for i in range(rows)],
            "at": [base + timedelta(hours=(start + i) % 48) for i in range(rows)],  # two day partitions
        },
        schema=SCHEMA,
    )


@pytest.fixture
def table_with_small_appends(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "home"))
    catalog = open_catalog(load_settings())
    name = "raw_transport.maintenance_probe"
    ensure_table(catalog, name, SCHEMA, [Partition("at", "day")], ["reading_id"])
    for n in range(50):
        commit(catalog, name, _batch(n * 20), "append", key=["reading_id"], units=[f"unit-{n}"])
    return catalog, name


def _ids(table) -> list[str]:
    return sorted(table.scan(selected_fields=("reading_id",)).to_arrow().column("reading_id").to_pylist())


def test_fifty_small_appends_are_compacted_expired_and_swept(table_with_small_appends):
    catalog, name = table_with_small_appends
    table = catalog.load_table(name)
    rows_before, before = _ids(table), footprint(table)
    assert before.snapshots == 50 and before.data_files >= 50

    policy = MaintenancePolicy(snapshot_retention_ms=DAY_MS, keep_last=3, orphan_window_s=0)
    later = int(time.time() * 1000) + 2 * DAY_MS  # every snapshot is past the retention by then
    preview = maintain(table, name, policy, now_ms=later, dry_run=True)
    assert preview.partitions_compacted == 2 and preview.after is None
    assert footprint(catalog.load_table(name)) == before  # a dry run changes nothing

    result = maintain(catalog.load_table(name), name, policy, now_ms=later, dry_run=False)
    table = catalog.load_table(name)
    after = footprint(table)
    assert _ids(table) == rows_before
    assert after.data_files == 2 < before.data_files  # one file per day partition
    assert after.files_on_disk < before.files_on_disk and after.bytes_on_disk < before.bytes_on_disk
    assert result.partitions_compacted == 2 and result.files_replaced == before.data_files
    assert after.snapshots == policy.keep_last
    assert orphan_files(table, time.time() + 60) == []  # nothing unreachable is left on disk
    reachable = {local_path(uri) for uri in reachable_files(table)}
    assert all(p.is_file() for p in reachable)  # and nothing reachable was removed


def test_a_load_during_maintenance_loses_nothing(table_with_small_appends):
    catalog, name = table_with_small_appends
    expected = set(_ids(catalog.load_table(name)))
    errors: list[BaseException] = []

    def load_more() -> None:
        try:
            for n in range(50, 60):
                commit(catalog, name, _batch(n * 20), "append", key=["reading_id"], units=[f"unit-{n}"])
                expected.update(_batch(n * 20).column("reading_id").to_pylist())
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    loader = threading.Thread(target=load_more)
    loader.start()
    # The safety window keeps files a running load wrote but has not committed yet.
    policy = MaintenancePolicy(snapshot_retention_ms=DAY_MS, keep_last=3, orphan_window_s=3600)
    later = int(time.time() * 1000) + 2 * DAY_MS
    for _ in range(3):
        maintain(catalog.load_table(name), name, policy, now_ms=later, dry_run=False)
    loader.join()
    assert not errors
    table = catalog.load_table(name)
    assert set(_ids(table)) == expected and len(_ids(table)) == len(expected)
    assert all(p.is_file() for p in {local_path(uri) for uri in reachable_files(table)})


def test_the_weekly_job_and_the_cli_run_the_same_maintenance(table_with_small_appends):
    from orchestration.defs.maintenance import table_maintenance, weekly_maintenance
    from orchestration.resources import LakehouseResource

    catalog, name = table_with_small_appends
    before = footprint(catalog.load_table(name))
    preview = subprocess.run(
        [LAKEHOUSE, "maintain", "--dry-run", "--table", name, "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),  # the fixture's LAKEHOUSE_HOME
    )
    (row,) = json.loads(preview.stdout)
    assert row["table"] == name and row["compacted"] == 2 and row["files"].endswith("→ ?")
    assert footprint(catalog.load_table(name)) == before

    result = table_maintenance.execute_in_process(resources={"lakehouse": LakehouseResource()})
    assert result.success
    after = footprint(catalog.load_table(name))
    assert after.data_files == 2 and after.rows == before.rows
    assert weekly_maintenance.execution_timezone == "Asia/Shanghai"

    unknown = subprocess.run(
        [LAKEHOUSE, "maintain", "--table", "raw_transport.nosuch"], capture_output=True, text=True
    )
    assert unknown.returncode != 0 and "no table raw_transport.nosuch" in unknown.stderr

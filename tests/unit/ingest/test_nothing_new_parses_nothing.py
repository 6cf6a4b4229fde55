"""A load with no new file parses nothing (docs/adr/0017-skip-unchanged-work.md): the drop folder's files are
hashed as the file sensor hashes them and, all being in the load state, none is read as rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import ingest.load as load
from tests.unit.ingest.test_day_files import TRIPS, _drop


def test_a_folder_of_loaded_files_is_not_parsed_and_a_new_file_is(
    lakehouse_home: Path, catalog, monkeypatch
) -> None:
    root = lakehouse_home / "sources"
    _drop(root, "2026-11-01", ["A1", "A2"])
    assert load.load_dataset(TRIPS, root, catalog).rows_loaded == 2

    def no_parsing(*_args, **_kwargs):
        raise AssertionError("a file was parsed although every file is already loaded")

    with monkeypatch.context() as patch:
        patch.setattr(load, "iter_units", no_parsing)
        again = load.load_dataset(TRIPS, root, catalog)
        assert (again.status, again.rows_in, again.units_skipped) == (
            "unchanged",
            0,
            ["trips_2026-11-01.csv"],
        )
        assert load.load_dataset(TRIPS, root, catalog, day=date(2026, 11, 1)).status == "unchanged"
        # A new file goes the whole way: it is read, and so are the rest (skipped by fingerprint there).
        _drop(root, "2026-11-02", ["B1"])
        with pytest.raises(AssertionError, match="parsed"):
            load.load_dataset(TRIPS, root, catalog)
    newer = load.load_dataset(TRIPS, root, catalog)
    assert (newer.units, newer.rows_loaded) == (["trips_2026-11-02.csv"], 1)


def test_the_plan_is_told_why_a_load_would_find_nothing_new(lakehouse_home: Path, catalog) -> None:
    """``nothing_new`` is the load's own first question, asked before the load is started: a file drop whose
    files are all loaded, a database with no row past the stored watermark. Anything it cannot tell (no
    raw table yet, a new row, a damaged database) starts the load, which then reports what it finds."""
    import sqlite3

    from governance.contracts import load_contracts
    from ingest.simulator import simulate

    root = lakehouse_home / "sources"
    _drop(root, "2026-11-01", ["A1"])
    assert load.nothing_new(TRIPS, root, catalog) is None  # no raw table yet
    load.load_dataset(TRIPS, root, catalog)
    assert load.nothing_new(TRIPS, root, catalog) == "1 hand-over file(s) already loaded, none read"
    _drop(root, "2026-11-02", ["B1"])
    assert load.nothing_new(TRIPS, root, catalog) is None

    steps = load_contracts()["approval_steps"]  # a SQLite export read past its step_id watermark
    simulate(root, scale=0.005, days=1, seed=3, start=date(2026, 11, 1))
    assert load.nothing_new(steps, root, catalog) is None
    first = load.load_dataset(steps, root, catalog)
    assert first.rows_loaded > 0
    why = load.nothing_new(steps, root, catalog)
    assert why == "no row past the step_id watermark in online_service_hall.db, none read"
    assert load.load_dataset(steps, root, catalog).status == "unchanged"  # what the load itself finds

    database = root / steps.source.file
    with sqlite3.connect(database) as connection:  # the department records one more step
        connection.executescript(
            "create temp table newest as select * from approval_steps order by step_id desc limit 1;"
            "update newest set step_id = step_id + 1;"
            "insert into approval_steps select * from newest;"
        )
    assert load.nothing_new(steps, root, catalog) is None
    assert load.load_dataset(steps, root, catalog).rows_in == 1

    database.write_bytes(b"not a database" * 100)  # the load, not the plan, reports a damaged export
    assert load.nothing_new(steps, root, catalog) is None

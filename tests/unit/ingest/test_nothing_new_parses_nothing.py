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

"""A load restricted to one day's hand-over files, the drop-folder view a sensor compares, and the poll's
count past a watermark: each must agree with what a whole load reads and records."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from governance.contracts import load_contracts
from infra.iceberg.writer import loaded_units
from ingest.connectors import SourceError, drop_files, file_day, iter_units
from ingest.connectors.sql import pending_rows
from ingest.handover import dropped_units
from ingest.load import load_dataset

CONTRACTS = load_contracts()
TRIPS = CONTRACTS["rental_trips"]
HEADER = "trip_id,vehicle_type,user_mobile,start_station,end_station,started_at,ended_at,distance_km\n"


def _trip(trip: str, day: str) -> str:
    return f"{trip},bike,13800138000,S1,S2,{day} 08:00:00,{day} 08:20:00,1.5\n"


def _drop(root: Path, day: str, trips: list[str], name: str | None = None) -> Path:
    folder = root / "rental"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"trips_{day}.csv")
    path.write_text(HEADER + "".join(_trip(t, day) for t in trips), encoding="utf-8")
    old = time.time() - 60  # finished writing a minute ago
    os.utime(path, (old, old))
    return path


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("energy_2026-11-03.csv", date(2026, 11, 3)),
        ("trips_20261103.csv", date(2026, 11, 3)),
        ("flow_2026-02-30_2026-03-01.ndjson", date(2026, 3, 1)),  # an impossible date is not a day
        ("page-0001.json", None),
        ("buildings.csv", None),
        ("export_120261103.csv", None),  # part of a longer number
    ],
)
def test_the_day_of_a_file_comes_from_its_name(name: str, day: date | None) -> None:
    assert file_day(name) == day


def test_a_day_keeps_only_that_days_files_and_a_missing_day_is_an_error(tmp_path: Path) -> None:
    for day in ("2026-11-01", "2026-11-02"):
        _drop(tmp_path, day, ["T1"])
    assert [p.name for p in drop_files(TRIPS, tmp_path, date(2026, 11, 2))] == ["trips_2026-11-02.csv"]
    assert len(drop_files(TRIPS, tmp_path)) == 2
    with pytest.raises(SourceError, match="no file for 2026-11-05 among the 2 file"):
        drop_files(TRIPS, tmp_path, date(2026, 11, 5))


def test_a_page_set_or_a_database_cannot_be_cut_by_day(tmp_path: Path) -> None:
    for name in ("parking_sessions", "clinic_visits"):
        with pytest.raises(SourceError, match="cannot be loaded one day at a time"):
            next(iter_units(CONTRACTS[name], tmp_path, day=date(2026, 11, 1)))


def test_a_day_load_loads_that_day_once_and_a_whole_load_adds_only_the_rest(
    lakehouse_home: Path, catalog
) -> None:
    root = lakehouse_home / "sources"
    _drop(root, "2026-11-01", ["A1", "A2"])
    _drop(root, "2026-11-02", ["B1", "B2", "B3"])
    first = load_dataset(TRIPS, root, catalog, day=date(2026, 11, 2))
    assert (first.units, first.rows_loaded) == (["trips_2026-11-02.csv"], 3)
    again = load_dataset(TRIPS, root, catalog, day=date(2026, 11, 2))
    assert (again.status, again.rows_in) == ("unchanged", 0)
    rest = load_dataset(TRIPS, root, catalog)
    assert (rest.units, rest.units_skipped, rest.rows_loaded) == (
        ["trips_2026-11-01.csv"],
        ["trips_2026-11-02.csv"],
        2,
    )
    table = catalog.load_table(TRIPS.raw_table)
    assert sorted(table.scan().to_arrow().column("trip_id").to_pylist()) == ["A1", "A2", "B1", "B2", "B3"]
    # The sensor's view of the folder carries the very fingerprints the loads recorded.
    units, settling = dropped_units(TRIPS, root)
    assert settling == []
    assert {u.fingerprint for u in units} == loaded_units(table)
    assert {u.name: u.day for u in units} == {
        "rental/trips_2026-11-01.csv": date(2026, 11, 1),
        "rental/trips_2026-11-02.csv": date(2026, 11, 2),
    }


def test_the_drop_view_reuses_known_fingerprints_and_waits_for_files_being_written(tmp_path: Path) -> None:
    path = _drop(tmp_path, "2026-11-01", ["A1"])
    (unit,), _ = dropped_units(TRIPS, tmp_path)
    # A stale fingerprint under the same stamp is trusted (no re-read); a new stamp is read again.
    (cached,), _ = dropped_units(TRIPS, tmp_path, {unit.name: (unit.stamp, "sha256:cached")})
    assert cached.fingerprint == "sha256:cached"
    path.write_text(HEADER + _trip("A1", "2026-11-01") + _trip("A2", "2026-11-01"), encoding="utf-8")
    units, settling = dropped_units(TRIPS, tmp_path, {unit.name: (unit.stamp, unit.fingerprint)}, 30)
    assert (units, settling) == ([], ["rental/trips_2026-11-01.csv"])
    (changed,), _ = dropped_units(TRIPS, tmp_path, {unit.name: (unit.stamp, unit.fingerprint)})
    assert changed.fingerprint != unit.fingerprint


def test_a_page_set_is_one_unit_with_the_fingerprint_the_load_records(tmp_path: Path) -> None:
    folder = tmp_path / "parking" / "sessions"
    folder.mkdir(parents=True)
    for page in (1, 2):
        (folder / f"page-000{page}.json").write_text('{"data": {"items": []}}', encoding="utf-8")
    (unit,), _ = dropped_units(CONTRACTS["parking_sessions"], tmp_path)
    (loaded,) = iter_units(CONTRACTS["parking_sessions"], tmp_path)
    assert (unit.name, unit.fingerprint, unit.day) == (
        "parking/sessions/page-*.json",
        loaded.fingerprint,
        None,
    )


def test_an_empty_drop_folder_is_nothing_to_do(tmp_path: Path) -> None:
    assert dropped_units(TRIPS, tmp_path) == ([], [])


def test_pending_rows_counts_past_the_watermark_in_the_columns_own_type(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with sqlite3.connect(db) as connection:
        connection.execute("create table steps (step_id integer primary key, name text)")
        connection.executemany("insert into steps values (?, ?)", [(n, "s") for n in (2, 9, 10)])
    url = f"sqlite:///{db}"
    assert pending_rows(url, "steps", "step_id", None, "x.db") == (3, "10")
    assert pending_rows(url, "steps", "step_id", "9", "x.db") == (1, "10")  # 10 > 9 as numbers, not text
    assert pending_rows(url, "steps", "step_id", "10", "x.db") == (0, None)
    with pytest.raises(SourceError, match="no table 'nope'"):
        pending_rows(url, "nope", "step_id", None, "x.db")

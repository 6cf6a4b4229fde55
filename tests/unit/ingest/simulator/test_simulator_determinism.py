"""Same seed, same bytes; another seed, other data; one dataset's or day's numbers never shift another's."""

from __future__ import annotations

import hashlib
from pathlib import Path

from simulator_checks import START, TINY

from ingest.simulator import SimulationSummary, simulate


def _hashes(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tiny_run: SimulationSummary, tmp_path: Path) -> None:
    again = simulate(tmp_path / "again", scale=TINY, days=2, seed=7, start=START)
    assert again.rows == tiny_run.rows
    first, second = _hashes(tiny_run.out), _hashes(again.out)
    assert first.keys() == second.keys()
    assert first == second


def test_other_seed_gives_other_data(tiny_run: SimulationSummary, tmp_path: Path) -> None:
    other = simulate(tmp_path / "other", scale=TINY, days=2, seed=8, start=START)
    first, second = _hashes(tiny_run.out), _hashes(other.out)
    assert first.keys() == second.keys()  # same layout
    changed = [name for name in first if first[name] != second[name]]
    # Everything but the fixed park list differs.
    assert set(first) - set(changed) <= {"development/parks.csv"}


def test_a_day_does_not_depend_on_how_many_days_follow(tiny_run: SimulationSummary, tmp_path: Path) -> None:
    one_day = simulate(tmp_path / "one", scale=TINY, days=1, seed=7, start=START)
    first, single = _hashes(tiny_run.out), _hashes(one_day.out)
    # Datasets without events crossing midnight are unaffected by the export cutoff.
    for name in (
        "traffic/flow_2026-11-01.ndjson",
        "development/energy_2026-11-01.csv",
        "health/kiosk_checks_2026-11-01.xlsx",
    ):
        assert first[name] == single[name], name


def test_rerun_into_the_same_directory_replaces_stale_files(tmp_path: Path) -> None:
    simulate(tmp_path, scale=TINY, days=2, seed=7, start=START)
    summary = simulate(tmp_path, scale=TINY, days=1, seed=7, start=START)
    assert not (tmp_path / "traffic" / "flow_2026-11-02.ndjson").exists()
    on_disk = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert on_disk == set(summary.all_files)

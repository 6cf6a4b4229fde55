"""Rows grow linearly with scale and with days."""

from __future__ import annotations

from pathlib import Path

from simulator_checks import START, TINY

from ingest.simulator import SimulationSummary, simulate

FIXED = {"parks"}  # the five real parks exist at every scale


def test_rows_double_when_scale_doubles(tiny_run: SimulationSummary, tmp_path: Path) -> None:
    double = simulate(tmp_path, scale=2 * TINY, days=2, seed=7, start=START)
    for name, small in tiny_run.rows.items():
        if name in FIXED or small < 50:
            continue  # too few rows for a ratio to mean much
        ratio = double.rows[name] / small
        assert 1.7 < ratio < 2.3, (name, small, double.rows[name])
    assert 1.85 < double.total_rows / tiny_run.total_rows < 2.15


def test_event_rows_grow_with_days(tmp_path: Path) -> None:
    # Four working days against two: event counts double, snapshots stay the same.
    two = simulate(tmp_path / "two", scale=TINY, days=2, seed=7, start=START.replace(day=2))
    four = simulate(tmp_path / "four", scale=TINY, days=4, seed=7, start=START.replace(day=2))
    for name in ("parking_sessions", "traffic_flow", "rental_trips", "energy_readings", "clinic_visits"):
        assert 1.8 < four.rows[name] / two.rows[name] < 2.2, name
    for name in ("parks", "buildings", "enterprises", "parking_lots", "resident_health_records"):
        assert four.rows[name] == two.rows[name], name

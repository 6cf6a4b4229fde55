"""The scale benchmark's fits and target verdicts (bench/scale_fit.py), on synthetic figures."""

from __future__ import annotations

import math

import pytest

from bench.scale_fit import fit_exponent, fit_linear, targets, verdict
from tests.unit.bench_scale.scale_report_data import point, report

SCALES = [0.1, 0.5, 1.0, 5.0, 10.0]


@pytest.mark.parametrize("k", [0.5, 1.0, 1.1, 1.7])
def test_exponent_of_a_power_law_is_its_power(k: float) -> None:
    seconds = [3.0 * s**k for s in SCALES]
    assert fit_exponent(SCALES, seconds) == pytest.approx(k, abs=1e-3)


def test_exponent_needs_two_positive_points() -> None:
    assert fit_exponent([1.0], [2.0]) is None
    assert fit_exponent([1.0, 5.0], [0.0, 2.0]) is None  # a zero time has no logarithm: one point left
    assert fit_exponent([2.0, 2.0], [1.0, 3.0]) is None  # one scale: no slope


def test_fixed_overhead_is_the_intercept() -> None:
    fixed, per_unit = fit_linear(SCALES, [12.0 + 4.0 * s for s in SCALES])
    assert (fixed, per_unit) == (pytest.approx(12.0), pytest.approx(4.0))


def test_fixed_overhead_is_never_negative() -> None:
    # Super-linear costs pull a straight line's intercept below zero; no run costs less than nothing.
    seconds = [s**2 for s in SCALES]
    fixed, per_unit = fit_linear(SCALES, seconds)
    assert fixed == 0.0
    assert per_unit == pytest.approx(sum(s**3 for s in SCALES) / sum(s**2 for s in SCALES), abs=1e-3)


@pytest.mark.parametrize(
    ("value", "limit", "strict", "expected"),
    [
        (0.05, 0.10, False, "met"),
        (0.10, 0.10, False, "met"),  # "at most 10%"
        (0.11, 0.10, False, "not met"),
        (15.0, 15.0, True, "not met"),  # "under 15 s"
        (14.9, 15.0, True, "met"),
        (None, 15.0, True, "not measured"),
    ],
)
def test_verdict(value: float | None, limit: float, strict: bool, expected: str) -> None:
    assert verdict(value, limit, strict=strict) == expected


def test_rerun_ratio_judged_on_cpu_against_the_target_in_the_report() -> None:
    points = [point("first", 1.0), point("rerun", 1.0, factor=0.05), point("first", 5.0)]
    points.append(point("rerun", 5.0, factor=0.5))
    judged = targets(report(points))["rerun"]
    assert judged["1.0"] == {"ratio": pytest.approx(0.05, abs=1e-3), "basis": "CPU", "verdict": "met"}
    assert judged["5.0"]["verdict"] == "not met"
    # A laxer target written in the report is the one judged against.
    assert targets(report(points, rerun_ratio=0.6))["rerun"]["5.0"]["verdict"] == "met"


def test_rerun_without_cpu_samples_falls_back_to_wall_time_and_says_so() -> None:
    first, rerun = point("first", 1.0), point("rerun", 1.0, factor=0.5)
    for p in (first, rerun):  # measured before the CPU sampling: no CPU anywhere
        p["run_cpu_seconds"] = None
        for stage in p["stages"].values():
            del stage["cpu_seconds"]
    judged = targets(report([first, rerun]))["rerun"]["1.0"]
    assert judged["basis"] == "wall"
    assert judged["ratio"] == pytest.approx(0.5, abs=1e-3)
    assert targets(report([point("first", 1.0)]))["rerun"]["1.0"]["verdict"] == "not measured"


def test_fixed_overhead_of_the_run_and_of_each_stage() -> None:
    judged = targets(report([point("first", s) for s in (0.1, 1.0, 5.0)]))["fixed"]
    # Fixed parts of the synthetic stages in the run: startup 8 + ingest 0.5 + dbt 20 + gates 4.
    assert judged["seconds"] == pytest.approx(32.5, abs=0.01)
    assert (judged["basis"], judged["verdict"]) == ("CPU", "not met")
    assert judged["stages"]["dbt"] == {"seconds": pytest.approx(20.0, abs=0.01), "verdict": "not met"}
    assert judged["stages"]["gates"]["verdict"] == "met"
    # At scale 0.1 the run's data-dependent part is 6 CPU s per scale unit: 0.6 s.
    assert judged["share"][0.1] == pytest.approx(32.5 / (32.5 + 0.6), abs=1e-3)
    laxer = report([point("first", s) for s in (0.1, 1.0, 5.0)], fixed_overhead_seconds=40)
    assert targets(laxer)["fixed"]["verdict"] == "met"


def test_growth_takes_the_steeper_of_both_fits() -> None:
    points = [point("first", s) for s in (0.1, 1.0, 5.0)]
    points[-1]["stages"]["gates"]["cpu_seconds"] = 500.0  # steep between the two largest scales only
    growth = targets(report(points))["growth"]
    slope = math.log(500.0 / 5.0) / math.log(5.0)
    assert growth["gates"] == {"k": pytest.approx(slope, abs=1e-3), "verdict": "not met"}
    assert growth["dbt"]["verdict"] == "met"


def test_peak_memory_judged_at_the_largest_scale_even_when_its_run_was_incomplete() -> None:
    points = [point("first", 1.0, peak=1500.0), point("rerun", 1.0, peak=1700.0)]
    points.append(point("first", 10.0, ok=False, peak=4200.0))
    judged = targets(report(points))
    memory = judged["memory"]
    assert (memory["scale"], memory["complete"], memory["verdict"]) == (10.0, False, "not met")
    assert judged["peaks"][1.0] == {
        "phases": {"first": 1500.0, "rerun": 1700.0},
        "peak_mib": 1700.0,
        "complete": True,
    }
    points[-1]["peak_rss_mib"] = 3900.0
    assert targets(report(points))["memory"]["verdict"] == "met"

"""Scale benchmark, deriving: stage attribution, growth exponents, fixed overhead, ratios and target verdicts.

Pure functions of the measured points (no pipeline, no /proc): ``summarise`` turns one child's raw
measurements into a point, ``derive`` fits every stage over the scales, ``targets`` judges the derived
figures against the issue's targets as they are written in the report.
"""

from __future__ import annotations

import bisect
import math

# Order of the stages in tables and charts.
STAGE_ORDER = (
    "simulate",
    "startup",
    "ingest",
    "gates",
    "masking",
    "dbt",
    "publish",
    "kpi",
    "governance",
    "orchestration",
)


def stage_of(step: dict) -> str:
    """The stage a step belongs to, by what it materialised or (a check-only step) what it checked."""
    for asset in step["assets"]:
        zone = asset.split("/", 1)[0]
        if zone.startswith("raw_"):
            return "ingest:" + zone.removeprefix("raw_")
        return {
            "staging": "masking",
            "dbt": "dbt",
            "exchange": "publish",
            "kpi": "kpi",
            "governance": "governance",
        }.get(zone, "other:" + zone)
    if step["checks"]:
        return "gates"
    name = step["step"]
    if name.startswith("raw_"):
        return "ingest:" + name.split("__", 1)[0].removeprefix("raw_")
    if name.startswith("staging__"):
        return "masking"
    if name.startswith(("exchange__",)):
        return "publish"
    if name.startswith("kpi__") or name == "sharing_kpi":
        return "kpi"
    if name == "dbt_models":
        return "dbt"
    return "gates" if "gate" in name or "check" in name or "freshness" in name else "other:" + name


def attribute(raw: dict) -> dict:
    """Seconds and peak resident set (process tree) per stage of one phase's raw measurements."""
    began = raw["process_start"]
    intervals: list[tuple[float, float, str]] = []
    stages: dict[str, dict] = {}

    def add(stage: str, seconds: float) -> None:
        entry = stages.setdefault(stage, {"seconds": 0.0, "steps": 0, "peak_rss_mib": 0.0})
        entry["seconds"] += seconds
        entry["steps"] += 1

    if "simulate" in raw:
        sim = raw["simulate"]
        add("simulate", sim["end"] - sim["start"])
        intervals.append((sim["start"], sim["end"], "simulate"))
    first_start = min((r["start"] for r in raw["runs"] if r["start"]), default=raw["run_return"])
    add("startup", first_start - raw["run_call"])
    intervals.append((raw["run_call"], first_start, "startup"))
    in_steps = 0.0
    for step in raw["steps"]:
        if step["start"] is None or step["end"] is None:
            continue
        stage = stage_of(step)
        seconds = step["end"] - step["start"]
        in_steps += seconds
        add(stage, seconds)
        if stage.startswith("ingest:"):
            add("ingest", seconds)
        intervals.append((step["start"], step["end"], stage))
    add("orchestration", raw["run_return"] - first_start - in_steps)
    for stage in stages:
        stages[stage]["seconds"] = round(stages[stage]["seconds"], 3)
    for rel, _self, tree in raw["rss_samples"]:
        at = began + rel
        hits = [stage for start, end, stage in intervals if start <= at <= end]
        for stage in hits or ["orchestration" if first_start <= at <= raw["run_return"] else "process"]:
            entry = stages.setdefault(stage, {"seconds": 0.0, "steps": 0, "peak_rss_mib": 0.0})
            entry["peak_rss_mib"] = max(entry["peak_rss_mib"], tree)
            if stage.startswith("ingest:"):
                stages["ingest"]["peak_rss_mib"] = max(stages["ingest"]["peak_rss_mib"], tree)
    stages.pop("process", None)
    cpu = raw.get("cpu_samples")
    if cpu:  # CPU seconds of the process tree per stage: what a stage costs whatever the machine's load
        times, totals = [began + t for t, _ in cpu], [c for _, c in cpu]

        def at(moment: float) -> float:
            index = bisect.bisect_left(times, moment)
            if index <= 0:
                return totals[0]
            if index >= len(times):
                return totals[-1]
            t0, t1, c0, c1 = times[index - 1], times[index], totals[index - 1], totals[index]
            return c0 + (c1 - c0) * (moment - t0) / (t1 - t0) if t1 > t0 else c1

        spent: dict[str, float] = {}
        for start, end, stage in intervals:
            spent[stage] = spent.get(stage, 0.0) + at(end) - at(start)
            if stage.startswith("ingest:"):
                spent["ingest"] = spent.get("ingest", 0.0) + at(end) - at(start)
        in_run = sum(v for k, v in spent.items() if k not in ("simulate", "startup", "ingest"))
        spent["orchestration"] = at(raw["run_return"]) - at(first_start) - in_run
        for stage, seconds in spent.items():
            if stage in stages:
                stages[stage]["cpu_seconds"] = round(max(seconds, 0.0), 3)
    return stages


def fit_exponent(scales: list[float], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) on log(scale)."""
    points = [(math.log(s), math.log(t)) for s, t in zip(scales, seconds, strict=True) if t > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return None if sxx == 0 else round(sum((x - mx) * (y - my) for x, y in points) / sxx, 3)


def fit_linear(scales: list[float], seconds: list[float]) -> tuple[float, float]:
    """Least squares t = a + b·scale; a (the fixed overhead) clamped at 0, b refitted through the origin then."""
    n = len(scales)
    mx, my = sum(scales) / n, sum(seconds) / n
    sxx = sum((x - mx) ** 2 for x in scales)
    if n < 2 or sxx == 0:
        return 0.0, my / mx if mx else 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(scales, seconds, strict=True)) / sxx
    a = my - b * mx
    if a < 0:
        a, b = 0.0, sum(x * y for x, y in zip(scales, seconds, strict=True)) / sum(x * x for x in scales)
    return round(a, 3), round(b, 3)


def _fits(scales: list[float], values: list[float]) -> dict:
    return {
        "k": fit_exponent(scales, values),
        "k_top": fit_exponent(scales[-2:], values[-2:]) if len(scales) >= 2 else None,
        "fixed": fit_linear(scales, values)[0] if len(scales) >= 2 else None,
        "per_scale_unit": fit_linear(scales, values)[1] if len(scales) >= 2 else None,
    }


def derive(points: list[dict]) -> dict:
    """Exponents, fixed overheads and re-run / next-day ratios from the measured phases.

    One first run per scale enters the fits (one with CPU samples where a scale has several). Re-runs and
    next days are compared with the first run of their own home (``series``)."""
    for point in points:  # reports written before the run's CPU total was recorded
        stages = point.get("stages", {})
        if point.get("run_cpu_seconds") is None and any("cpu_seconds" in v for v in stages.values()):
            cpu = (v.get("cpu_seconds", 0.0) for k, v in stages.items() if k not in ("simulate", "ingest"))
            point["run_cpu_seconds"] = round(sum(cpu), 3)
    ok_firsts = [p for p in points if p["phase"] == "first" and p.get("ok")]
    chosen: dict[float, dict] = {}
    for point in ok_firsts:
        held = chosen.get(point["scale"])
        if held is None or point.get("run_cpu_seconds") is not None or held.get("run_cpu_seconds") is None:
            chosen[point["scale"]] = point
    firsts = [chosen[s] for s in sorted(chosen)]
    derived: dict = {"stages": {}, "totals": {}, "runs": {}}
    if not firsts:
        return derived
    scales = [p["scale"] for p in firsts]
    names = sorted({s for p in firsts for s in p["stages"]}, key=_stage_key)
    for name in names:
        times = [p["stages"].get(name, {}).get("seconds", 0.0) for p in firsts]
        with_cpu = [p for p in firsts if "cpu_seconds" in p["stages"].get(name, {})]
        cpu_scales = [p["scale"] for p in with_cpu]
        cpu = [p["stages"][name]["cpu_seconds"] for p in with_cpu]
        wall, spent = _fits(scales, times), _fits(cpu_scales, cpu)
        derived["stages"][name] = {
            "seconds": dict(zip(map(str, scales), times, strict=True)),
            "k": wall["k"],
            "k_top": wall["k_top"],
            "fixed_seconds": wall["fixed"],
            "seconds_per_scale_unit": wall["per_scale_unit"],
            "cpu_seconds": dict(zip(map(str, cpu_scales), cpu, strict=True)),
            "cpu_k": spent["k"],
            "cpu_k_top": spent["k_top"],
            "cpu_fixed_seconds": spent["fixed"],
            "cpu_seconds_per_scale_unit": spent["per_scale_unit"],
            "peak_rss_mib": {str(p["scale"]): p["stages"].get(name, {}).get("peak_rss_mib") for p in firsts},
        }
    for key in ("run_seconds", "run_cpu_seconds", "process_seconds", "pipeline_seconds"):
        have = [p for p in firsts if p.get(key) is not None]
        xs, ys = [p["scale"] for p in have], [p[key] for p in have]
        fits = _fits(xs, ys)
        derived["totals"][key] = {
            "seconds": dict(zip(map(str, xs), ys, strict=True)),
            "k": fits["k"],
            "k_top": fits["k_top"],
            "fixed_seconds": fits["fixed"],
        }
    for first in ok_firsts:
        row: dict = {
            "series": first.get("series"),
            "first_run_seconds": first["run_seconds"],
            "first_run_cpu_seconds": first.get("run_cpu_seconds"),
            "peak_rss_mib": first["peak_rss_mib"],
        }
        for phase in ("rerun", "next_day"):
            other = next(
                (
                    p
                    for p in points
                    if p["phase"] == phase
                    and p["scale"] == first["scale"]
                    and p.get("series") == first.get("series")
                    and p.get("ok")
                ),
                None,
            )
            if other is None:
                continue
            row[f"{phase}_run_seconds"] = other["run_seconds"]
            row[f"{phase}_ratio"] = round(other["run_seconds"] / first["run_seconds"], 3)
            if other.get("run_cpu_seconds") and first.get("run_cpu_seconds"):
                row[f"{phase}_run_cpu_seconds"] = other["run_cpu_seconds"]
                row[f"{phase}_cpu_ratio"] = round(other["run_cpu_seconds"] / first["run_cpu_seconds"], 3)
            row[f"{phase}_peak_rss_mib"] = other["peak_rss_mib"]
            row[f"{phase}_stages"] = {
                k: {"seconds": v["seconds"], "cpu_seconds": v.get("cpu_seconds")}
                for k, v in other["stages"].items()
            }
        if len(row) == 4 and first is not chosen[first["scale"]]:
            continue  # a first run measured only for the fits' sake, its home had no re-run
        key = str(first["scale"])
        derived["runs"][key if key not in derived["runs"] else f"{key} ({first.get('series')})"] = row
    derived["incomplete"] = _incomplete(points, firsts)
    return derived


def _incomplete(points: list[dict], firsts: list[dict]) -> dict:
    """First runs that did not materialise everything (a gate failed): kept out of the fits, but the stages
    every step of which ran are compared with the largest complete scale below (their k from there)."""
    out: dict = {}
    for point in points:
        if point["phase"] != "first" or point.get("ok") or "stages" not in point:
            continue
        skipped = {
            stage_of({"assets": [a["asset"]], "checks": [], "step": a["asset"]})
            for a in point["assets_not_materialised"]
            if a["status"] != "failed"
        }
        below = [p for p in firsts if p["scale"] < point["scale"]]
        base = below[-1] if below else None
        complete = {}
        for name, stage in point["stages"].items():
            if name in skipped or (name == "ingest" and any(s.startswith("ingest:") for s in skipped)):
                continue
            entry = {
                "seconds": stage["seconds"],
                "cpu_seconds": stage.get("cpu_seconds"),
                "peak_rss_mib": stage["peak_rss_mib"],
            }
            before = base["stages"].get(name, {}).get("cpu_seconds") if base else None
            if before and entry["cpu_seconds"]:
                entry["cpu_k_from_" + str(base["scale"])] = fit_exponent(
                    [base["scale"], point["scale"]], [before, entry["cpu_seconds"]]
                )
            complete[name] = entry
        out[str(point["scale"])] = {
            "gates_failed": point["gates_failed"],
            "stages_not_complete": sorted(skipped),
            "peak_rss_mib": point["peak_rss_mib"],
            "source_rows": point.get("source_rows"),
            "stages": complete,
        }
    return out


def _stage_key(name: str) -> tuple[int, str]:
    base = name.split(":", 1)[0]
    return (STAGE_ORDER.index(base) if base in STAGE_ORDER else len(STAGE_ORDER), name)


def summarise(raw: dict, wall: float) -> dict:
    stages = attribute(raw)
    first_start = min((r["start"] for r in raw["runs"] if r["start"]), default=raw["run_return"])
    return {
        "ok": bool(raw["success"]),
        "process_seconds": round(wall, 3),
        "run_seconds": round(raw["run_return"] - raw["run_call"], 3),
        "pipeline_seconds": round(raw["run_return"] - first_start, 3),
        "simulate_seconds": stages.get("simulate", {}).get("seconds", 0.0),
        "peak_rss_mib": max((tree for _, _, tree in raw["rss_samples"]), default=None),
        "rusage": raw["rusage"],
        "cpu_seconds": raw["cpu_samples"][-1][1] if raw.get("cpu_samples") else None,
        # CPU of the run alone (every stage but simulate; ingest counted once, by domain).
        "run_cpu_seconds": round(
            sum(v["cpu_seconds"] for k, v in stages.items() if k not in ("simulate", "ingest")), 3
        )
        if raw.get("cpu_samples")
        else None,
        "assets_materialised": sum(a["status"] == "materialised" for a in raw["assets"]),
        "assets_not_materialised": [a for a in raw["assets"] if a["status"] != "materialised"],
        "gates_passed": raw["gates_passed"],
        "gates_failed": raw["gates_failed"],
        "source_rows": raw.get("simulate", {}).get("rows"),
        "stages": stages,
    }


# --- targets (issue 18) -----------------------------------------------------------------------------------

# The targets, for reports written before all of them were recorded in the report's "targets".
DEFAULT_TARGETS = {"k": 1.1, "rerun_ratio": 0.10, "fixed_overhead_seconds": 15.0, "peak_rss_gib_at_10": 4}
# The scale the memory target is stated at ("the pipeline's peak memory at scale 10 under 4 GiB").
PEAK_TARGET_SCALE = 10.0


def verdict(value: float | None, limit: float, *, strict: bool = False) -> str:
    """``met`` when ``value`` is at most ``limit`` (below it when ``strict``), ``not measured`` without one."""
    if value is None:
        return "not measured"
    return "met" if (value < limit if strict else value <= limit) else "not met"


def peaks_by_scale(points: list[dict]) -> dict[float, dict]:
    """Per scale: the process tree's peak resident set (MiB) of each phase, the highest, and whether a first
    run there completed (an incomplete one skipped stages, so its peak may be low)."""
    out: dict[float, dict] = {}
    for point in points:
        peak = point.get("peak_rss_mib")
        if peak is None:
            continue
        entry = out.setdefault(point["scale"], {"phases": {}, "peak_mib": 0.0, "complete": False})
        entry["phases"][point["phase"]] = max(entry["phases"].get(point["phase"], 0.0), peak)
        entry["peak_mib"] = max(entry["peak_mib"], peak)
        entry["complete"] |= point["phase"] == "first" and bool(point.get("ok"))
    return dict(sorted(out.items()))


def targets(report: dict) -> dict:
    """Every target of issue 18 with the figure it is judged on and its verdict, from the report's points
    and derived figures. CPU seconds where measured (wall time on a shared machine is mostly waiting), else
    wall time, and ``basis`` says which."""
    goal = {**DEFAULT_TARGETS, **report.get("targets", {})}
    derived = report.get("derived") or {}
    rerun = {}
    for key, run in derived.get("runs", {}).items():
        ratio, basis = run.get("rerun_cpu_ratio"), "CPU"
        if ratio is None:
            ratio, basis = run.get("rerun_ratio"), "wall"
        rerun[key] = {
            "ratio": ratio,
            "basis": basis if ratio is not None else None,
            "verdict": verdict(ratio, goal["rerun_ratio"]),
        }
    totals = derived.get("totals", {})
    cpu = len(totals.get("run_cpu_seconds", {}).get("seconds", {})) >= 2
    total = totals.get("run_cpu_seconds" if cpu else "run_seconds", {})
    limit = goal["fixed_overhead_seconds"]
    fixed = {
        "seconds": total.get("fixed_seconds"),
        "basis": "CPU" if cpu else "wall",
        "scales": sorted(float(x) for x in total.get("seconds", {})),
        # What the fixed part is of the first run at each scale: the whole run at the smallest, less above.
        "share": {
            float(x): round(total["fixed_seconds"] / t, 3)
            for x, t in total.get("seconds", {}).items()
            if total.get("fixed_seconds") is not None and t
        },
        "verdict": verdict(total.get("fixed_seconds"), limit, strict=True),
        "stages": {
            name: {
                "seconds": s["cpu_fixed_seconds" if cpu else "fixed_seconds"],
                "verdict": verdict(s["cpu_fixed_seconds" if cpu else "fixed_seconds"], limit, strict=True),
            }
            for name, s in derived.get("stages", {}).items()
        },
    }
    growth = {}
    for name, s in derived.get("stages", {}).items():
        ks = [s.get(f) for f in (("cpu_k", "cpu_k_top") if cpu else ("k", "k_top"))]
        highest = max((k for k in ks if k is not None), default=None)
        growth[name] = {"k": highest, "verdict": verdict(highest, goal["k"])}
    peaks = peaks_by_scale(report.get("points", []))
    largest = max(peaks, default=None)
    memory = {
        "scale": largest,
        "target_scale": PEAK_TARGET_SCALE,
        "peak_mib": peaks[largest]["peak_mib"] if largest is not None else None,
        "complete": peaks[largest]["complete"] if largest is not None else None,
        "limit_gib": goal["peak_rss_gib_at_10"],
        "verdict": verdict(
            peaks[largest]["peak_mib"] / 1024 if largest is not None else None,
            goal["peak_rss_gib_at_10"],
            strict=True,
        ),
    }
    return {"goal": goal, "rerun": rerun, "fixed": fixed, "growth": growth, "memory": memory, "peaks": peaks}

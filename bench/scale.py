"""Scale benchmark: the whole pipeline on the embedded profile at growing city sizes, stage by stage.

    python bench/scale.py [--scales 0.1 1 5] [--quick] [--seed 7] [--bad-rows 0.002]

For each scale, in a fresh LAKEHOUSE_HOME (a temporary directory) and each phase in a fresh subprocess:

1. ``first``: simulate one day into the hand-over folder (``ingest.simulator.simulate``, as `lakehouse demo`
   does), then run every asset (``orchestration.run.run_assets``, as `lakehouse demo` / `lakehouse run` do);
2. ``rerun``: run every asset again with no new data;
3. ``next_day``: simulate the following day into the same hand-over folder, run every asset again.

Stage times come from the Dagster run's own events (read back from the run's instance after it finished:
STEP_START to STEP_SUCCESS/FAILURE/SKIPPED per step), grouped into stages by what the step materialised or
checked: ``ingest:<domain>`` (raw_<domain>/*), ``gates`` (GX gates on raw tables and marts, freshness, the
marts' personal-data leak checks), ``masking`` (staging/*: classify, mask, the privacy gate), ``dbt`` (the dbt
build step: models and dbt tests), ``publish`` (exchange/*: the dataset tables and the marts published back to
Iceberg), ``kpi`` (kpi/*), ``governance`` (catalogue, lineage, mirrors, query log). Two stages are not steps:
``startup`` (run_assets called → first run started: loading the definitions, the dbt manifest, the instance)
and ``orchestration`` (the run's wall time outside any step: Dagster's own bookkeeping between steps and
after, the OpenLineage emission). ``simulate`` is timed around the simulator call.

Memory and CPU: a thread samples the resident set and the CPU seconds (user + system, waited-for children
included) of the child process and all its descendants (dbt runs in a subprocess) every 0.25 s from /proc,
with timestamps; each sample is attributed to the step running then, so every stage gets its peak memory and
its CPU seconds; ``getrusage`` of the whole process is kept too. On a shared machine wall time is mostly
waiting for a CPU, so the exponents that matter are the CPU ones (both are written).

Derived: per stage the growth exponent k of time ∝ scale^k (least squares of log t on log scale over all
scales; also the local slope between the two largest scales, which is what the next size up will see), the
fixed overhead (intercept a of the least-squares line t = a + b·scale, clamped at 0: the cost that does not
depend on the data), the no-new-data re-run and the next-day run as ratios of the first run. A first run
whose gates failed is kept out of the fits (``derived.incomplete``: its stages that ran whole, with their k
from the largest complete scale below).

Several invocations (e.g. a scale added later) join with ``--combine a.json b.json --out scale.json``; each
keeps its own homes (``series``), and re-runs are compared with the first run of their own series.

The machine is shared (other sessions run tests on the same 2 cores), so the load average is recorded at the
start and end of every measurement; read the times with it. Writes bench/results/scale.json (or --out) after
every phase, so an interrupted run keeps what it measured; --chart renders docs/img/scale.svg from it.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "scale.json"
CHART = ROOT / "docs" / "img" / "scale.svg"
DEFAULT_SCALES = (0.1, 1.0, 5.0)
QUICK_SCALES = (0.05, 0.1)
PHASES = ("first", "rerun", "next_day")
SAMPLE_SECONDS = 0.25
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024
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


# --- child: one phase in a fresh process ------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """CPU seconds of a process (user + system) and of its children it has waited for."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime
    except (OSError, IndexError, ValueError):
        return 0.0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class Sampler(threading.Thread):
    """Resident set of this process and of the whole process tree under it, every ``interval`` seconds."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (time.time(), self bytes, tree bytes)
        self.cpu: list[tuple[float, float]] = []  # (time.time(), CPU seconds of the tree so far)
        self._done = threading.Event()

    def sample(self) -> None:
        me = os.getpid()
        tree, cpu, todo, seen = 0, 0.0, [me], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            tree += _rss(pid)
            cpu += _cpu(pid)
            todo += _children(pid)
        now = time.time()
        self.samples.append((now, _rss(me), tree))
        # Never decreasing: a child's CPU moves into our cutime only once we have waited for it.
        self.cpu.append((now, max(cpu, self.cpu[-1][1] if self.cpu else 0.0)))

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.sample()


def _steps(run_ids: list[str]) -> tuple[list[dict], list[dict]]:
    """Per step of each run: start, end, status, the assets it materialised and the checks it evaluated;
    per run: its start and end. All from the Dagster event log of the run's instance."""
    import dagster as dg

    steps: list[dict] = []
    runs: list[dict] = []
    with dg.DagsterInstance.get() as instance:
        for run_id in run_ids:
            run = {"run_id": run_id, "start": None, "end": None, "status": None}
            current: dict[str, dict] = {}
            for entry in instance.all_logs(run_id):
                event = entry.dagster_event
                if event is None:
                    continue
                kind = event.event_type_value
                at = entry.timestamp
                if kind in ("RUN_START", "PIPELINE_START"):
                    run["start"] = at
                elif kind in ("RUN_SUCCESS", "RUN_FAILURE", "PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
                    run["end"], run["status"] = at, kind
                key = event.step_key
                if not key:
                    continue
                step = current.get(key)
                if step is None:
                    step = current[key] = {
                        "run_id": run_id,
                        "step": key,
                        "start": None,
                        "end": None,
                        "status": None,
                        "assets": [],
                        "checks": [],
                    }
                if kind == "STEP_START":
                    step["start"] = at
                elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "STEP_UPSTREAM_FAILURE"):
                    step["end"], step["status"] = at, kind
                elif kind == "ASSET_MATERIALIZATION":
                    step["assets"].append(
                        event.event_specific_data.materialization.asset_key.to_user_string()
                    )
                elif kind == "ASSET_CHECK_EVALUATION":
                    data = event.event_specific_data
                    step["checks"].append(
                        {
                            "asset": data.asset_key.to_user_string(),
                            "check": data.check_name,
                            "passed": bool(data.passed),
                        }
                    )
            runs.append(run)
            steps += list(current.values())
    return steps, runs


def child(phase: str, scale: float, seed: int, bad_rows: float, day: str, out: Path) -> None:
    """One phase in this (fresh) process; writes its raw measurements as JSON to ``out``."""
    began = time.time()
    sampler = Sampler()
    sampler.start()
    result: dict = {"phase": phase, "scale": scale, "pid": os.getpid(), "process_start": began}
    from infra.settings import load_settings

    settings = load_settings()
    if phase in ("first", "next_day"):
        from ingest.simulator import simulate

        t0 = time.time()
        summary = simulate(
            settings.sources_dir,
            scale=scale,
            days=1,
            seed=seed,
            start=date.fromisoformat(day),
            bad_rows=bad_rows,
        )
        result["simulate"] = {
            "start": t0,
            "end": time.time(),
            "day": day,
            "rows": summary.total_rows,
            "rows_per_dataset": summary.rows,
            "files": len(summary.all_files),
            "timings": {k: round(v, 3) for k, v in summary.timings.items()},
        }
    from orchestration.run import run_assets

    lines = []
    result["run_call"] = time.time()
    outcome = run_assets((), (), on_asset=lines.append, progress=lambda _line: None)
    result["run_return"] = time.time()
    steps, runs = _steps(outcome.run_ids)
    sampler.stop()
    self_usage, child_usage = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    result.update(
        {
            "success": outcome.success,
            "run_ids": outcome.run_ids,
            "gates_passed": outcome.gates_passed,
            "gates_failed": outcome.gates_failed,
            "assets": [
                {"asset": a.asset, "status": a.status, "rows": a.rows, "seconds": a.seconds, "error": a.error}
                for a in outcome.assets
            ],
            "steps": steps,
            "runs": runs,
            "process_end": time.time(),
            "rusage": {
                "self_maxrss_mib": round(self_usage.ru_maxrss / 1024, 1),
                "children_maxrss_mib": round(child_usage.ru_maxrss / 1024, 1),
                "self_cpu_seconds": round(self_usage.ru_utime + self_usage.ru_stime, 2),
                "children_cpu_seconds": round(child_usage.ru_utime + child_usage.ru_stime, 2),
            },
            # Time relative to process start, self and tree resident set in MiB.
            "rss_samples": [
                [round(t - began, 2), round(s / MIB, 1), round(tr / MIB, 1)] for t, s, tr in sampler.samples
            ],
            # Time relative to process start, CPU seconds (user + system) of the process tree so far.
            "cpu_samples": [[round(t - began, 2), round(c, 2)] for t, c in sampler.cpu],
        }
    )
    out.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")


# --- parent: phases, attribution, derived figures ---------------------------------------------------------


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


def run_phase(phase: str, scale: float, home: Path, args: argparse.Namespace, day: date) -> dict:
    out = home.parent / f"{home.name}-{phase}.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LAKEHOUSE_PROFILE")}
    env.update({"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded", "PYTHONUNBUFFERED": "1"})
    # This checkout's code, also in dbt's subprocess (the venv's editable install may point elsewhere).
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    command = [sys.executable, str(Path(__file__).resolve()), "--child", phase, "--scale", str(scale)]
    command += ["--seed", str(args.seed), "--bad-rows", str(args.bad_rows), "--day", day.isoformat()]
    command += ["--child-out", str(out)]
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    point = {
        "phase": phase,
        "scale": scale,
        "day": day.isoformat(),
        "started_utc": started.isoformat(timespec="seconds"),
        "load_avg_start": [round(x, 2) for x in load_before],
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        "returncode": proc.returncode,
    }
    if proc.returncode != 0 or not out.exists():
        point.update({"ok": False, "process_seconds": round(wall, 3), "stderr": proc.stderr[-4000:]})
        return point
    raw = json.loads(out.read_text(encoding="utf-8"))
    point.update(summarise(raw, wall))
    keep = ("simulate", "assets", "steps", "runs", "rss_samples", "cpu_samples")
    point["raw"] = {k: raw[k] for k in keep if k in raw}
    point["raw"]["run_call"], point["raw"]["run_return"] = raw["run_call"], raw["run_return"]
    point["raw"]["process_start"] = raw["process_start"]
    return point


def facts() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in (
        "dagster",
        "dagster-dbt",
        "dbt-core",
        "dbt-duckdb",
        "duckdb",
        "pyiceberg",
        "pyarrow",
        "great-expectations",
        "presidio-analyzer",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    # Run from a clean export of a commit (other work in progress shares the working tree): its commit is
    # in SOURCE_COMMIT beside the code; else the working tree's HEAD and the files it has modified.
    exported = ROOT / "SOURCE_COMMIT"
    if exported.exists():
        commit, dirty = exported.read_text().strip(), []
    else:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
        commit = commit.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split("\n")
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0]
    return {
        "cpus": os.cpu_count(),
        "memory": " ".join(meminfo.split()[1:]),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "git_commit": commit,
        "git_modified_files": [line[3:] for line in dirty if line.strip()],
    }


def write(report: dict, path: Path) -> None:
    """Indented, except each measured point on one line (its raw samples would be most of the file's lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    for key, value in report.items():
        if key == "points":
            rows = ",\n  ".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in value)
            text = f"[\n  {rows}\n ]" if value else "[]"
        else:
            text = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n ")
        parts.append(f" {json.dumps(key)}: {text}")
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")


def parent(args: argparse.Namespace) -> dict:
    scales = list(QUICK_SCALES if args.quick else args.scales)
    # Both simulated days are working days: on a weekend the weekly inspections have no rows at all, and the GX
    # gate (rightly) fails an empty raw table, which would block dbt and everything after it.
    day1 = date.today() - timedelta(days=1)
    while day1.weekday() > 3:
        day1 -= timedelta(days=1)
    report = {
        "benchmark": "scale: the whole pipeline on the embedded profile, stage by stage (issue 18 item 2)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": facts(),
        "method": (__doc__ or "").strip(),
        "settings": {
            "scales": scales,
            "seed": args.seed,
            "bad_rows": args.bad_rows,
            "days": [str(day1), str(day1 + timedelta(days=1))],
            "sample_seconds": SAMPLE_SECONDS,
        },
        "targets": {"k": 1.1, "rerun_ratio": 0.10, "peak_rss_gib_at_10": 4},
        "points": [],
    }
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        for scale in scales:
            home = work / f"home-{scale}"
            for phase in args.phases:
                day = day1 + timedelta(days=1) if phase == "next_day" else day1
                print(f"scale {scale} {phase} …", flush=True)
                point = run_phase(phase, scale, home, args, day)
                report["points"].append(point)
                report["derived"] = derive(report["points"])
                write(report, args.out)
                print(
                    f"  ok={point.get('ok')} process {point.get('process_seconds')} s, run "
                    f"{point.get('run_seconds')} s, peak {point.get('peak_rss_mib')} MiB, load "
                    f"{point['load_avg_start'][0]}→{point['load_avg_end'][0]}",
                    flush=True,
                )
                if not point.get("ok"):
                    print(point.get("stderr", "")[-2000:] or point.get("assets_not_materialised"), flush=True)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write(report, args.out)
    return report


# --- chart ------------------------------------------------------------------------------------------------

COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#000000",
)


def chart(report: dict, path: Path) -> None:
    """A log-log chart of seconds per stage against scale, as a self-contained SVG (no script, no fonts)."""
    derived = report["derived"]
    # CPU seconds where measured at two scales or more: on this shared machine wall time is mostly waiting.
    cpu = len(derived["totals"]["run_cpu_seconds"]["seconds"]) >= 2
    metric, k_name = ("cpu_seconds", "cpu_k") if cpu else ("seconds", "k")
    series = {
        n: {"seconds": s[metric], "k": s[k_name]}
        for n, s in derived["stages"].items()
        if not n.startswith("ingest:") and len(s[metric]) >= 1
    }
    series["total (run)"] = derived["totals"]["run_cpu_seconds" if cpu else "run_seconds"]
    # Runs that did not complete (derived.incomplete): their complete stages as hollow markers.
    partial = {
        name: (float(scale), stage[metric])
        for scale, run in derived.get("incomplete", {}).items()
        for name, stage in run["stages"].items()
        if name in series and stage.get(metric)
    }
    scales = sorted(
        {float(x) for s in series.values() for x in s["seconds"]} | {x for x, _ in partial.values()}
    )
    values = [v for s in series.values() for v in s["seconds"].values() if v > 0]
    values += [v for _, v in partial.values()]
    width, height, left, right, top, bottom = 760, 440, 60, 190, 30, 50
    x0, x1 = math.floor(math.log10(min(scales))), math.ceil(math.log10(max(scales)))
    y0, y1 = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def px(scale: float) -> float:
        return left + (math.log10(scale) - x0) / (x1 - x0) * (width - left - right)

    def py(seconds: float) -> float:
        return height - bottom - (math.log10(seconds) - y0) / (y1 - y0) * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">{"CPU" if cpu else "Wall"} seconds per pipeline stage vs city '
        "scale (log-log; embedded profile, first run, one day)</text>",
    ]
    for decade in range(x0, x1 + 1):
        for m in (1, 2, 5):
            v = m * 10**decade
            if 10**x0 <= v <= 10**x1:
                x = px(v)
                out.append(
                    f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>'
                )
                out.append(f'<text x="{x:.1f}" y="{height - bottom + 15}" text-anchor="middle">{v:g}</text>')
    for decade in range(y0, y1 + 1):
        for m in (1, 2, 5):
            v = m * 10**decade
            if 10**y0 <= v <= 10**y1:
                y = py(v)
                out.append(
                    f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
                )
                out.append(f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">scale (1 = 300,000 '
        "residents, one day)</text>"
    )
    out.append(
        f'<text transform="translate(14 {(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">'
        f"{'CPU seconds (process tree)' if cpu else 'wall seconds'}</text>"
    )
    # Slope-1 reference through the total's first point.
    total = series["total (run)"]["seconds"]
    s_first = min(float(x) for x in total)
    t_first = total[str(s_first)] if str(s_first) in total else next(iter(total.values()))
    s_last = max(scales)
    out.append(
        f'<line x1="{px(s_first):.1f}" y1="{py(t_first):.1f}" x2="{px(s_last):.1f}" '
        f'y2="{py(t_first * s_last / s_first):.1f}" stroke="#999" stroke-dasharray="4 3"/>'
    )
    legend_y = top + 5
    out.append(f'<text x="{width - right + 10}" y="{legend_y}">stage (k)</text>')
    for i, (name, s) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        pts = sorted((float(x), v) for x, v in s["seconds"].items() if v > 0)
        coords = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in pts)
        dash = ' stroke-width="2.5"' if name.startswith("total") else ""
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}"{dash}/>')
        for x, v in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(v):.1f}" r="2.5" fill="{colour}"/>')
        if name in partial:
            x, v = partial[name]
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(v):.1f}" r="3.5" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
        y = legend_y + 16 * (i + 1)
        k = s.get("k")
        out.append(
            f'<line x1="{width - right + 10}" y1="{y - 4}" x2="{width - right + 28}" y2="{y - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{width - right + 33}" y="{y}">{name} ({k if k is not None else "–"})</text>')
    y = legend_y + 16 * (len(series) + 1)
    out.append(
        f'<line x1="{width - right + 10}" y1="{y - 4}" x2="{width - right + 28}" y2="{y - 4}" '
        'stroke="#999" stroke-dasharray="4 3"/>'
    )
    out.append(f'<text x="{width - right + 33}" y="{y}">slope 1 (linear)</text>')
    if partial:
        out.append(
            f'<text x="{width - right + 10}" y="{y + 18}">hollow: scale {max(x for x, _ in partial.values()):g}, '
            "run incomplete</text>"
        )
        out.append(f'<text x="{width - right + 10}" y="{y + 32}">(stages that ran whole)</text>')
    out.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def table(report: dict) -> str:
    """The README's tables: time, CPU, exponents and fixed overhead per stage; peak memory; re-run, next day."""
    derived = report["derived"]
    scales = sorted({float(x) for s in derived["stages"].values() for x in s["seconds"]})
    label = " / ".join(f"{x:g}" for x in scales)

    def row(values: dict, digits: int = 1) -> str:
        return " / ".join(f"{values[str(x)]:.{digits}f}" if str(x) in values else "–" for x in scales)

    def num(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"

    lines = [
        f"| stage | wall s at {label} | CPU s at {label} | k wall | k wall, two largest | k CPU | "
        "k CPU, two largest | fixed CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in derived["stages"].items():
        lines.append(
            f"| {name} | {row(s['seconds'])} | {row(s['cpu_seconds'])} | {num(s['k'])} | {num(s['k_top'])} | "
            f"{num(s['cpu_k'])} | {num(s['cpu_k_top'])} | {num(s['cpu_fixed_seconds'])} |"
        )
    wall, cpu = derived["totals"]["run_seconds"], derived["totals"]["run_cpu_seconds"]
    lines.append(
        f"| **run** | {row(wall['seconds'])} | {row(cpu['seconds'])} | {num(wall['k'])} | {num(wall['k_top'])} | "
        f"{num(cpu['k'])} | {num(cpu['k_top'])} | {num(cpu['fixed_seconds'])} |"
    )
    lines += ["", f"| stage | peak RSS MiB (process tree) at {label} |", "|---|---|"]
    for name, s in derived["stages"].items():
        peaks = " / ".join(f"{s['peak_rss_mib'].get(str(x)) or 0:.0f}" for x in scales)
        lines.append(f"| {name} | {peaks} |")
    lines += [
        "",
        "| scale | first run: wall s, CPU s | re-run, no new data: wall s, CPU s (CPU ratio) | "
        "next day: wall s, CPU s (CPU ratio) | peak RSS MiB first / re-run / next day |",
        "|---|---|---|---|---|",
    ]
    for scale, r in derived["runs"].items():
        cells = [f"{r['first_run_seconds']:.0f}, {num(r.get('first_run_cpu_seconds'))}"]
        for phase in ("rerun", "next_day"):
            if f"{phase}_run_seconds" not in r:
                cells.append("not measured")
                continue
            ratio = r.get(f"{phase}_cpu_ratio")
            cells.append(
                f"{r[f'{phase}_run_seconds']:.0f}, {num(r.get(f'{phase}_run_cpu_seconds'))}"
                + (f" ({ratio:g})" if ratio is not None else f" (wall ratio {r[f'{phase}_ratio']:g})")
            )
        peaks = " / ".join(
            f"{r[k]:.0f}" if r.get(k) else "–"
            for k in ("peak_rss_mib", "rerun_peak_rss_mib", "next_day_peak_rss_mib")
        )
        lines.append(f"| {scale} | {' | '.join(cells)} | {peaks} |")
    return "\n".join(lines)


def combine(paths: list[Path]) -> dict:
    """One report from several runs of this script (each its own homes: ``series`` A, B, …)."""
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    report = dict(reports[0])
    report["points"], report["series"] = [], {}
    for letter, (path, part) in zip("ABCDEFGH", zip(paths, reports, strict=True), strict=False):
        report["series"][letter] = {
            "file": path.name,
            "measured_at": part["measured_at"],
            "finished_at": part.get("finished_at"),
            "settings": part["settings"],
            "git_commit": part["machine"]["git_commit"],
        }
        for point in part["points"]:
            point.setdefault("series", letter)
            report["points"].append(point)
    report["derived"] = derive(report["points"])
    return report


def merge_raw(report: dict, folder: Path) -> None:
    """Re-attribute points from the children's own files (home-<scale>-<phase>.json) kept in ``folder``:
    for a report whose parent predates a measurement the children already take (CPU samples)."""
    for point in report["points"]:
        path = folder / f"home-{point['scale']}-{point['phase']}.json"
        if not path.exists() or not point.get("ok"):
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw["run_ids"] != [r["run_id"] for r in point["raw"]["runs"]]:
            continue  # another run's file
        point.update(summarise(raw, point["process_seconds"]))
        if "cpu_samples" in raw:
            point["raw"]["cpu_samples"] = raw["cpu_samples"]
    report["derived"] = derive(report["points"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--quick", action="store_true", help=f"scales {QUICK_SCALES}, for development")
    parser.add_argument("--phases", nargs="+", default=list(PHASES), choices=PHASES)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bad-rows", type=float, default=0.002, help="as `lakehouse demo` (its default)")
    parser.add_argument("--out", type=Path, default=None, help=f"default {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    parser.add_argument("--chart", action="store_true", help="only render the chart and table from --out")
    parser.add_argument("--combine", type=Path, nargs="+", help="join these reports into --out")
    parser.add_argument("--merge-raw", type=Path, help="re-attribute from the children's files kept there")
    parser.add_argument("--child", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.scale, args.seed, args.bad_rows, args.day, args.child_out)
        return
    # A development run (--quick) writes beside the temporary homes, never over the recorded results.
    scratch = Path(tempfile.gettempdir())
    args.out = args.out or (scratch / "scale-quick.json" if args.quick else RESULTS)
    if args.combine:
        report = combine(args.combine)
        write(report, args.out)
    elif args.chart:
        report = json.loads(args.out.read_text(encoding="utf-8"))
    else:
        report = parent(args)
    if args.merge_raw:
        merge_raw(report, args.merge_raw)
        write(report, args.out)
    if report.get("derived", {}).get("stages"):
        chart(report, scratch / "scale-quick.svg" if args.quick else CHART)
        print(table(report))


if __name__ == "__main__":
    main()

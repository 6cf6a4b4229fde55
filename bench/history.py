"""History benchmark: does the next day cost one day, or the whole history? (issue #18, ADR 0019)

    python bench/history.py [--scale 1] [--days 4] [--modes incremental full] [--seed 7]

For each mode, in a fresh LAKEHOUSE_HOME (embedded profile), day 1 and then each following day up to
``--days``, one at a time, each in a fresh subprocess: simulate that day into the hand-over folder
(``ingest.simulator.simulate``, as ``bench/scale.py`` and `lakehouse demo` do), then run every asset
(``orchestration.run.run_assets``, as `lakehouse run` does). ``incremental`` is the product as it is;
``full`` sets ``LAKEHOUSE_INCREMENTAL=0``, which forces staging and exchange down the full path (what every
run did before ADR 0019) — the before/after comparison on the same code.

Per run: wall and CPU seconds (user + system of the process and its waited-for children: dbt), and per stage
the wall and CPU of its Dagster steps (from the run's STEP_START/STEP_SUCCESS events; CPU from a sampler of
``os.times()`` every 0.2 s, attributed to the step running at the time — steps run one after another in the
process; the dbt subprocesses' CPU, which the OS counts only when they are reaped, goes to ``dbt`` whole). Stages by step: ``ingest`` (raw_*), ``staging`` (staging/*: mask, privacy gate), ``exchange``
(exchange tables of the datasets), ``dbt``, ``marts`` (marts published, their gates, kpi), ``other``; plus
``startup`` (run_assets called → first step) and ``orchestration`` (the rest of the runs' wall time).
Also the staging and exchange assets' ``mode`` (incremental/full) from their materialization metadata.

Derived: each day's cost over day 1's (target ≈ 1, not growing with the days of history), for the whole run
and for staging + exchange. The machine is shared: the load average is kept with each run; read wall times
with it, CPU is the steadier figure. Writes bench/results/history.json (or --out) after every run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "history.json"
SWITCH = "LAKEHOUSE_INCREMENTAL"  # governance.incremental.SWITCH (not imported: the parent stays light)
STAGES = ("startup", "ingest", "staging", "exchange", "dbt", "marts", "other", "orchestration")
FIRST_DAY = date(2026, 11, 20)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _own_cpu() -> float:
    """This process's CPU only: a child's (dbt's) is counted by the OS when it is reaped, which may fall
    in the sample after its step ended, so it is added to the dbt stage as a whole instead."""
    times = os.times()
    return times.user + times.system


class Sampler(threading.Thread):
    """(wall time, CPU seconds so far) of this process (threads included, children not) every
    ``interval`` seconds."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval, self.samples, self._halt = interval, [(time.time(), _own_cpu())], threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.samples.append((time.time(), _own_cpu()))

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.samples.append((time.time(), _own_cpu()))

    def cpu_at(self, at: float) -> float:
        """CPU seconds at time ``at``, interpolated between samples."""
        before = [s for s in self.samples if s[0] <= at] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= at] or self.samples[-1:]
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 if t1 == t0 else c0 + (c1 - c0) * (at - t0) / (t1 - t0)


def stage_of(step: str, datasets: set[str]) -> str:
    head, _, rest = step.partition("__")
    if head.startswith("raw_"):
        return "ingest"
    if head == "staging":
        return "staging"
    if head == "exchange" and rest in datasets:
        return "exchange"
    if "dbt" in step:
        return "dbt"
    if head in ("exchange", "kpi"):
        return "marts"
    return "other"


def _events(run_ids: list[str]) -> tuple[list[dict], dict[str, str], list[tuple[float, float]]]:
    """Steps (key, start, end), the mode each staging/exchange asset recorded, and each run's (start, end)."""
    import dagster as dg

    steps: dict[tuple[str, str], dict] = {}
    modes: dict[str, str] = {}
    runs: list[tuple[float, float]] = []
    with dg.DagsterInstance.get() as instance:
        for run_id in run_ids:
            start = end = None
            for entry in instance.all_logs(run_id):
                event = entry.dagster_event
                if event is None:
                    continue
                kind, at = event.event_type_value, entry.timestamp
                start = at if kind in ("RUN_START", "PIPELINE_START") else start
                end = (
                    at
                    if kind in ("RUN_SUCCESS", "RUN_FAILURE", "PIPELINE_SUCCESS", "PIPELINE_FAILURE")
                    else end
                )
                if event.step_key:
                    step = steps.setdefault((run_id, event.step_key), {"step": event.step_key})
                    if kind == "STEP_START":
                        step["start"] = at
                    elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "STEP_UPSTREAM_FAILURE"):
                        step["end"] = at
                if kind == "ASSET_MATERIALIZATION":
                    materialization = event.event_specific_data.materialization
                    mode = materialization.metadata.get("mode")
                    if mode is not None:
                        modes[materialization.asset_key.to_user_string()] = str(getattr(mode, "value", mode))
            if start is not None and end is not None:
                runs.append((start, end))
    return [s for s in steps.values() if "start" in s and "end" in s], modes, runs


def child(scale: float, seed: int, day: date, out: Path) -> None:
    """One day in this fresh process: simulate it, run every asset, write the measurements to ``out``."""
    sampler = Sampler()
    sampler.start()
    began, cpu_began = time.time(), _cpu()
    from infra.settings import load_settings
    from ingest.simulator import simulate

    t0 = time.time()
    summary = simulate(load_settings().sources_dir, scale=scale, days=1, seed=seed, start=day)
    simulated = time.time() - t0
    from governance.contracts import load_contracts
    from orchestration.run import run_assets

    called, children_before = time.time(), _cpu() - _own_cpu()
    outcome = run_assets((), (), on_asset=lambda _line: None, progress=lambda _line: None)
    returned, children = time.time(), _cpu() - _own_cpu() - children_before
    steps, modes, runs = _events(outcome.run_ids)
    sampler.stop()
    datasets = set(load_contracts())
    wall = dict.fromkeys(STAGES, 0.0)
    cpu = dict.fromkeys(STAGES, 0.0)
    for step in steps:
        stage = stage_of(step["step"], datasets)
        wall[stage] += step["end"] - step["start"]
        cpu[stage] += sampler.cpu_at(step["end"]) - sampler.cpu_at(step["start"])
    cpu["dbt"] += children  # the dbt subprocesses (the only children of a run)
    first = min((s["start"] for s in steps), default=returned)
    wall["startup"], cpu["startup"] = first - called, sampler.cpu_at(first) - sampler.cpu_at(called)
    in_steps = sum(wall[s] for s in STAGES if s not in ("startup", "orchestration"))
    cpu_in_steps = sum(cpu[s] for s in STAGES if s not in ("startup", "orchestration")) - children
    wall["orchestration"] = max(0.0, (returned - first) - in_steps)
    cpu["orchestration"] = max(0.0, sampler.cpu_at(returned) - sampler.cpu_at(first) - cpu_in_steps)
    result = {
        "day": day.isoformat(),
        "success": outcome.success,
        "rows_simulated": summary.total_rows,
        "simulate_seconds": round(simulated, 2),
        "run_wall_seconds": round(returned - called, 2),
        "run_cpu_seconds": round(sampler.cpu_at(returned) - sampler.cpu_at(called) + children, 2),
        "dbt_subprocess_cpu_seconds": round(children, 2),
        "process_cpu_seconds": round(_cpu() - cpu_began, 2),
        "process_wall_seconds": round(time.time() - began, 2),
        "stage_wall_seconds": {k: round(v, 2) for k, v in wall.items()},
        "stage_cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "runs": len(runs),
        "modes": modes,
    }
    out.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")


def run_day(mode: str, home: Path, scale: float, seed: int, day: date) -> dict:
    out = home.parent / f"{home.name}-{day.isoformat()}.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LAKEHOUSE_PROFILE", SWITCH)}
    env |= {"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded", "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env |= {"DAGSTER_DISABLE_TELEMETRY": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env["GX_ANALYTICS_ENABLED"] = "false"
    if mode == "full":
        env[SWITCH] = "0"
    command = [sys.executable, __file__, "--child", "--scale", str(scale), "--seed", str(seed)]
    command += ["--day", day.isoformat(), "--child-out", str(out)]
    load = os.getloadavg()
    proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    point: dict = {"mode": mode, "load_avg_start": [round(x, 2) for x in load]}
    point["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    if proc.returncode != 0 or not out.exists():
        return point | {"day": day.isoformat(), "ok": False, "stderr": proc.stderr[-3000:]}
    return point | {"ok": True} | json.loads(out.read_text(encoding="utf-8"))


def ratios(days: list[dict]) -> dict:
    """Each day's cost over day 1's: the whole run, and staging + exchange (what ADR 0019 changed)."""
    if not days or not days[0].get("ok"):
        return {}
    first = days[0]

    def part(day: dict, kind: str) -> float:
        return day[f"stage_{kind}_seconds"]["staging"] + day[f"stage_{kind}_seconds"]["exchange"]

    found = {}
    for day in days[1:]:
        if not day.get("ok"):
            continue
        found[day["day"]] = {
            "run_wall": round(day["run_wall_seconds"] / first["run_wall_seconds"], 2),
            "run_cpu": round(day["run_cpu_seconds"] / first["run_cpu_seconds"], 2),
            "staging_exchange_wall": round(part(day, "wall") / max(part(first, "wall"), 1e-9), 2),
            "staging_exchange_cpu": round(part(day, "cpu") / max(part(first, "cpu"), 1e-9), 2),
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument(
        "--modes", nargs="+", choices=("incremental", "full"), default=["incremental", "full"]
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--day", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.scale, args.seed, args.day, args.child_out)
        return
    report: dict = {
        "benchmark": "history",
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "days": args.days,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "modes": {},
    }
    with tempfile.TemporaryDirectory(prefix="lakehouse-history-") as scratch:
        for mode in args.modes:
            home = Path(scratch) / mode / "home"
            home.parent.mkdir(parents=True)
            days: list[dict] = []
            report["modes"][mode] = {"days": days, "ratio_to_day_1": {}}
            for n in range(args.days):
                day = FIRST_DAY + timedelta(days=n)
                days.append(run_day(mode, home, args.scale, args.seed, day))
                report["modes"][mode]["ratio_to_day_1"] = ratios(days)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
                last = days[-1]
                print(
                    f"{mode} {last['day']}: ok={last.get('ok')} wall={last.get('run_wall_seconds')} s "
                    f"cpu={last.get('run_cpu_seconds')} s stages={last.get('stage_cpu_seconds')}",
                    flush=True,
                )
    print(json.dumps({m: v["ratio_to_day_1"] for m, v in report["modes"].items()}, indent=1))


if __name__ == "__main__":
    main()

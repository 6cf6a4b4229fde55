"""Scale benchmark, measuring: one phase of the pipeline in a fresh process, sampled from /proc.

``run_phase`` (in the parent) starts ``bench/scale.py --child <phase>`` in a fresh process with its own
``LAKEHOUSE_HOME``; ``child`` (in that process) simulates and runs every asset while a ``Sampler`` thread
reads the resident set and CPU seconds of the whole process tree, then reads the step times back from the
Dagster run's event log. What the samples mean per stage is worked out in ``bench/scale_fit.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench.machine import machine_facts
from bench.scale_fit import summarise

ROOT = Path(__file__).resolve().parents[1]
# The entry point the child runs (its --child option): this module is imported by it, never run itself.
ENTRY = Path(__file__).resolve().with_name("scale.py")
PHASES = ("first", "rerun", "next_day")
SAMPLE_SECONDS = 0.25
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


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


def _child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LAKEHOUSE_PROFILE")}
    env.update({"LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded", "PYTHONUNBUFFERED": "1"})
    # This checkout's code, also in dbt's subprocess (the venv's editable install may point elsewhere).
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    return env


def prepare_checkout(work: Path) -> dict:
    """Load the definitions once, in a throwaway home, before anything is measured.

    The first command after a code change parses and compiles the dbt project into the checkout
    (``dbt_project/target``: the manifest the definitions read, the compiled SQL their column lineage is
    traced from) and keeps the traced lineage there; every later run of any home reuses them. That is paid
    once per version of the code, not by a run, so it is measured here and recorded beside the runs
    (``checkout_preparation``) instead of landing in the first scale's start-up."""
    home = work / "home-prepare"
    command = [sys.executable, "-c", "from orchestration.definitions import defs; defs()"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=_child_env(home), cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "what": "definitions loaded once per code version: dbt parse and compile into the checkout",
        "returncode": proc.returncode,
        "cpu_seconds": round(cpu, 3),
        "wall_seconds": round(wall, 3),
        **({"stderr": proc.stderr[-2000:]} if proc.returncode else {}),
    }


def run_phase(phase: str, scale: float, home: Path, args: argparse.Namespace, day: date) -> dict:
    out = home.parent / f"{home.name}-{phase}.json"
    env = _child_env(home)
    command = [sys.executable, str(ENTRY), "--child", phase, "--scale", str(scale)]
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
    return machine_facts(
        ROOT,
        (
            "dagster",
            "dagster-dbt",
            "dbt-core",
            "dbt-duckdb",
            "duckdb",
            "pyiceberg",
            "pyarrow",
            "great-expectations",
            "presidio-analyzer",
        ),
    )

"""Start-up time of the `lakehouse` CLI: `--help` (target < 1 s) and light commands (target < 2 s).

    python bench/cli_start.py [--runs 7] [--home PATH]

Each command runs as a fresh subprocess (what a steward's shell does), ``--runs`` times, and the median wall
time is kept, beside the median CPU time (user + system) the child used: on a shared machine the wall time
also measures the neighbours, the CPU time mostly not. The baseline is ``python -c pass`` with the same
interpreter, measured the same way in the same process, so the ratio says what our imports cost on top of
starting Python at all. ``tables`` and ``catalog list`` read a real catalogue: ``--home`` (default
$LAKEHOUSE_HOME, else ./var after `make demo`); without one they run on a new empty home, which still pays
every import. Writes bench/results/cli_start.json and prints a short table. A measurement, not a test.

Bytecode: a steward's Python compiles each module once and reads the cached bytecode afterwards. A shell with
PYTHONDONTWRITEBYTECODE=1 and no __pycache__ (as in some CI and agent sandboxes) recompiles ~800 modules on
every start, several seconds that no import order can save. By default the subprocesses therefore cache
bytecode in a temporary PYTHONPYCACHEPREFIX (nothing is written into the tree or the venv) and the warm-up
run fills it; ``--as-is`` measures the environment unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAKEHOUSE = Path(sys.executable).with_name("lakehouse")
TARGETS = {"--help": 1.0, "tables": 2.0, "catalog list": 2.0}


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and child CPU seconds (user + system) of one run of ``argv``; fails on a non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(argv: list[str], env: dict[str, str], runs: int) -> dict:
    timed(argv, env)  # warm the file cache: a steward's second command, not the first after boot
    walls, cpus = zip(*(timed(argv, env) for _ in range(runs)), strict=True)
    return {
        "median_seconds": round(statistics.median(walls), 3),
        "median_cpu_seconds": round(statistics.median(cpus), 3),
        "seconds_all": [round(w, 3) for w in walls],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--as-is", action="store_true", help="Keep the environment's bytecode settings.")
    args = parser.parse_args()
    home = args.home or Path(os.environ.get("LAKEHOUSE_HOME") or ROOT / "var")
    scratch = None
    if not (home / "catalog.db").exists():
        scratch = tempfile.TemporaryDirectory(prefix="cli-start-")
        home = Path(scratch.name)
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "embedded"}
    pycache = None
    if not args.as_is:
        pycache = tempfile.TemporaryDirectory(prefix="cli-start-pycache-")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache.name
    baseline = measure([sys.executable, "-c", "pass"], env, args.runs)
    results = {}
    for command, target in TARGETS.items():
        found = measure([str(LAKEHOUSE), *command.split()], env, args.runs)
        found["target_seconds"] = target
        found["met"] = found["median_seconds"] < target
        found["over_baseline_seconds"] = round(found["median_seconds"] - baseline["median_seconds"], 3)
        results[f"lakehouse {command}"] = found
    payload = {
        "benchmark": "lakehouse CLI start-up: subprocess wall time (median) vs `python -c pass`",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "home": "catalogue from a pipeline run" if scratch is None else "empty (new home)",
        "runs": args.runs,
        "bytecode": "environment as is" if args.as_is else "cached after the warm-up run (temporary prefix)",
        "baseline": {"python -c pass": baseline},
        "results": results,
    }
    out = ROOT / "bench" / "results" / "cli_start.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"{'command':<26} {'median s':>9} {'cpu s':>7} {'target':>7}")
    print(f"{'python -c pass':<26} {baseline['median_seconds']:>9.2f} {baseline['median_cpu_seconds']:>7.2f}")
    for name, found in results.items():
        mark = "met" if found["met"] else "MISSED"
        print(
            f"{name:<26} {found['median_seconds']:>9.2f} {found['median_cpu_seconds']:>7.2f} "
            f"{'< ' + str(found['target_seconds']):>7} {mark}"
        )
    print(f"wrote {out.relative_to(ROOT)} (load average {payload['machine']['load_avg'][0]:.1f})")
    for folder in (scratch, pycache):
        if folder is not None:
            folder.cleanup()


if __name__ == "__main__":
    main()

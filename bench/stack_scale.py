"""Stack benchmark: dbt on Trino with 1 worker vs 2, and ten analyst queries on DuckDB vs Trino (#18 item 2).

    python bench/stack_scale.py [--scale 1] [--repetitions 2] [--query-runs 10] [--workers 1 2] [--out PATH]

In a fresh temporary LAKEHOUSE_HOME on free loopback ports (never a developer's own stack):

1. ``simulate``: one simulated working day at ``--scale`` into the hand-over folder
   (``ingest.simulator.simulate``, as bench/scale.py does);
2. for each worker count (default 1, then 2): ``lakehouse up --component trino --workers N`` (PostgreSQL,
   s3proxy, the audit receiver, the Trino coordinator and N workers); with the first count only,
   ``lakehouse run --profile stack`` once (every asset: loads, gates, masking, staging; so the staging tables
   dbt reads exist and the marts are published); then ``dbt build --target trino`` ``--repetitions`` times,
   each timed (wall), with the CPU seconds of the Trino queries it sent (``cpuTime`` of each query's
   completed event, as the coordinator posts them to our audit receiver), the CPU seconds of every Trino
   JVM (coordinator and workers, from /proc: queries plus the JVMs' own work) and of the dbt process;
   then the ten analyst queries on Trino (and, with the first count, on DuckDB), each ``--query-runs`` times;
   ``lakehouse down`` (by PID) before the next count, and in any case at the end.

The analyst queries are the SELECTs ten dashboard charts ask for, rendered from our dashboard definitions
(bench/dashboard_sql.py). On Trino they run as the steward account over one HTTPS connection (the read
catalog ``lakehouse``, where access rules apply; the steward reads every row); on DuckDB through our own
``lakehouse sql`` path (``orchestration.query.run_sql``: pyiceberg reads the same Iceberg tables through the
PostgreSQL catalog and S3, with projection and filter push-down, into an in-memory DuckDB, a fresh one per
query), the catalog opened once. Each run is timed from the statement sent to the last row fetched; rounds go
query by query, DuckDB and Trino alternating, and the first (cold) run counts like the others. p50/p95 are the
interpolated percentiles of each query's runs and of all runs of an engine. Both engines' row counts are
recorded per query (they must agree).

The coordinator also runs tasks (node-scheduler.include-coordinator=true), so "1 worker" is two nodes
doing work and "2 workers" three; all of them share this machine's cores. The load average is recorded at the
start and end of every phase: the machine is shared. Results go to bench/results/stack_scale.json (or --out)
after every phase, so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard_sql import ChartQuery, analyst_queries  # noqa: E402
from bench.machine import machine_facts  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stack_scale.json"
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def progress(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(pair: bool = False) -> int:
    """A loopback port nothing is bound to, below the kernel's ephemeral range (with ``pair``, the next one
    too: worker 2's). A port the kernel hands out (bind to 0) is in that range, where any client connection
    made in the minutes before a server starts may take it: one run lost worker 2 that way."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    while True:
        port = rng.randrange(20000, low - 2)
        if _bindable(port) and (not pair or _bindable(port + 1)):
            return port


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.5) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "min_ms": round(min(values) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def facts() -> dict[str, Any]:
    found = machine_facts(
        ROOT, ("dbt-core", "dbt-trino", "duckdb", "pyiceberg", "pyarrow", "trino", "dagster")
    )
    return {**found, "trino": "476 (coordinator 3G heap, each worker 2G)"}


def write(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- the stack: environment, up/down, the Trino JVMs -------------------------------------------------------


def stack_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_") and k != "DAGSTER_HOME"}
    env.update(
        {
            "LAKEHOUSE_HOME": str(home),
            "LAKEHOUSE_PROFILE": "stack",
            "LAKEHOUSE_PG_PORT": str(free_port()),
            "LAKEHOUSE_S3_ENDPOINT": f"http://127.0.0.1:{free_port()}",
            "LAKEHOUSE_TRINO_PORT": str(free_port()),
            "LAKEHOUSE_TRINO_WORKER_PORT": str(free_port(pair=True)),
            "LAKEHOUSE_AUDIT_PORT": str(free_port()),
            "LAKEHOUSE_LOG_LEVEL": "WARNING",
            # This checkout's code, also in dbt's and Dagster's subprocesses.
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "PYTHONUNBUFFERED": "1",
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
        }
    )
    return env


def lakehouse(
    env: dict[str, str], *args: str, log: Path, timeout: float = 3600, check: bool = True
) -> tuple[float, str, int]:
    """Run `lakehouse ARGS`, its output appended to ``log``; (wall seconds, stdout, exit code)."""
    started = time.perf_counter()
    done = subprocess.run(
        [LAKEHOUSE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - started
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ lakehouse {' '.join(args)}  ({wall:.1f} s, exit {done.returncode})\n")
        handle.write(done.stdout + done.stderr + "\n")
    if check and done.returncode != 0:
        raise RuntimeError(
            f"lakehouse {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return wall, done.stdout, done.returncode


def trino_pids(env: dict[str, str], log: Path) -> dict[str, int]:
    # Exit code 1 while a component is down: the PIDs are what matters here.
    out = lakehouse(env, "status", "--json", log=log, check=False)[1]
    return {s["name"]: s["pid"] for s in json.loads(out) if s["name"].startswith("trino") and s["pid"]}


def jvm_cpu(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) each Trino JVM has used so far."""
    used = {}
    for name, pid in pids.items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[name] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def seconds_of(duration: Any) -> float:
    """An event's duration: Trino's JSON writes java.time.Duration as seconds ("1.5") or ISO ("PT1.5S")."""
    if isinstance(duration, int | float):
        return float(duration)
    text = str(duration)
    if text.startswith("PT"):
        total, number = 0.0, ""
        for char in text[2:]:
            if char.isdigit() or char == ".":
                number += char
            else:
                total += float(number) * {"H": 3600, "M": 60, "S": 1}[char]
                number = ""
        return total
    return float(text)


def completed_events(spool: Path) -> dict[str, dict[str, Any]]:
    """The audit receiver's QueryCompletedEvents by query id."""
    events = {}
    if spool.is_file():
        for line in spool.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line being written
            event = event.get("event", event) if isinstance(event, dict) else {}
            query_id = (event.get("metadata") or {}).get("queryId")
            if query_id and "endTime" in event:
                events[query_id] = event
    return events


# --- phases -------------------------------------------------------------------------------------------------


def simulate_day(home: Path, scale: float, seed: int, bad_rows: float) -> dict[str, Any]:
    from ingest.simulator import simulate

    # A working day: on a weekend the weekly inspections have no rows and the raw gate (rightly) fails.
    day = date.today() - timedelta(days=1)
    while day.weekday() > 4:
        day -= timedelta(days=1)
    started = time.perf_counter()
    result = simulate(home / "sources", scale=scale, days=1, seed=seed, start=day, bad_rows=bad_rows)
    return {
        "day": day.isoformat(),
        "rows": result.total_rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


def dbt_build(env: dict[str, str], spool: Path, pids: dict[str, int], folder: Path) -> dict[str, Any]:
    from infra.dbt_manifest import DBT_DIR, DBT_EXECUTABLE
    from infra.dbt_trino import dbt_environment
    from infra.settings import load_settings

    settings = load_settings()
    run_env = {**env, **dbt_environment(settings), "LAKEHOUSE_DBT_TARGET": "trino"}
    command = [str(DBT_EXECUTABLE), "build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    command += [
        "--target",
        "trino",
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
    ]
    before_events = set(completed_events(spool))
    before_jvm, before_children = jvm_cpu(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    load_start, started_at, started = load_avg(), datetime.now(UTC), time.perf_counter()
    done = subprocess.run(command, env=run_env, cwd=DBT_DIR, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after_jvm, after_children = jvm_cpu(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    # The coordinator posts a query's event as it completes; the last ones may still be on their way.
    time.sleep(3)
    new = {qid: e for qid, e in completed_events(spool).items() if qid not in before_events}
    dbt_queries = [e for e in new.values() if (e.get("context") or {}).get("user") == "steward"]
    results_file = folder / "target" / "run_results.json"
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"] if results_file.exists() else []
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    return {
        "started_utc": started_at.isoformat(timespec="seconds"),
        "load_avg_start": load_start,
        "load_avg_end": load_avg(),
        "returncode": done.returncode,
        "wall_seconds": round(wall, 1),
        "nodes": len(results),
        "statuses": statuses,
        "trino_queries": len(dbt_queries),
        "trino_query_cpu_seconds": round(
            sum(seconds_of((e.get("statistics") or {}).get("cpuTime", 0)) for e in dbt_queries), 1
        ),
        "trino_jvm_cpu_seconds": {n: round(after_jvm[n] - before_jvm[n], 1) for n in pids},
        "dbt_process_cpu_seconds": round(
            after_children.ru_utime
            + after_children.ru_stime
            - before_children.ru_utime
            - before_children.ru_stime,
            1,
        ),
        "error": None if done.returncode == 0 else (done.stdout[-2000:] + done.stderr[-1000:]),
    }


def _duckdb_runner() -> Callable[[str], int]:
    from infra.catalog import open_catalog
    from infra.settings import load_settings
    from orchestration.query import run_sql

    catalog = open_catalog(load_settings())
    return lambda sql: run_sql(catalog, sql).num_rows


def _trino_runner(query_ids: list[str]) -> tuple[Callable[[str], int], Callable[[], None]]:
    from infra.settings import load_settings
    from infra.stack import trino as trino_node
    from infra.stack.paths import StackPaths
    from infra.stack.registry import stack_settings
    from infra.stack.secrets import STEWARD_USER, load_or_create_users

    settings = stack_settings(load_settings(), create=False)
    paths = StackPaths.of(settings)
    steward = next(u for u in load_or_create_users(paths.secrets) if u.name == STEWARD_USER)
    connection = trino_node.connect(settings, paths, steward.name, steward.password)

    def run(sql: str) -> int:
        cursor = connection.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        query_ids.append(cursor.query_id or "")
        return len(rows)

    return run, connection.close


def analyst_phase(queries: list[ChartQuery], runs: int, spool: Path, with_duckdb: bool) -> dict[str, Any]:
    engines: dict[str, Callable[[str], int]] = {}
    query_ids: list[str] = []
    trino_run, close = _trino_runner(query_ids)
    if with_duckdb:
        engines["duckdb"] = _duckdb_runner()
    engines["trino"] = trino_run
    times: dict[str, dict[str, list[float]]] = {e: {q.chart: [] for q in queries} for e in engines}
    rows: dict[str, dict[str, int]] = {e: {} for e in engines}
    errors: dict[str, dict[str, str]] = {e: {} for e in engines}
    load_start, started_at = load_avg(), datetime.now(UTC)
    try:
        for round_number in range(runs):
            progress(f"  analyst queries, round {round_number + 1} of {runs} ({', '.join(engines)})")
            for query in queries:
                for engine, run in engines.items():
                    started = time.perf_counter()
                    try:
                        rows[engine][query.chart] = run(query.sql)
                    except Exception as exc:  # recorded and the rounds go on: a failing query is a finding
                        errors[engine][query.chart] = f"{type(exc).__name__}: {exc}"[:500]
                        continue
                    times[engine][query.chart].append(time.perf_counter() - started)
    finally:
        close()
    time.sleep(3)  # the last query events
    events = completed_events(spool)
    cpu = [seconds_of((events.get(qid, {}).get("statistics") or {}).get("cpuTime", 0)) for qid in query_ids]
    return {
        "started_utc": started_at.isoformat(timespec="seconds"),
        "load_avg_start": load_start,
        "load_avg_end": load_avg(),
        "runs_per_query": runs,
        "per_query": {
            q.chart: {
                "dashboard": q.dashboard,
                "viz_type": q.viz_type,
                "table": q.table,
                **{
                    engine: {
                        **summary(times[engine][q.chart]),
                        "rows": rows[engine].get(q.chart),
                        "error": errors[engine].get(q.chart),
                    }
                    for engine in engines
                },
            }
            for q in queries
        },
        "overall": {engine: summary([t for ts in times[engine].values() for t in ts]) for engine in engines},
        "trino_query_cpu_ms_p50": round(percentile(cpu, 0.5) * 1000, 1) if cpu else None,
        "trino_events_found": sum(1 for qid in query_ids if qid in events),
        "row_counts_agree": len({json.dumps(r, sort_keys=True) for r in rows.values()}) == 1,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    queries = analyst_queries(10)
    report: dict[str, Any] = {
        "benchmark": "stack: dbt on Trino with 1 vs 2 workers, ten analyst queries on DuckDB vs Trino (#18 item 2)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": facts(),
        "method": (__doc__ or "").strip(),
        "settings": {
            "scale": args.scale,
            "seed": args.seed,
            "bad_rows": args.bad_rows,
            "workers": args.workers,
            "repetitions": args.repetitions,
            "query_runs": args.query_runs,
        },
        "queries": [q.__dict__ for q in queries],
        "load_avg_start": load_avg(),
        "phases": {},
    }
    phases = report["phases"]
    home = Path(tempfile.mkdtemp(prefix="lhbench-"))
    home.chmod(0o755)  # the postgres OS user traverses it to the cluster's socket
    env = stack_environment(home)
    os.environ.update(env)  # this process's own library calls (settings, catalog, Trino client) read it
    log = args.log or home.parent / f"{home.name}.log"
    from infra.settings import load_settings
    from infra.stack.audit import spool_path
    from infra.stack.paths import StackPaths

    spool = spool_path(StackPaths.of(load_settings()))
    progress(f"home {home}, log {log}")
    try:
        progress(f"simulating one day at scale {args.scale}")
        phases["simulate"] = simulate_day(home, args.scale, args.seed, args.bad_rows)
        progress(f"  {phases['simulate']['rows']:,} source rows in {phases['simulate']['seconds']} s")
        write(report, args.out)
        for index, workers in enumerate(args.workers):
            phase: dict[str, Any] = {"load_avg_start": load_avg()}
            phases[f"workers_{workers}"] = phase
            progress(f"lakehouse up --component trino --workers {workers}")
            phase["up_seconds"] = round(
                lakehouse(env, "up", "--component", "trino", "--workers", str(workers), "--json", log=log)[0],
                1,
            )
            pids = trino_pids(env, log)
            phase["trino_nodes"] = sorted(pids)
            progress(f"  up in {phase['up_seconds']} s: {', '.join(sorted(pids))}")
            if index == 0:
                progress("lakehouse run --profile stack (every asset, once: staging for dbt)")
                load_start = load_avg()
                # A failed gate exits 1 and the marts behind it are not built: recorded, dbt then says what.
                wall, _out, code = lakehouse(env, "run", "--profile", "stack", log=log, check=False)
                phases["pipeline"] = {
                    "wall_seconds": round(wall, 1),
                    "returncode": code,
                    "load_avg_start": load_start,
                    "load_avg_end": load_avg(),
                }
                progress(f"  pipeline in {wall:.0f} s, exit {code}")
                write(report, args.out)
            phase["dbt_build"] = []
            for repetition in range(args.repetitions):
                progress(f"dbt build --target trino, {workers} worker(s), repetition {repetition + 1}")
                result = dbt_build(env, spool, pids, home.parent / f"{home.name}-dbt-{workers}-{repetition}")
                phase["dbt_build"].append(result)
                progress(
                    f"  {result['wall_seconds']} s wall, {result['trino_query_cpu_seconds']} s Trino query CPU, "
                    f"exit {result['returncode']} {result['statuses']}"
                )
                write(report, args.out)
            progress(f"ten analyst queries x {args.query_runs}, {workers} worker(s)")
            phase["analyst_queries"] = analyst_phase(queries, args.query_runs, spool, with_duckdb=index == 0)
            for engine, figures in phase["analyst_queries"]["overall"].items():
                progress(f"  {engine}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
            phase["load_avg_end"] = load_avg()
            write(report, args.out)
            progress("lakehouse down")
            phase["down_seconds"] = round(lakehouse(env, "down", log=log)[0], 1)
    finally:
        try:
            lakehouse(env, "down", log=log)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            progress(f"lakehouse down failed: {exc}")
        report["load_avg_end"] = load_avg()
        write(report, args.out)
        logs = home / "stack" / "logs"
        if logs.is_dir():  # the servers' own logs, for whatever went wrong (the home goes next)
            shutil.copytree(logs, log.with_name(log.name + ".stack-logs"), dirs_exist_ok=True)
        for folder in home.parent.glob(f"{home.name}-dbt-*"):
            shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="simulated city size (1 = 439k raw rows a day)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--bad-rows", type=float, default=0.002, help="share of spoiled source rows, as the demo"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="Trino worker counts, in order"
    )
    parser.add_argument("--repetitions", type=int, default=2, help="dbt builds per worker count")
    parser.add_argument("--query-runs", type=int, default=10, help="runs of each analyst query per engine")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--log", type=Path, help="where the commands' output goes (default: beside the home)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()

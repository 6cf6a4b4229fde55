"""Embedded `lakehouse sql`: a selective query's peak memory and time with push-down vs the whole-table copy.

    python bench/query_pushdown.py [--sizes 500000 2000000] [--rows-per-day 16000] [--runs 3]

For each size a fresh lakehouse home holds `exchange.events` (that many rows, one day partition per
`--rows-per-day` rows, so a bigger table has more days, not bigger days). One day's query runs in a fresh
subprocess per mode: its memory is the peak resident set sampled every 2 ms while the query runs, minus the
resident set just before it, after imports, catalog and one warm query on another table (DuckDB and Arrow
allocate outside Python, so tracemalloc would miss them; the process's ru_maxrss is set by imports, not
the query); time is the best of `--runs`. Writes bench/results/query_pushdown.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_DAY = datetime(2026, 1, 1)
QUERY = (
    "select lot, count(*) as n, sum(fee) as fee from exchange.events"
    " where entered_at >= '{day}' and entered_at < '{next}' group by lot order by lot"
)


def _build(home: Path, rows: int, rows_per_day: int) -> int:
    """The events table written day by day in a few appends; returns the number of days."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import DayTransform
    from pyiceberg.types import LongType, NestedField, StringType, TimestampType

    from infra.catalog import open_catalog

    os.environ["LAKEHOUSE_HOME"] = str(home)
    catalog = open_catalog()
    catalog.create_namespace_if_not_exists("exchange")
    schema = Schema(
        NestedField(1, "event_id", LongType(), required=False),
        NestedField(2, "lot", StringType(), required=False),
        NestedField(3, "plate", StringType(), required=False),
        NestedField(4, "entered_at", TimestampType(), required=False),
        NestedField(5, "fee", LongType(), required=False),
        NestedField(6, "note", StringType(), required=False),
    )
    spec = PartitionSpec(PartitionField(4, 1000, DayTransform(), "entered_at_day"))
    table = catalog.create_table("exchange.events", schema=schema, partition_spec=spec)
    days = rows // rows_per_day
    chunk_days = 10
    for first in range(0, days, chunk_days):
        count = min(chunk_days, days - first) * rows_per_day
        ids = pa.array(range(first * rows_per_day, first * rows_per_day + count), pa.int64())
        seconds = pc.multiply(pc.divide(ids, rows_per_day), 86400)  # integer division: the row's day
        offsets = pc.add(seconds, pc.cast(pc.bit_wise_and(ids, 0xFFFF), pa.int64()))
        start = int(FIRST_DAY.timestamp()) - int(datetime(1970, 1, 1).timestamp())
        entered = pc.cast(pc.multiply(pc.add(offsets, start), 1_000_000), pa.timestamp("us"))
        text = pc.cast(ids, pa.string())
        data = pa.table(
            {
                "event_id": ids,
                "lot": pc.binary_join_element_wise("L", pc.cast(pc.bit_wise_and(ids, 63), pa.string()), ""),
                "plate": pc.binary_join_element_wise("沪D", text, "X", ""),
                "entered_at": entered,
                "fee": pc.bit_wise_and(ids, 255),
                "note": pc.binary_join_element_wise("note of event ", text, " at the south gate", ""),
            }
        )
        table.append(data)
    catalog.create_table("exchange.warm", schema=Schema(NestedField(1, "x", LongType(), required=False)))
    return days


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


class _PeakSampler(threading.Thread):
    """The highest resident set seen while running (sampled; a spike shorter than 2 ms may be missed)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _resident_bytes()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.002):
            self.peak = max(self.peak, _resident_bytes())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return max(self.peak, _resident_bytes())


def _measure(home: Path, mode: str, day: str, runs: int) -> dict[str, float]:
    """In this (fresh) process: one mode's peak memory above the warm baseline and best time."""
    os.environ["LAKEHOUSE_HOME"] = str(home)
    from infra.catalog import open_catalog
    from orchestration.query import run_sql

    catalog = open_catalog()
    run_sql(catalog, "select count(*) from exchange.warm", pushdown=mode == "pushdown")
    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    sql = QUERY.format(day=day, next=next_day)
    times: list[float] = []
    result = None
    before = _resident_bytes()
    sampler = _PeakSampler()
    sampler.start()
    for _ in range(runs):
        started = time.perf_counter()
        result = run_sql(catalog, sql, pushdown=mode == "pushdown")
        times.append(time.perf_counter() - started)
    peak = sampler.stop()
    assert result is not None
    return {
        "seconds_best": round(min(times), 3),
        "peak_mib_above_before_query": round((peak - before) / 2**20, 1),
        "resident_mib_before_query": round(before / 2**20, 1),
        "result_rows": result.num_rows,
        "result_events": sum(result.column("n").to_pylist()),
    }


def _files_planned(home: Path, day: str) -> dict[str, int]:
    import sqlglot

    from infra.catalog import open_catalog
    from infra.iceberg.pushdown import plan_scans

    os.environ["LAKEHOUSE_HOME"] = str(home)
    table = open_catalog().load_table("exchange.events")
    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    statement = sqlglot.parse_one(QUERY.format(day=day, next=next_day), read="duckdb")
    plan = plan_scans(statement, {("exchange", "events"): table.schema()})[("exchange", "events")]
    return {
        "files_in_table": len(list(table.scan().plan_files())),
        "files_planned_with_pushdown": len(list(table.scan(row_filter=plan.row_filter).plan_files())),
        "columns_read_with_pushdown": len(plan.selected_fields(table.schema())),
        "columns_in_table": len(table.schema().fields),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[500_000, 2_000_000])
    parser.add_argument("--rows-per-day", type=int, default=16_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", nargs=4, metavar=("HOME", "MODE", "DAY", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        home, mode, day, runs = args.measure
        print(json.dumps(_measure(Path(home), mode, day, int(runs))))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-pushdown-") as scratch:
        for rows in args.sizes:
            home = Path(scratch) / f"home-{rows}"
            started = time.perf_counter()
            days = _build(home, rows, args.rows_per_day)
            built = time.perf_counter() - started
            day = (FIRST_DAY + timedelta(days=days // 2)).date().isoformat()
            entry: dict[str, object] = {"rows": rows, "days": days, "build_seconds": round(built, 1)}
            entry.update(_files_planned(home, day))
            for mode in ("pushdown", "whole_copy"):
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", str(home), mode, day, str(args.runs)],
                    check=True,
                    capture_output=True,
                    text=True,
                    env={**os.environ, "LAKEHOUSE_PROFILE": "embedded", "LAKEHOUSE_HOME": str(home)},
                )
                entry[mode] = json.loads(out.stdout.strip().splitlines()[-1])
                print(rows, mode, entry[mode], flush=True)
            results.append(entry)
    report = {
        "benchmark": "embedded lakehouse sql, one day of a day-partitioned table (group by lot)",
        "query": QUERY,
        "rows_per_day": args.rows_per_day,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "sizes": results,
    }
    out_path = ROOT / "bench" / "results" / "query_pushdown.json"
    out_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()

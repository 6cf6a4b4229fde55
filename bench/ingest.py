"""Ingest benchmark: our load (parse + validate + Iceberg commit) vs a plain pyarrow read + Parquet write of
the same rows, in the same process, on CSV and on Parquet sources.

    python bench/ingest.py [--rows 1000000] [--days 30] [--seed 7]

The data follows the `rental_trips` contract (mobile validator, timestamps, numbers, day partitions), made
with numpy. Writes bench/results/ingest.json and prints a table. Ratio = our rows/s ÷ baseline rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).resolve().parent / "results" / "ingest.json"
STATIONS = np.array(
    ["滴水湖地铁站", "临港大道站", "申港大道环湖西路", "天文馆", "极地海洋世界", "新九四塘", "观海嘴公园"]
)


def make_trips(rows: int, days: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-10-01T00:00:00")
    offsets = rng.integers(0, days * 86_400, rows).astype("timedelta64[s]")
    started = start + offsets
    ended = started + rng.integers(120, 3_600, rows).astype("timedelta64[s]")
    prefixes = rng.choice(np.array(["138", "139", "150", "186", "189", "199"]), rows)
    mobiles = np.char.add(prefixes, np.char.zfill(rng.integers(0, 10**8, rows).astype(str), 8))
    return pa.table(
        {
            "trip_id": pa.array(np.char.add("T", np.char.zfill(np.arange(rows).astype(str), 9))),
            "vehicle_type": pa.array(rng.choice(np.array(["bike", "ebike", "ev"]), rows)),
            "user_mobile": pa.array(mobiles),
            "start_station": pa.array(rng.choice(STATIONS, rows)),
            "end_station": pa.array(rng.choice(STATIONS, rows)),
            "started_at": pa.array(np.datetime_as_string(started, unit="s")).cast(pa.string()),
            "ended_at": pa.array(np.datetime_as_string(ended, unit="s")).cast(pa.string()),
            "distance_km": pa.array(np.round(rng.uniform(0.2, 25, rows), 2)),
        }
    )


def timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run(rows: int, days: int, seed: int) -> dict:
    from governance.contracts import load_contracts
    from infra.catalog import open_catalog
    from ingest.load import load_dataset

    contract = load_contracts()["rental_trips"]
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        trips = make_trips(rows, days, seed)
        csv_path, parquet_path = work / "trips_bench.csv", work / "trips_bench.parquet"
        pacsv.write_csv(trips, csv_path)
        # A Parquet hand-over carries its types: timestamps as timestamps, as a real export would.
        typed = trips.set_column(5, "started_at", trips.column("started_at").cast(pa.timestamp("s")))
        typed = typed.set_column(6, "ended_at", typed.column("ended_at").cast(pa.timestamp("s")))
        pq.write_table(typed, parquet_path)
        results = {}
        for label, source, read in (
            ("csv", csv_path, lambda p: pacsv.read_csv(p)),
            ("parquet", parquet_path, lambda p: pq.read_table(p)),
        ):
            baseline = timed(
                lambda read=read, source=source: pq.write_table(read(source), work / "baseline.parquet")
            )
            os.environ["LAKEHOUSE_HOME"] = str(work / f"home-{label}")
            outcome = {}
            ours = timed(
                lambda source=source, outcome=outcome: outcome.update(
                    r=load_dataset(contract, source, open_catalog())
                )
            )
            result = outcome["r"]
            assert result.rows_loaded == rows and result.balanced, result.as_dict()
            results[label] = {
                "rows": rows,
                "baseline_seconds": round(baseline, 3),
                "ours_seconds": round(ours, 3),
                "baseline_rows_per_s": round(rows / baseline),
                "ours_rows_per_s": round(rows / ours),
                "ratio": round(baseline / ours, 3),
            }
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = run(args.rows, args.days, args.seed)
    report = {
        "benchmark": "ingest: parse + validate + Iceberg commit vs pyarrow read + parquet write",
        "dataset": "rental_trips (synthetic, numpy)",
        "partitions": f"day(started_at) over {args.days} days",
        "measured_at": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "target": "ratio >= 0.5 (validation and commit cost at most 2x the plain Parquet write)",
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'source':<8} {'rows':>9} {'baseline s':>11} {'ours s':>8} {'ratio':>6}")
    for label, r in results.items():
        print(f"{label:<8} {r['rows']:>9} {r['baseline_seconds']:>11} {r['ours_seconds']:>8} {r['ratio']:>6}")


if __name__ == "__main__":
    main()

"""Damaged-CSV benchmark: how our CSV read grows with a file's size when a share of its rows are ragged
(another number of fields than the header, as real exports are), against pyarrow's own read of the same
bytes that skips such rows, in the same process.

    python bench/damaged_csv.py [--rows 200000] [--bad-share 0.002] [--repeats 3] [--seed 7]

Two files: ``--rows`` rows and twice as many, each with ``--bad-share`` of its rows missing their last
field. Ours is ``ingest.connectors.csv_files.read_csv``: fingerprint, parse, and for each ragged row its
line, reason and raw text (what quarantine needs). The baseline is ``pyarrow.csv.read_csv`` with an invalid
row handler that skips the row. The best of ``--repeats`` alternating runs is kept. Reported: seconds,
ratio (baseline ÷ ours, per size) and the growth exponent k of each (time ∝ rows^k between the two sizes;
1 is linear). Writes bench/results/damaged_csv.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import machine_facts  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "damaged_csv.json"
HEADER = "读数编号,建筑编号,读数时间,用电量千瓦时,表计状态"


def write_damaged_csv(path: Path, rows: int, bad_share: float, seed: int) -> int:
    """A CSV of ``rows`` meter readings of which about ``bad_share`` lack their last field; returns how many."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("R", np.char.zfill(np.arange(rows).astype(str), 9))
    buildings = np.char.add("B", np.char.zfill(rng.integers(0, 8000, rows).astype(str), 5))
    seconds = rng.integers(0, 86_400, rows).astype("timedelta64[s]")
    at = np.datetime_as_string(np.datetime64("2026-11-30T00:00:00") + seconds, unit="s")
    kwh = np.round(rng.uniform(0, 500, rows), 2).astype(str)
    status = rng.choice(np.array(["正常", "离线", "校准中"]), rows)
    lines = [",".join(fields) for fields in zip(ids, buildings, at, kwh, status, strict=True)]
    bad = rng.choice(rows, size=max(1, int(rows * bad_share)), replace=False)
    for row in bad:
        lines[row] = lines[row].rsplit(",", 1)[0]
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return len(bad)


def best_of(repeats: int, *actions) -> list[float]:
    """Each action's best time over ``repeats`` rounds, the actions alternating within a round."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repeats):
        for spent, action in zip(times, actions, strict=True):
            began = time.perf_counter()
            action()
            spent.append(time.perf_counter() - began)
    return [min(spent) for spent in times]


def run(rows: int, bad_share: float, repeats: int, seed: int) -> dict:
    from ingest.connectors.csv_files import read_csv

    def baseline(path: Path) -> pa.Table:
        options = pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip")
        return pacsv.read_csv(path, parse_options=options)

    work = Path(tempfile.mkdtemp(prefix="bench-damaged-csv-"))
    sizes = {}
    for label, n in (("rows", rows), ("twice", 2 * rows)):
        path = work / f"readings_{n}.csv"
        ragged = write_damaged_csv(path, n, bad_share, seed)
        unit = read_csv(path, "utf-8")  # warm-up, and the check that every ragged row was found
        assert unit.malformed is not None and len(unit.malformed.rows) == ragged, "ragged rows not all found"
        assert baseline(path).num_rows == n - ragged
        base_s, ours_s = best_of(repeats, lambda p=path: baseline(p), lambda p=path: read_csv(p, "utf-8"))
        sizes[label] = {
            "rows": n,
            "ragged_rows": ragged,
            "baseline_seconds": round(base_s, 4),
            "ours_seconds": round(ours_s, 4),
            "ratio": round(base_s / ours_s, 3),
        }
        print(f"{n:>9,} rows, {ragged:>5,} ragged: pyarrow {base_s:.3f} s, ours {ours_s:.3f} s", flush=True)
        path.unlink()
    work.rmdir()

    def exponent(key: str) -> float:
        return round(math.log(sizes["twice"][key] / sizes["rows"][key]) / math.log(2), 2)

    return {"sizes": sizes, "k_baseline": exponent("baseline_seconds"), "k_ours": exponent("ours_seconds")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--bad-share", type=float, default=0.002, help="as `lakehouse demo` spoils rows")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = run(args.rows, args.bad_share, args.repeats, args.seed)
    report = {
        "benchmark": "damaged CSV read: ours (line, reason, raw text per ragged row) vs pyarrow skipping them",
        "measured_at": datetime.now().isoformat(timespec="seconds"),
        "machine": {**machine_facts(ROOT, ["pyarrow"]), "load_avg": os.getloadavg()},
        "settings": {
            "rows": args.rows,
            "bad_share": args.bad_share,
            "repeats": args.repeats,
            "seed": args.seed,
        },
        "target": "k_ours <= 1.1 (a damaged file's read grows linearly with its rows)",
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    print(f"growth exponent k: pyarrow {result['k_baseline']}, ours {result['k_ours']} → {args.out}")


if __name__ == "__main__":
    main()

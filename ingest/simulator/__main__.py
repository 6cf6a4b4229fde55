"""``python -m ingest.simulator --out data/landing --scale 0.05 --days 2 --seed 7``"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ingest.simulator import simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.simulator", description=__doc__)
    parser.add_argument(
        "--out", type=Path, required=True, help="landing directory to write the source files into"
    )
    parser.add_argument("--scale", type=float, default=0.05, help="1.0 = a 300,000-resident district")
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    summary = simulate(
        args.out, args.scale, args.days, args.seed, args.start, progress=None if args.quiet else print
    )
    print(f"{summary.total_rows:,} rows in {len(summary.all_files)} files, {summary.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

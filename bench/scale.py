"""Scale benchmark: the whole pipeline on the embedded profile at growing city sizes, stage by stage.

    python bench/scale.py [--scales 0.1 1 5] [--quick] [--seed 7] [--bad-rows 0.002]

First the definitions are loaded once in a throwaway home (``checkout_preparation``: dbt parse and compile
into the checkout, paid once per version of the code, recorded apart). Then for each scale, in a fresh
LAKEHOUSE_HOME (a temporary directory) and each phase in a fresh subprocess:

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
every phase, so an interrupted run keeps what it measured; --chart renders docs/img/scale.svg from it (from
the recorded results; another --out gets its chart beside it).

The code: ``bench/scale_measure.py`` (phases in subprocesses, /proc sampling), ``bench/scale_fit.py``
(attribution to stages, exponents, fixed overhead, ratios, target verdicts), ``bench/scale_report.py``
(chart, README tables); this file is the entry point and joins reports. --readme rewrites the README's
scale section (between its marker comments) from the JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's code and the sibling modules as ``bench.*``, also when run as ``python bench/scale.py``.
sys.path.insert(0, str(ROOT))

# Re-exported: other benchmarks import these helpers from here.
from bench.scale_fit import (  # noqa: E402
    DEFAULT_TARGETS,
    PEAK_TARGET_SCALE,
    STAGE_ORDER,
    attribute,
    derive,
    fit_exponent,
    fit_linear,
    peaks_by_scale,
    stage_of,
    summarise,
    targets,
    verdict,
)
from bench.scale_measure import (  # noqa: E402
    MIB,
    PAGE,
    PHASES,
    SAMPLE_SECONDS,
    TICK,
    Sampler,
    child,
    facts,
    prepare_checkout,
    run_phase,
)
from bench.scale_report import (  # noqa: E402
    COLOURS,
    README,
    chart,
    memory_table,
    section,
    table,
    targets_table,
    update_readme,
)

RESULTS = ROOT / "bench" / "results" / "scale.json"
CHART = ROOT / "docs" / "img" / "scale.svg"
DEFAULT_SCALES = (0.1, 1.0, 5.0)
QUICK_SCALES = (0.05, 0.1)

__all__ = [
    "CHART",
    "COLOURS",
    "DEFAULT_SCALES",
    "DEFAULT_TARGETS",
    "MIB",
    "PAGE",
    "PEAK_TARGET_SCALE",
    "PHASES",
    "QUICK_SCALES",
    "README",
    "RESULTS",
    "ROOT",
    "SAMPLE_SECONDS",
    "STAGE_ORDER",
    "TICK",
    "Sampler",
    "attribute",
    "chart",
    "child",
    "combine",
    "derive",
    "facts",
    "fit_exponent",
    "fit_linear",
    "main",
    "memory_table",
    "merge_raw",
    "parent",
    "peaks_by_scale",
    "prepare_checkout",
    "run_phase",
    "section",
    "stage_of",
    "summarise",
    "table",
    "targets",
    "targets_table",
    "update_readme",
    "verdict",
    "write",
]


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
        "targets": dict(DEFAULT_TARGETS),
        "points": [],
    }
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        print("preparing the checkout (definitions loaded once: dbt parse and compile) …", flush=True)
        report["checkout_preparation"] = prepare_checkout(work)
        print(f"  {report['checkout_preparation']}", flush=True)
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
    parser.add_argument(
        "--readme",
        action="store_true",
        help="as --chart, and rewrite the README's scale section (between its markers) from --out",
    )
    parser.add_argument("--combine", type=Path, nargs="+", help="join these reports into --out")
    parser.add_argument("--merge-raw", type=Path, help="re-attribute from the children's files kept there")
    parser.add_argument("--child", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.readme and args.quick:
        parser.error("--readme writes the recorded results into the README, never a --quick run's")
    if args.child:
        child(args.child, args.scale, args.seed, args.bad_rows, args.day, args.child_out)
        return
    # A development run (--quick) writes beside the temporary homes, never over the recorded results.
    scratch = Path(tempfile.gettempdir())
    args.out = args.out or (scratch / "scale-quick.json" if args.quick else RESULTS)
    if args.combine:
        report = combine(args.combine)
        write(report, args.out)
    elif args.chart or args.readme:
        report = json.loads(args.out.read_text(encoding="utf-8"))
    else:
        report = parent(args)
    if args.merge_raw:
        merge_raw(report, args.merge_raw)
        write(report, args.out)
    if report.get("derived", {}).get("stages"):
        # The README's chart is drawn from the recorded results only; any other report's beside it.
        chart(report, CHART if args.out.resolve() == RESULTS.resolve() else args.out.with_suffix(".svg"))
        print(table(report))
    if args.readme:
        changed = update_readme(report)
        print(f"{README.relative_to(ROOT)}: scale section {'rewritten' if changed else 'already current'}")


if __name__ == "__main__":
    main()

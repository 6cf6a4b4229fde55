"""Lineage benchmark: what the auditors' evidence costs next to the pipeline that produces the data.

    python bench/lineage.py [--scale 0.05] [--days 2] [--repeats 5]

Runs the demo pipeline once (simulate + every asset in-process, the lineage asset and the OpenLineage
emission included) in a temporary LAKEHOUSE_HOME and times it; then, against that lakehouse, times
``--repeats`` times each: lineage extraction of the whole project (contracts + sqlglot over every compiled
dbt model, the compiled manifest found as the run left it), extraction with a fresh ``dbt compile`` (once:
the path taken when no build left a compiled manifest), recording one run in Iceberg, the dossier (every
shared table), and the OpenLineage events of the run. Best of the repeats is kept (scheduler noise on a
shared two-core machine). Writes bench/results/lineage.json and prints a table.
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
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).resolve().parent / "results" / "lineage.json"


def _best(action: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-lineage-"))
    os.environ.update(
        LAKEHOUSE_HOME=str(home),
        LAKEHOUSE_PROFILE="embedded",
        LAKEHOUSE_PSEUDONYM_KEY="bench-lineage-pseudonym-key",
        DAGSTER_HOME=str(home / "dagster"),
        LAKEHOUSE_LOG_LEVEL="WARNING",
    )
    from governance.dossier import build_dossier
    from governance.lineage import extract, record_lineage
    from governance.lineage.current import current_lineage
    from infra.catalog import open_catalog
    from infra.dbt_manifest import load_manifest
    from ingest.connectors import source_field_names
    from ingest.simulator import simulate
    from orchestration.run import materialize_all

    try:
        began = time.perf_counter()
        summary = simulate(
            home / "sources",
            scale=args.scale,
            days=args.days,
            seed=7,
            start=date.today() - timedelta(days=args.days - 1),
        )
        simulated = time.perf_counter() - began
        began = time.perf_counter()
        ok = materialize_all(progress=print)
        pipeline = time.perf_counter() - began
        catalog = open_catalog()

        extraction_s, extraction = _best(lambda: _trace_afresh(extract), args.repeats)
        remembered_s, _ = _best(lambda: extract(source_field_names), args.repeats)
        scratch = home / "bench-compile"
        # A fresh compile: what the lineage asset pays when no dbt build left a compiled manifest.
        compiled_began = time.perf_counter()
        fresh = _fresh_compile(Path(__file__).resolve().parents[1] / "dbt_project", scratch)
        compile_s = time.perf_counter() - compiled_began + extraction_s
        record_s, _ = _best(
            lambda: record_lineage(catalog, f"bench-{time.time_ns()}", extraction), args.repeats
        )
        current = current_lineage(catalog, lambda: extraction)
        dossier_s, written = _best(
            lambda: build_dossier(catalog, current, home / "reports" / "audit"), args.repeats
        )
        emit_s = _emit_time(home, catalog, args.repeats)
        result = {
            "measured_at": datetime.now().isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_1m": os.getloadavg()[0],
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "workload": {
                "scale": args.scale,
                "days": args.days,
                "source_rows": sum(summary.rows.values()),
                "contracts": extraction.contracts,
                "dbt_models": extraction.models,
                "edges": len(extraction.edges),
                "untraced_columns": extraction.unresolved,
                "dossier_pages": len(written.pages),
                "fresh_compile_models": fresh,
            },
            "seconds": {
                "simulate": round(simulated, 2),
                "pipeline_materialize_all": round(pipeline, 2),
                "lineage_extraction": round(extraction_s, 3),
                "lineage_extraction_remembered": round(remembered_s, 3),
                "lineage_extraction_with_dbt_compile": round(compile_s, 2),
                "lineage_record_iceberg": round(record_s, 3),
                "dossier_all_tables": round(dossier_s, 3),
                "openlineage_emit_run": round(emit_s, 3),
            },
            "share_of_pipeline": {
                "lineage_extraction": round(extraction_s / pipeline, 4),
                "lineage_record_iceberg": round(record_s / pipeline, 4),
                "dossier_all_tables": round(dossier_s / pipeline, 4),
                "openlineage_emit_run": round(emit_s / pipeline, 4),
            },
            "pipeline_succeeded": ok,
            "repeats": args.repeats,
            "dbt_models_in_manifest": len(load_manifest().models),
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        width = max(len(k) for k in result["seconds"])
        for name, seconds in result["seconds"].items():
            share = result["share_of_pipeline"].get(name)
            tail = f"  ({share:.1%} of the pipeline)" if share is not None else ""
            print(f"{name:<{width}}  {seconds:>8} s{tail}")
        print(f"wrote {RESULTS}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _trace_afresh(extract: Callable[..., object]) -> object:
    """What the lineage asset pays the first time it sees this SQL: nothing remembered in the process
    (``governance.lineage.dbt``) or on disk (``traced=None``)."""
    import governance.lineage.dbt as dbt_lineage
    from ingest.connectors import source_field_names

    dbt_lineage._TRACED.clear()
    return extract(source_field_names, traced=None)


def _fresh_compile(dbt_dir: Path, scratch: Path) -> int:
    """``dbt compile`` into ``scratch`` (the fallback of ``compiled_manifest``); returns models compiled."""
    import subprocess

    from infra.dbt_manifest import DBT_EXECUTABLE, _load

    command = [str(DBT_EXECUTABLE), "compile", "--quiet", "--project-dir", str(dbt_dir)]
    command += ["--profiles-dir", str(dbt_dir), "--target-path", str(scratch)]
    subprocess.run(command, check=True, capture_output=True)
    manifest = scratch / "manifest.json"
    return sum(1 for m in _load(manifest, manifest.stat().st_mtime).models.values() if m.compiled_code)


def _emit_time(home: Path, catalog, repeats: int) -> float:
    import dagster as dg

    from orchestration.lineage_events import emit_run

    with dg.DagsterInstance.get() as instance:
        run = next(r for r in instance.get_runs(limit=5) if r.job_name == "__ASSET_JOB")
        best = float("inf")
        for index in range(repeats):
            target = home / f"bench-emit-{index}"
            began = time.perf_counter()
            emit_run(instance, run.run_id, catalog, target)
            best = min(best, time.perf_counter() - began)
    return best


if __name__ == "__main__":
    main()

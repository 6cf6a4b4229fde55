"""A small synthetic scale report (no pipeline): points as bench/scale.py writes them, derived by its own code."""

from __future__ import annotations

from bench.scale_fit import derive

# CPU seconds of each stage at scale s: a fixed part plus a part growing with the data.
STAGES = {
    "simulate": lambda s: 0.0 + 6.0 * s,
    "startup": lambda s: 8.0 + 0.0 * s,
    "ingest:health": lambda s: 0.5 + 3.0 * s,
    "dbt": lambda s: 20.0 + 2.0 * s,
    "gates": lambda s: 4.0 + 1.0 * s,
}


def point(phase: str, scale: float, *, factor: float = 1.0, ok: bool = True, peak: float = 1000.0) -> dict:
    stages = {}
    for name, cost in STAGES.items():
        seconds = round(cost(scale) * factor, 3)
        stages[name] = {"seconds": seconds, "cpu_seconds": seconds, "steps": 1, "peak_rss_mib": peak}
    stages["ingest"] = dict(stages["ingest:health"])
    run = sum(v["cpu_seconds"] for k, v in stages.items() if k not in ("simulate", "ingest"))
    return {
        "phase": phase,
        "scale": scale,
        "series": "A",
        "ok": ok,
        "load_avg_start": [1.5, 1.0, 1.0],
        "load_avg_end": [2.5, 1.0, 1.0],
        "run_seconds": round(run, 3),
        "run_cpu_seconds": round(run, 3),
        "process_seconds": round(run + 1, 3),
        "pipeline_seconds": round(run, 3),
        "peak_rss_mib": peak,
        "source_rows": int(439_000 * scale) if phase != "rerun" else None,
        "assets_not_materialised": [] if ok else [{"asset": "kpi/sharing_rate", "status": "skipped"}],
        "gates_passed": [],
        "gates_failed": [] if ok else ["a gate"],
        "stages": stages,
    }


def report(points: list[dict], **targets: float) -> dict:
    return {
        "measured_at": "2026-11-30T20:00:00+00:00",
        "machine": {"cpus": 2, "git_commit": "0123456789abcdef"},
        "settings": {"scales": sorted({p["scale"] for p in points}), "sample_seconds": 0.25},
        "targets": {"k": 1.1, "rerun_ratio": 0.10, "peak_rss_gib_at_10": 4, **targets},
        "points": points,
        "derived": derive(points),
    }

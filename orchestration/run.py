"""Run every asset in-process: what `lakehouse demo` and the end-to-end tests do (the Dagster UI runs the
same definitions through its own executor)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from infra.settings import load_settings

if TYPE_CHECKING:
    from dagster import DagsterInstance


def materialize_all(progress: Callable[[str], None] = print) -> bool:
    """Materialise every asset in-process, on a persistent Dagster instance under LAKEHOUSE_HOME."""
    import dagster as dg

    from orchestration.definitions import defs

    settings = load_settings()
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.home / "dagster")))
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    definitions = defs()
    job = definitions.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {
                    "console": {"config": {"log_level": os.environ.get("LAKEHOUSE_LOG_LEVEL", "INFO")}}
                }
            },
        )
        # The run's OpenLineage events (the daemon's sensors do this for runs it watches).
        emit_openlineage(instance, result.run_id, progress)
    failures = [e for e in result.all_events if e.is_step_failure]
    for event in failures:
        progress(f"FAILED {event.step_key}: {event.event_specific_data.error.message.strip()[:500]}")
    return result.success


def emit_openlineage(instance: DagsterInstance, run_id: str, progress: Callable[[str], None]) -> None:
    """Emit a finished run's OpenLineage events; a consumer that is down must not fail the pipeline."""
    from infra.catalog import open_catalog
    from orchestration.lineage_events import emit_run

    settings = load_settings()
    try:
        emit_run(instance, run_id, open_catalog(settings), settings.home)
    except Exception as exc:  # e.g. LAKEHOUSE_OPENLINEAGE_URL names a server that does not answer
        progress(f"OpenLineage events not emitted: {exc.__class__.__name__}: {str(exc)[:300]}")

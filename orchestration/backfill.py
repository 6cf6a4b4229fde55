"""A backfill of days in-process: what `lakehouse run --from … --to …` calls (the Dagster UI's backfill of
the same partitioned assets does the same through the daemon).

    from orchestration.backfill import run_days
    from orchestration.partitions import partition_keys
    ok = run_days(partition_keys("2026-11-01", "2026-11-03"), instance=instance)

One run per day for the daily-partitioned raw assets (each loads only that day's hand-over files), then
one run of everything downstream of them: staging, dbt and the publications are not partitioned and
rebuild from the whole raw table, so three days are masked and published once, not three times
(docs/adr/0014-…).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from dagster import DagsterInstance


def daily_asset_keys(definitions: dg.Definitions) -> list[dg.AssetKey]:
    """The assets partitioned by day (raw tables of event datasets handed over as day files)."""
    graph = definitions.resolve_asset_graph()
    return sorted(
        (key for key in graph.materializable_asset_keys if graph.get(key).partitions_def is not None),
        key=lambda k: k.to_user_string(),
    )


def run_days(
    keys: Sequence[str],
    instance: DagsterInstance,
    selection: Sequence[dg.AssetKey] | None = None,
    *,
    downstream: bool = True,
    definitions: dg.Definitions | None = None,
    progress: Callable[[str], None] = print,
) -> bool:
    """Materialise ``selection`` (every daily asset when None) for each partition key, then, if
    ``downstream``, what depends on them once. True when every run succeeded; a failed day does not stop
    the others (as a UI backfill goes on past a failed partition), and the downstream run waits for none
    of them to succeed: it rebuilds from whatever the raw tables hold."""
    if definitions is None:
        from orchestration.definitions import defs

        definitions = defs()
    daily = daily_asset_keys(definitions)
    chosen = list(selection) if selection is not None else daily
    undaily = [k.to_user_string() for k in chosen if k not in daily]
    if undaily:
        raise ValueError(f"not partitioned by day: {', '.join(undaily)}; run them without --from/--to")
    job = definitions.resolve_implicit_global_asset_job_def()
    ok = True
    for key in keys:
        result = job.execute_in_process(
            instance=instance, partition_key=key, asset_selection=chosen, raise_on_error=False
        )
        progress(
            f"{key}: {'loaded' if result.success else 'FAILED'} ({len(chosen)} dataset(s), run {result.run_id})"
        )
        ok = ok and result.success
    if downstream and keys:
        graph = definitions.resolve_asset_graph()
        after = (
            dg.AssetSelection.assets(*chosen).downstream() - dg.AssetSelection.assets(*chosen)
        ).required_multi_asset_neighbors()  # a multi-asset that cannot be subset runs whole
        rest = sorted(after.resolve(graph), key=lambda k: k.to_user_string())
        if rest:
            result = job.execute_in_process(instance=instance, asset_selection=rest, raise_on_error=False)
            progress(
                f"downstream: {'rebuilt' if result.success else 'FAILED'} ({len(rest)} assets, run {result.run_id})"
            )
            ok = ok and result.success
    return ok

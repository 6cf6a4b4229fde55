"""Auditors' query log: Trino's query events (spooled by our receiver on the stack) into governance.query_log.

A sensor looks at the spool every 30 s and loads it as soon as it grew, so an auditor sees a query within
a minute; the 15-minute schedule stays as the safety net for a load that failed while no new query came.
"""

import json

import dagster as dg

from infra.settings import Settings, load_settings
from infra.zones import GOVERNANCE, QUERY_LOG
from orchestration.automation import schedule_status, sensor_status
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

QUERY_LOG_KEY = table_key(QUERY_LOG)
SENSOR_INTERVAL_SECONDS = 30


@dg.asset(
    key=QUERY_LOG_KEY,
    group_name=GOVERNANCE.name,
    kinds={"iceberg", "trino"},
    description="Who read what through Trino: user, groups, query, tables, columns, state (stack profile).",
)
def query_log(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    settings = lakehouse.settings
    if settings.profile == "embedded":
        context.log.info("embedded profile: no Trino, no query events to load")
        return dg.MaterializeResult(metadata={"rows_written": 0})
    from governance.audit.query_log import ingest_query_log

    result = ingest_query_log(settings)
    if result.refused_posts:
        # Someone (or a misconfigured listener) posted without Trino's token: the auditors must know.
        context.log.warning(
            f"the query-event receiver has refused {result.refused_posts} post(s) without a valid token; "
            "see stack/audit/refused-posts.ndjson"
        )
    return dg.MaterializeResult(
        metadata={
            "rows_written": result.rows_written,
            "refused_posts": result.refused_posts,
            # Queries that wrote a table, recorded in the same load as lineage (producer trino).
            "lineage_runs": result.lineage_runs,
            "lineage_edges": result.lineage_edges,
        }
    )


query_log_every_15_minutes = dg.ScheduleDefinition(
    name="query_log_every_15_minutes",
    target=dg.AssetSelection.assets(QUERY_LOG_KEY),
    cron_schedule="*/15 * * * *",
    execution_timezone="Asia/Shanghai",
    description="Safety net behind the spool sensor: retries a failed load even when no new query arrives.",
    # On the stack only: the embedded profile has no query events, so it would add an empty run every 15 min.
    default_status=schedule_status(safe=load_settings().profile != "embedded"),
)


def spool_sizes(settings: Settings) -> dict[str, int]:
    """Bytes in the event spool and in the refusals spool (0 when absent): what the sensor compares."""
    from infra.stack.audit import refused_path, spool_path
    from infra.stack.paths import StackPaths

    paths = StackPaths.of(settings)
    sizes = {}
    for name, path in (("events", spool_path(paths)), ("refused", refused_path(paths))):
        try:
            sizes[name] = path.stat().st_size
        except FileNotFoundError:
            sizes[name] = 0
    return sizes


def spool_changes(cursor: str | None, sizes: dict[str, int]) -> bool:
    """True if a spool grew (or was rotated: it shrank) since the sizes recorded in `cursor`."""
    before = json.loads(cursor) if cursor else {}
    return any(size != before.get(name, 0) for name, size in sizes.items())


def _default_status() -> dg.DefaultSensorStatus:
    # Only the stack has a receiver; in the embedded profile the sensor would find nothing, ever.
    return sensor_status(safe=load_settings().profile != "embedded")


@dg.sensor(
    name="query_log_when_spool_grows",
    target=dg.AssetSelection.assets(QUERY_LOG_KEY),
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=_default_status(),
    description="Loads governance.query_log within a minute of a query: runs when the event spool grew.",
)
def query_log_when_spool_grows(
    context: dg.SensorEvaluationContext, lakehouse: LakehouseResource
) -> dg.SensorResult | dg.SkipReason:
    settings = lakehouse.settings
    if settings.profile == "embedded":
        return dg.SkipReason("embedded profile: no query-event receiver")
    sizes = spool_sizes(settings)
    if not spool_changes(context.cursor, sizes):
        return dg.SkipReason("no new query events")
    cursor = json.dumps(sizes, sort_keys=True)
    # The run key makes a re-evaluation with the same sizes a no-op; the loader itself is idempotent.
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=f"query-log-{cursor}")], cursor=cursor)

"""Auditors' query log: Trino's query events (spooled by our receiver on the stack) into governance.query_log."""

import dagster as dg

from infra.zones import GOVERNANCE, QUERY_LOG
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

QUERY_LOG_KEY = table_key(QUERY_LOG)


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
    return dg.MaterializeResult(metadata={"rows_written": result.rows_written})


query_log_every_15_minutes = dg.ScheduleDefinition(
    name="query_log_every_15_minutes",
    target=dg.AssetSelection.assets(QUERY_LOG_KEY),
    cron_schedule="*/15 * * * *",
    execution_timezone="Asia/Shanghai",
    description="Keeps governance.query_log within 15 minutes of Trino.",
)

"""Sharing: the request store mirrored for audit, the access grants, and the measured 网上共享率.

The mirror asset runs the sharing service's sweep (`governance.sharing.service.sweep`): the same
consequences the CLI's decisions have — due expiries recorded, the mirror rewritten, Trino's rules
regenerated on the stack profile.

The KPI runs after every exchange resource, every dbt mart and the catalogue. Dagster skips a step whose
upstream failed or was blocked by a gate, which is exactly when the KPI should change; the hourly schedule
below measures again on its own, so staleness and failed gates show up without waiting for a good run.

A publication outside such a run (one asset from the UI, a sensor's run, a backfill) must move the KPI
too, or the dashboards disagree with `lakehouse report sharing`: the KPI assets carry a declarative
automation condition, evaluated by the ``kpi_after_publication`` sensor (on by default), that requests them
whenever one of their inputs was materialised by a run that did not also measure the KPI.
"""

import dagster as dg

from governance.catalogue import exchange_table
from governance.contracts import load_contracts
from governance.sharing import service
from governance.sharing.measure import measure_catalog, write_kpi
from infra.zones import (
    ACCESS_GRANTS,
    EXCHANGE,
    GOVERNANCE,
    KPI,
    SHARING_GAPS,
    SHARING_RATE,
    SHARING_REQUEST_HISTORY,
    SHARING_REQUESTS,
)
from orchestration.automation import schedule_status, sensor_status
from orchestration.defs.exchange import CATALOGUE_KEY
from orchestration.defs.marts import mart_models
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

SHARING_RATE_KEY = table_key(SHARING_RATE)
SHARING_GAPS_KEY = table_key(SHARING_GAPS)
REQUESTS_KEY = table_key(SHARING_REQUESTS)
HISTORY_KEY = table_key(SHARING_REQUEST_HISTORY)
GRANTS_KEY = table_key(ACCESS_GRANTS)


# Dagster's eager() minus "every input exists": an exchange table a gate has blocked since day one is a gap
# the KPI must count, not a reason never to measure. Still waits while an input or the KPI is running.
KPI_AFTER_PUBLICATION = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())


def _upstream_keys() -> list[dg.AssetKey]:
    resources = [table_key(EXCHANGE.table(c.name)) for c in load_contracts().values() if exchange_table(c)]
    marts = [dg.AssetKey([schema, name]) for schema, name in mart_models()]
    return sorted({CATALOGUE_KEY, GRANTS_KEY, *resources, *marts}, key=lambda k: k.to_user_string())


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            REQUESTS_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            description="共享申请: every sharing request with its current state and overdue flag.",
        ),
        dg.AssetSpec(
            HISTORY_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            description="共享申请历史: the append-only history of every request's transitions.",
        ),
        dg.AssetSpec(
            GRANTS_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            description="访问授权: department → table → columns → row filter → expiry, from live approvals.",
        ),
    ],
)
def sharing_requests_mirror(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    # The same step the CLI's decisions end with: due expiries recorded, the mirror rewritten, and on the
    # stack Trino's rules regenerated from the live grants (so they converge even if a refresh failed).
    expired, done = service.sweep(lakehouse.catalog)
    if expired:
        context.log.info(f"recorded the expiry of {len(expired)} approval(s): {', '.join(expired)}")
    if done.rules is not None:
        context.log.info(
            f"Trino access rules {'updated' if done.rules.rules_changed else 'unchanged'}: "
            f"{len(done.rules.grants)} live grant(s), {len(done.rules.rejected)} rejected"
        )
    written = done.mirrored or {}
    for table in (SHARING_REQUESTS, SHARING_REQUEST_HISTORY, ACCESS_GRANTS):
        yield dg.MaterializeResult(asset_key=table_key(table), metadata={"rows": written[table]})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SHARING_RATE_KEY,
            deps=_upstream_keys(),
            group_name=KPI.name,
            kinds={"iceberg"},
            description="网上共享率 (measured): shared-online ÷ non-exempt resources, per department and overall.",
            automation_condition=KPI_AFTER_PUBLICATION,
        ),
        dg.AssetSpec(
            SHARING_GAPS_KEY,
            deps=_upstream_keys(),
            group_name=KPI.name,
            kinds={"iceberg"},
            description="Every resource not yet shared online, with each reason (missing, stale, gate, grant).",
            automation_condition=KPI_AFTER_PUBLICATION,
        ),
    ],
)
def sharing_kpi(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    measurement = measure_catalog(lakehouse.catalog)
    rates, gaps = write_kpi(lakehouse.catalog, measurement)
    overall = measurement.overall()
    context.log.info(
        f"sharing rate {overall.sharing_rate}: {overall.shared_online}/{overall.in_scope} resources, "
        f"{len({s.dataset for s, _ in measurement.gaps()})} with gaps"
    )
    yield dg.MaterializeResult(
        asset_key=SHARING_RATE_KEY,
        metadata={
            "rows": rates,
            "sharing_rate": overall.sharing_rate if overall.sharing_rate is not None else float("nan"),
            "shared_online": overall.shared_online,
            "in_scope": overall.in_scope,
            "exempt": overall.exempt,
        },
    )
    yield dg.MaterializeResult(
        asset_key=SHARING_GAPS_KEY,
        metadata={
            "rows": gaps,
            "resources_with_gaps": dg.MetadataValue.json(
                sorted({s.resource_id for s, _ in measurement.gaps()})
            ),
        },
    )


sharing_hourly = dg.ScheduleDefinition(
    name="sharing_kpi_hourly",
    target=dg.AssetSelection.assets(
        REQUESTS_KEY, HISTORY_KEY, GRANTS_KEY, SHARING_RATE_KEY, SHARING_GAPS_KEY
    ),
    cron_schedule="20 * * * *",
    execution_timezone="Asia/Shanghai",
    description="Measure the sharing KPI and mirror the request store every hour, whatever the daily run did.",
    # Safe unattended: reads the request store and the catalogue, rewrites two small governance tables.
    default_status=schedule_status(safe=True),
)

kpi_after_publication = dg.AutomationConditionSensorDefinition(
    name="kpi_after_publication",
    target=dg.AssetSelection.assets(SHARING_RATE_KEY, SHARING_GAPS_KEY),
    # Safe unattended: the KPI only reads the catalogue and rewrites two small kpi tables.
    default_status=sensor_status(safe=True),
    minimum_interval_seconds=30,
    description="Measures the sharing KPI after any publication that did not measure it in the same run.",
)

defs = dg.Definitions(
    assets=[sharing_requests_mirror, sharing_kpi],
    schedules=[sharing_hourly],
    sensors=[kpi_after_publication],
)

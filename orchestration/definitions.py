"""All Dagster definitions: the ``defs/`` folder plus resources and the daily schedule."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from infra.dbt_manifest import ensure_manifest
from orchestration.automation import schedule_status
from orchestration.dbt_project import dbt_resource
from orchestration.resources import lakehouse_resource

everything_daily = dg.ScheduleDefinition(
    name="lakehouse_daily",
    target=dg.AssetSelection.all(),
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    description="Every source, mask, mart and publication, after the departments' nightly hand-overs.",
    # Safe unattended: every load skips what it already holds, and this run is what keeps the marts and
    # kpi.sharing_rate from going stale when no sensor fired (docs/adr/0014-…). Without a partition it
    # loads every new file of the day-partitioned datasets too.
    default_status=schedule_status(safe=True),
)


@dg.definitions
def defs() -> dg.Definitions:
    ensure_manifest()  # at load time, not import time: the dbt assets are built from the manifest
    folder = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
    return dg.Definitions.merge(
        folder,
        dg.Definitions(
            schedules=[everything_daily],
            resources={"lakehouse": lakehouse_resource(), "dbt": dbt_resource()},
            executor=dg.in_process_executor,
        ),
    )

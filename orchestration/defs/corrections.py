"""校核纠错: the correction ticket store mirrored to the governance zone for auditors.

The asset runs the corrections service's sweep (`governance.corrections.service.sweep`), the same mirror
the CLI's steps end with. Tickets do not change by themselves, but their overdue flags move with the
working-day calendar, so the schedule below rewrites the mirror every hour.
"""

import dagster as dg

from governance.corrections import service
from governance.corrections.summary import correction_summaries
from infra.zones import CORRECTION_TICKET_HISTORY, CORRECTION_TICKETS, GOVERNANCE
from orchestration.automation import schedule_status
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

TICKETS_KEY = table_key(CORRECTION_TICKETS)
HISTORY_KEY = table_key(CORRECTION_TICKET_HISTORY)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            TICKETS_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            description="校核纠错: every correction ticket with its current state and overdue flag.",
        ),
        dg.AssetSpec(
            HISTORY_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            description="校核纠错历史: the append-only history of every ticket's transitions.",
        ),
    ],
)
def correction_tickets_mirror(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    # Strict: a mirror that cannot be written fails the run, so it shows in the UI (the CLI only notes it).
    written = service.sweep(lakehouse.catalog)
    summaries = correction_summaries().values()
    still_open, overdue = sum(s.open for s in summaries), sum(s.overdue for s in summaries)
    context.log.info(
        f"{written[CORRECTION_TICKETS]} ticket(s) mirrored: {still_open} open, {overdue} overdue"
    )
    yield dg.MaterializeResult(
        asset_key=TICKETS_KEY,
        metadata={"rows": written[CORRECTION_TICKETS], "open": still_open, "overdue": overdue},
    )
    yield dg.MaterializeResult(asset_key=HISTORY_KEY, metadata={"rows": written[CORRECTION_TICKET_HISTORY]})


corrections_hourly = dg.ScheduleDefinition(
    name="correction_tickets_hourly",
    target=dg.AssetSelection.assets(TICKETS_KEY, HISTORY_KEY),
    cron_schedule="25 * * * *",
    execution_timezone="Asia/Shanghai",
    description="Mirror the correction tickets every hour, so overdue flags follow the working-day calendar.",
    default_status=schedule_status(safe=True),  # reads the store, rewrites the mirror: nothing else
)

defs = dg.Definitions(assets=[correction_tickets_mirror], schedules=[corrections_hourly])

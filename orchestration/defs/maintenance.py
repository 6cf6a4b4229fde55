"""Weekly table maintenance: the same function `lakehouse maintain` runs, as a job with a report."""

import dagster as dg

from infra.iceberg.maintain_all import maintain_tables, maintenance_policy
from orchestration.automation import schedule_status
from orchestration.pools import MAINTENANCE_POOL
from orchestration.resources import LakehouseResource


@dg.op(
    description="Compact small files, expire snapshots past retention, sweep orphan files; every table.",
    pool=MAINTENANCE_POOL,
)
def maintain_all_tables(context: dg.OpExecutionContext, lakehouse: LakehouseResource) -> None:
    results = maintain_tables(
        lakehouse.catalog, (), maintenance_policy(), dry_run=False, progress=context.log.info
    )
    context.add_output_metadata(
        {
            "tables": len(results),
            "report": dg.MetadataValue.md(_markdown([r.summary() for r in results])),
        }
    )


def _markdown(rows: list[dict]) -> str:
    columns = ["table", "snapshots", "data_files", "files", "bytes", "compacted", "expired", "orphans"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


@dg.job(description="Table maintenance (snapshots, small files, orphans), embedded profile.")
def table_maintenance() -> None:
    maintain_all_tables()


weekly_maintenance = dg.ScheduleDefinition(
    name="table_maintenance_weekly",
    job=table_maintenance,
    cron_schedule="0 4 * * 0",
    execution_timezone="Asia/Shanghai",
    # Safe to run unattended: nothing a live snapshot or a running load needs is touched.
    default_status=schedule_status(safe=True),
)

defs = dg.Definitions(jobs=[table_maintenance], schedules=[weekly_maintenance])

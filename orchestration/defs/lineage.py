"""Lineage as data: after dbt has built (and so compiled) every model, record the run's column lineage.

Edges come from the contracts (source field → raw → staging → exchange) and dbt's compiled SQL (staging →
marts); the asset writes them to governance.lineage_edges / lineage_runs under this Dagster run's id.
When a run ends, its OpenLineage events (START / COMPLETE / FAIL per asset) are emitted: by the sensors
below when the daemon runs, by ``materialize_all`` for in-process runs (``orchestration.lineage_events``).
"""

import dagster as dg

from governance.lineage import extract, record_lineage
from governance.lineage.model import EDGES_SCHEMA, RUNS_SCHEMA
from infra.catalog import open_catalog
from infra.dbt_manifest import load_manifest
from infra.settings import load_settings
from infra.zones import GOVERNANCE, LINEAGE_EDGES, LINEAGE_RUNS
from ingest.connectors import source_field_names
from orchestration.asset_metadata import described, governance_metadata, zone_tags
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

LINEAGE_EDGES_KEY = table_key(LINEAGE_EDGES)
LINEAGE_RUNS_KEY = table_key(LINEAGE_RUNS)


def _dbt_keys() -> list[dg.AssetKey]:
    """Every dbt model's asset (the key scheme of orchestration.defs.marts.LakehouseTranslator)."""
    return sorted(dg.AssetKey(["dbt", m.schema, m.name]) for m in load_manifest().models.values())


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            LINEAGE_EDGES_KEY,
            deps=_dbt_keys(),
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            tags=zone_tags("governance"),
            description=described(
                "governance", "血缘: column-level lineage edges (source → raw → staging → marts / exchange)."
            ),
            metadata=governance_metadata(LINEAGE_EDGES, EDGES_SCHEMA),
        ),
        dg.AssetSpec(
            LINEAGE_RUNS_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            tags=zone_tags("governance"),
            description=described(
                "governance",
                "血缘记录: one row per lineage recording (code version, edges, untraced columns).",
            ),
            metadata=governance_metadata(LINEAGE_RUNS, RUNS_SCHEMA),
        ),
    ],
)
def lineage(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    scratch = lakehouse.settings.home / "lineage" / "dbt-target"
    extraction = extract(source_field_names, scratch=scratch)
    run = record_lineage(lakehouse.catalog, context.run.run_id, extraction)
    if extraction.unresolved:
        context.log.warning(f"columns sqlglot could not trace: {', '.join(extraction.unresolved)}")
    yield dg.MaterializeResult(
        asset_key=LINEAGE_EDGES_KEY,
        metadata={"edges": run.edges, "models": run.models, "code_version": run.code_version},
    )
    yield dg.MaterializeResult(
        asset_key=LINEAGE_RUNS_KEY,
        metadata={"recorded_at (China time)": str(run.recorded_at), "duration_ms": run.duration_ms},
    )


def _emit(context: dg.RunStatusSensorContext) -> None:
    # The OpenLineage client loads in a tenth of a second: only when a sensor emits, not with the definitions.
    from orchestration.lineage_events import emit_run

    settings = load_settings()
    emitted = emit_run(context.instance, context.dagster_run.run_id, open_catalog(settings), settings.home)
    context.log.info(f"OpenLineage: {emitted} events for run {context.dagster_run.run_id}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="OpenLineage START/COMPLETE events of every asset of a successful run.",
)
def openlineage_on_success(context: dg.RunStatusSensorContext) -> None:
    _emit(context)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="OpenLineage events of a failed run: COMPLETE for what was built, FAIL for the failed steps.",
)
def openlineage_on_failure(context: dg.RunFailureSensorContext) -> None:
    _emit(context)


defs = dg.Definitions(assets=[lineage], sensors=[openlineage_on_success, openlineage_on_failure])

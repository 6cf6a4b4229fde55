"""Lineage as data: after dbt has built (and so compiled) every model, record the run's column lineage.

Edges come from the contracts (source field → raw → staging → exchange) and dbt's compiled SQL (staging →
marts); the asset writes them to governance.lineage_edges / lineage_runs under this Dagster run's id.
"""

import dagster as dg

from governance.lineage import extract, record_lineage
from infra.dbt_manifest import load_manifest
from infra.zones import GOVERNANCE, LINEAGE_EDGES, LINEAGE_RUNS
from ingest.connectors import source_field_names
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
            description="血缘: column-level lineage edges (source → raw → staging → marts / exchange).",
        ),
        dg.AssetSpec(
            LINEAGE_RUNS_KEY,
            group_name=GOVERNANCE.name,
            kinds={"iceberg"},
            description="血缘记录: one row per lineage recording (code version, edges, untraced columns).",
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


defs = dg.Definitions(assets=[lineage])

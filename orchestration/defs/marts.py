"""dbt: staging views and the exchange / kpi marts (built in DuckDB), then published to Iceberg."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from governance.publish import publish_mart
from infra.dbt_manifest import load_manifest
from orchestration.dbt_project import DBT_PROJECT
from orchestration.resources import LakehouseResource


class LakehouseTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # dbt sources are the Iceberg tables our own assets write.
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey(["dbt", dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "dbt_" + dbt_resource_props["schema"]


def mart_models() -> list[tuple[str, str]]:
    """(zone, name) of every mart published to a shared zone, from the dbt manifest."""
    return [(m.schema, m.name) for m in load_manifest().marts()]


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=LakehouseTranslator()
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


def _publish_asset(schema: str, name: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey([schema, name]),
        deps=[dg.AssetKey(["dbt", schema, name])],
        group_name=schema,
        kinds={"iceberg"},
        description=f"dbt mart {schema}.{name} published to the Iceberg {schema} zone.",
    )
    def published(lakehouse: LakehouseResource) -> dg.MaterializeResult:
        rows = publish_mart(lakehouse.settings.duckdb_path, schema, name, lakehouse.catalog)
        return dg.MaterializeResult(metadata={"rows": rows})

    return published


defs = dg.Definitions(assets=[dbt_models, *(_publish_asset(s, n) for s, n in mart_models())])

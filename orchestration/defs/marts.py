"""dbt: staging views and the exchange / kpi marts (built in DuckDB on the embedded profile, by Trino on the
stack and cluster: docs/adr/0016-…), then, after their gates, published to the Iceberg zone of the same name."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from governance.contracts import load_contracts
from governance.publish import publish_built_mart
from infra.dbt_manifest import DbtModel, load_manifest
from infra.dbt_trino import dbt_environment_set
from orchestration import dbt_state
from orchestration.asset_metadata import (
    ZONE_KINDS,
    dbt_model_metadata,
    described,
    published_mart_metadata,
    zone_tags,
)
from orchestration.dbt_project import DBT_PROJECT, home_target, keep_partial_parse, prune_builds
from orchestration.gate_summary import gates_check_spec, gates_result
from orchestration.pools import DBT_POOL, table_pool
from orchestration.resources import LakehouseResource
from orchestration.unchanged import (
    code_version,
    data_version_of,
    decide,
    latest_data_version,
    latest_metadata,
    previous_materialization,
    snapshots,
    state_metadata,
    unchanged_result,
)


def dbt_key(model: DbtModel) -> dg.AssetKey:
    return dg.AssetKey(["dbt", model.schema, model.name])


def _zone(dbt_resource_props: Mapping[str, Any]) -> str:
    """The zone of a model (its configured schema): on Trino dbt builds every model in the build schema."""
    return str((dbt_resource_props.get("config") or {}).get("schema") or dbt_resource_props["schema"])


class LakehouseTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # dbt sources are the Iceberg tables our own assets write.
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey(["dbt", _zone(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "dbt_" + _zone(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return described("dbt", super().get_description(dbt_resource_props))

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        # dagster-dbt's own column schema is replaced by ours: the same yml, plus the column lineage.
        found = dict(super().get_metadata(dbt_resource_props))
        model = load_manifest().models.get(dbt_resource_props["unique_id"])
        return found if model is None else {**found, **dbt_model_metadata(model)}


def mart_models() -> list[tuple[str, str]]:
    """(zone, name) of every mart published to a shared zone, from the dbt manifest."""
    return [(m.schema, m.name) for m in load_manifest().marts()]


def _with_table_metadata(context: dg.AssetExecutionContext, events: Iterator[Any]) -> Iterator[Any]:
    """dbt's events, each model's output carrying its column schema and lineage as the definition does."""
    by_key = {dbt_key(m): dbt_model_metadata(m) for m in load_manifest().models.values()}
    for event in events:
        if isinstance(event, dg.Output):
            extra = by_key.get(context.asset_key_for_output(event.output_name))
            if extra:
                event = event.with_metadata({**event.metadata, **extra})
        yield event


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=LakehouseTranslator(),
    pool=DBT_POOL,  # one dbt build at a time: one DuckDB file on the embedded profile (ADR 0018)
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource):
    plan = dbt_state.plan(context)  # nothing changed since the last build: dbt does not start (ADR 0017)
    if plan.skip:
        yield from plan.unchanged(context)
        return
    # The profile picks dbt's target (DuckDB embedded, Trino on the stack) and its connection (ADR 0016);
    # the build writes under the home, starting from the home's last parse (ADR 0022).
    with dbt_environment_set(lakehouse.settings), home_target(lakehouse.settings.home) as target:
        invocation = dbt.cli(["build"], context=context)
        try:
            events = invocation.stream()
            yield from plan.versioned(context, _with_table_metadata(context, events))
        finally:
            # A build that failed a test or a model parsed the project all the same; one still running
            # (the op interrupted) may be writing its state.
            if invocation.process.poll() is not None:
                keep_partial_parse(invocation.target_path, target)
                prune_builds(target)


def _path_tables(model: DbtModel) -> tuple[list[str], list[str]]:
    """The tables whose gates guard a mart (the raw tables of the datasets it reads, and itself) and those
    datasets, from dbt's own depends_on."""
    contracts = load_contracts()
    datasets = [d for d in load_manifest().upstream_datasets(model) if d in contracts]
    return [contracts[d].raw_table for d in datasets] + [str(model.table)], datasets


def _publish_asset(model: DbtModel) -> dg.AssetsDefinition:
    schema, name = model.schema, model.name
    key = dg.AssetKey([schema, name])
    upstream = dbt_key(model)
    target = f"{schema}.{name}"
    table = published_mart_metadata(model)
    quality_tables, datasets = _path_tables(model)
    code = code_version(__file__)

    @dg.asset(
        key=key,
        pool=table_pool(key),  # one writer of the table at a time (ADR 0018)
        deps=[upstream],
        group_name=schema,
        kinds={"iceberg", ZONE_KINDS[schema]},
        tags=zone_tags(schema),
        description=described(schema, f"dbt mart {schema}.{name} published to the Iceberg {schema} zone."),
        metadata=table,
        code_version=code,
        check_specs=[gates_check_spec(key)],
    )
    def published(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        # Skip what did not change (ADR 0017): the mart's data version (what dbt built it from) and this
        # code are the same, and the shared table still holds what the last publication wrote.
        inputs = {upstream.to_user_string(): latest_data_version(context.instance, upstream)}
        previous, version = previous_materialization(context, key)
        decision = decide(previous, code, inputs, snapshots(lakehouse.catalog, [target]))
        if decision.skip and previous is not None:
            context.log.info(f"{target}: {decision.note}; publication skipped")
            state = state_metadata(code, inputs, previous.outputs)
            yield unchanged_result(decision, latest_metadata(context, key), state, version)
        else:
            rows = publish_built_mart(
                lakehouse.settings, lakehouse.catalog, schema, name, model.config.get("properties")
            )
            outputs = snapshots(lakehouse.catalog, [target])
            yield dg.MaterializeResult(
                metadata={"rows": rows, **table, **state_metadata(code, inputs, outputs)},
                data_version=data_version_of(outputs),
            )
        # The gates on the path are read again either way: a gate that turned red since shows here.
        yield gates_result(key, lakehouse.catalog, quality_tables, datasets)

    return published


defs = dg.Definitions(assets=[dbt_models, *(_publish_asset(m) for m in load_manifest().marts())])

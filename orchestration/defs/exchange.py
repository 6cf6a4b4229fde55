"""Exchange zone: every shareable resource published from its masked staging copy, plus the catalogue."""

from datetime import date

import dagster as dg

from governance.catalogue import CATALOGUE_SCHEMA, exchange_table
from governance.contracts import DatasetContract, load_contracts
from governance.incremental import NotIncremental, exchange_blockers, full
from governance.publish import publish_appended, publish_catalogue, publish_resource
from governance.staging import staging_table
from infra.zones import EXCHANGE, GOVERNANCE, RESOURCE_CATALOGUE
from orchestration.asset_metadata import (
    EXCHANGE_GROUP,
    ZONE_KINDS,
    described,
    exchange_metadata,
    governance_metadata,
    zone_tags,
)
from orchestration.defs.masking import staging_asset_key
from orchestration.gate_summary import gates_check_spec, gates_result
from orchestration.increment import increment_plan
from orchestration.keys import table_key
from orchestration.pools import table_pool
from orchestration.resources import LakehouseResource
from orchestration.unchanged import (
    MINORS_YEAR_INPUT,
    code_version,
    data_version_of,
    decide,
    latest_metadata,
    previous_materialization,
    snapshots,
    state_metadata,
    unchanged_result,
)

CATALOGUE_KEY = table_key(RESOURCE_CATALOGUE)


def _resource_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    key = table_key(EXCHANGE.table(contract.name))
    table = exchange_metadata(contract)
    code = code_version(contract.path, __file__)
    target = EXCHANGE.table(contract.name)

    @dg.asset(
        key=key,
        pool=table_pool(key),  # one writer of the table at a time (ADR 0018)
        deps=[staging_asset_key(contract)],
        group_name=EXCHANGE_GROUP,
        kinds={"iceberg", ZONE_KINDS["exchange"]},
        tags=zone_tags("exchange", contract.domain),
        description=described(
            "exchange", f"共享资源 {contract.title} ({contract.sharing_type}), served to other departments."
        ),
        metadata=table,
        code_version=code,
        check_specs=[gates_check_spec(key)],
    )
    def resource(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        # Skip what did not change (ADR 0017): the same staging snapshot and code, minors counted in the same
        # year, and the exchange table still holds what the last run published.
        today = date.today()
        inputs = {
            **snapshots(lakehouse.catalog, [staging_table(contract)]),
            MINORS_YEAR_INPUT: str(today.year),
        }
        previous, version = previous_materialization(context, key)
        written = snapshots(lakehouse.catalog, [target])
        decision = decide(previous, code, inputs, written)
        if decision.skip:
            context.log.info(f"{target}: {decision.note}; release check and publication skipped")
            state = state_metadata(code, inputs, previous.outputs if previous else {})
            yield unchanged_result(decision, latest_metadata(context, key), state, version)
            # The gates on the path are read again: a gate that turned red since shows here.
            yield gates_result(key, lakehouse.catalog, [contract.raw_table], [contract.name])
            return
        # Only appends to staging since the last publication (ADR 0019): release only the new rows, after
        # judging k and l of the whole table that results.
        source = staging_table(contract)
        plan = increment_plan(
            lakehouse.catalog, source, code, inputs, written, previous, exchange_blockers(contract)
        )
        published = None
        if plan.incremental:
            try:
                published = publish_appended(contract, lakehouse.catalog, plan, today)
            except NotIncremental as reason:
                plan = full(str(reason))
        if published is None:
            read = inputs[source]
            published = publish_resource(contract, lakehouse.catalog, today, int(read) if read else None)
        assert published is not None
        context.log.info(f"{target}: {plan.metadata()['mode']} ({plan.reason})")
        release = published.release
        outputs = snapshots(lakehouse.catalog, [target])
        yield dg.MaterializeResult(
            metadata={
                "table": published.table,
                "rows": published.rows,
                "rows_appended": published.rows_appended if published.rows_appended is not None else "—",
                **plan.metadata(),
                "quasi_identifiers": ", ".join(release.quasi_identifiers) or "—",
                "k": release.k if release.k is not None else "—",
                "l": release.l if release.l is not None else "—",
                "rows_suppressed": release.rows_suppressed,
                "minors_withheld": release.minors_withheld,
                **table,
                **state_metadata(code, inputs, outputs),
            },
            data_version=data_version_of(outputs),
        )
        # After the write: the gates that let it through, as the dossier will show them.
        yield gates_result(key, lakehouse.catalog, [contract.raw_table], [contract.name], release)

    return resource


@dg.asset(
    key=CATALOGUE_KEY,
    group_name=GOVERNANCE.name,
    kinds={"iceberg"},
    tags=zone_tags("governance"),
    description=described(
        "governance",
        "信息资源目录: source resources from the contracts, marts derived from their inputs (ADR 0013).",
    ),
    metadata=governance_metadata(RESOURCE_CATALOGUE, CATALOGUE_SCHEMA),
)
def resource_catalogue(lakehouse: LakehouseResource) -> dg.MaterializeResult:
    contracts = load_contracts()
    rows = publish_catalogue(contracts, lakehouse.catalog)
    # The sharing KPI counts source resources only (ADR 0013); the entries say how many of each there are.
    return dg.MaterializeResult(
        metadata={"entries": rows, "source_resources": len(contracts), "marts": rows - len(contracts)}
    )


defs = dg.Definitions(
    assets=[
        resource_catalogue,
        *(_resource_asset(c) for c in load_contracts().values() if exchange_table(c) is not None),
    ]
)

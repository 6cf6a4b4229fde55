"""Exchange zone: every shareable resource published from its masked staging copy, plus the catalogue."""

import dagster as dg

from governance.catalogue import CATALOGUE_SCHEMA, exchange_table
from governance.contracts import DatasetContract, load_contracts
from governance.publish import publish_catalogue, publish_resource
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
from orchestration.keys import table_key
from orchestration.pools import table_pool
from orchestration.resources import LakehouseResource

CATALOGUE_KEY = table_key(RESOURCE_CATALOGUE)


def _resource_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    key = table_key(EXCHANGE.table(contract.name))
    table = exchange_metadata(contract)

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
        check_specs=[gates_check_spec(key)],
    )
    def resource(lakehouse: LakehouseResource):
        published = publish_resource(contract, lakehouse.catalog)
        assert published is not None
        release = published.release
        yield dg.MaterializeResult(
            metadata={
                "table": published.table,
                "rows": published.rows,
                "quasi_identifiers": ", ".join(release.quasi_identifiers) or "—",
                "k": release.k if release.k is not None else "—",
                "l": release.l if release.l is not None else "—",
                "rows_suppressed": release.rows_suppressed,
                "minors_withheld": release.minors_withheld,
                **table,
            }
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

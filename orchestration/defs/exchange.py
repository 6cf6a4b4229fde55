"""Exchange zone: every shareable resource published from its masked staging copy, plus the catalogue."""

import dagster as dg

from governance.catalogue import exchange_table
from governance.contracts import DatasetContract, load_contracts
from governance.publish import publish_catalogue, publish_resource
from infra.zones import EXCHANGE, GOVERNANCE, RESOURCE_CATALOGUE
from orchestration.defs.masking import staging_asset_key
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

CATALOGUE_KEY = table_key(RESOURCE_CATALOGUE)


def _resource_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    @dg.asset(
        key=table_key(EXCHANGE.table(contract.name)),
        deps=[staging_asset_key(contract)],
        group_name=contract.domain,
        kinds={"iceberg"},
        description=f"共享资源 {contract.title} ({contract.sharing_type}), served to other departments.",
    )
    def resource(lakehouse: LakehouseResource) -> dg.MaterializeResult:
        published = publish_resource(contract, lakehouse.catalog)
        assert published is not None
        release = published.release
        return dg.MaterializeResult(
            metadata={
                "table": published.table,
                "rows": published.rows,
                "quasi_identifiers": ", ".join(release.quasi_identifiers) or "—",
                "k": release.k if release.k is not None else "—",
                "l": release.l if release.l is not None else "—",
                "rows_suppressed": release.rows_suppressed,
                "minors_withheld": release.minors_withheld,
            }
        )

    return resource


@dg.asset(
    key=CATALOGUE_KEY,
    group_name=GOVERNANCE.name,
    kinds={"iceberg"},
    description="信息资源目录, from the contracts.",
)
def resource_catalogue(lakehouse: LakehouseResource) -> dg.MaterializeResult:
    rows = publish_catalogue(load_contracts(), lakehouse.catalog)
    return dg.MaterializeResult(metadata={"resources": rows})


defs = dg.Definitions(
    assets=[
        resource_catalogue,
        *(_resource_asset(c) for c in load_contracts().values() if exchange_table(c) is not None),
    ]
)

"""Raw zone: one asset per dataset contract, loading its department system's hand-over into Iceberg."""

import dagster as dg

from governance.contracts import DatasetContract, load_contracts
from ingest.load import load_dataset
from orchestration.asset_metadata import ZONE_KINDS, described, raw_metadata, zone_tags
from orchestration.resources import LakehouseResource


def raw_asset_key(contract: DatasetContract) -> dg.AssetKey:
    return dg.AssetKey([contract.raw_namespace, contract.name])


def _raw_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    table = raw_metadata(contract)

    @dg.asset(
        key=raw_asset_key(contract),
        # The group is the Iceberg namespace (raw_<domain>): raw copies never share a group with staging.
        group_name=contract.raw_namespace,
        kinds={"iceberg", contract.source.format, ZONE_KINDS["raw"]},
        tags=zone_tags("raw", contract.domain),
        description=described("raw", f"{contract.title}: {contract.purpose}"),
        metadata={
            "contract": str(contract.path.name),
            "provider_department": contract.provider_department,
            **table,
        },
        owners=[f"team:{contract.provider_department}"],
    )
    def raw_table(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
        result = load_dataset(
            contract, lakehouse.settings.sources_dir, lakehouse.catalog, progress=context.log.info
        )
        if not result.balanced:
            raise dg.Failure(f"{contract.id}: rows do not balance: {result.as_dict()}")
        return dg.MaterializeResult(
            metadata={
                "status": result.status,
                "rows_in": result.rows_in,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "rows_duplicate": result.rows_duplicate,
                "snapshot_id": result.snapshot_id or -1,
                "units": ", ".join(result.units)[:500] or "(nothing new)",
                **table,
            }
        )

    return raw_table


defs = dg.Definitions(assets=[_raw_asset(c) for c in load_contracts().values()])

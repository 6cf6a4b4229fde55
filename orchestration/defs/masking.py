"""Staging zone: each raw table masked as its contract says, before anything can be shared."""

import dagster as dg

from governance.contracts import DatasetContract, load_contracts
from governance.masking.keys import load_pseudonym_key
from governance.publish import stage_dataset
from orchestration.defs.sources import raw_asset_key
from orchestration.resources import LakehouseResource


def staging_asset_key(contract: DatasetContract) -> dg.AssetKey:
    return dg.AssetKey(["staging", contract.name])


def _staging_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    @dg.asset(
        key=staging_asset_key(contract),
        deps=[raw_asset_key(contract)],
        group_name=contract.domain,
        kinds={"iceberg", "presidio"},
        description=f"{contract.title}, masked per contract (no unmasked personal data from here on).",
    )
    def staged(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
        masked = stage_dataset(contract, lakehouse.catalog, load_pseudonym_key())
        masked_columns = {m.column: f"{m.policy} ({m.values_masked})" for m in masked.report}
        context.log.info(f"{contract.name}: masked {masked_columns}")
        return dg.MaterializeResult(
            metadata={"rows": masked.table.num_rows, "masked_columns": dg.MetadataValue.json(masked_columns)}
        )

    return staged


defs = dg.Definitions(assets=[_staging_asset(c) for c in load_contracts().values()])

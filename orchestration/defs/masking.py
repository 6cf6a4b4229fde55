"""Staging zone: each raw table masked as its contract says, then the privacy gate decides whether anything
may be published from it (a blocking check: exchange resources and dbt marts wait for it)."""

import dagster as dg

from governance.contracts import DatasetContract, load_contracts
from governance.masking.keys import load_pseudonym_key
from governance.publish import stage_dataset
from infra.zones import STAGING
from orchestration.defs.sources import raw_asset_key
from orchestration.keys import table_key
from orchestration.resources import LakehouseResource

PRIVACY_GATE = "privacy_gate"


def staging_asset_key(contract: DatasetContract) -> dg.AssetKey:
    return table_key(STAGING.table(contract.name))


def _staging_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    key = staging_asset_key(contract)

    @dg.asset(
        key=key,
        deps=[raw_asset_key(contract)],
        group_name=contract.domain,
        kinds={"iceberg", "presidio"},
        description=f"{contract.title}, masked per contract (no unmasked personal data from here on).",
        check_specs=[
            dg.AssetCheckSpec(
                PRIVACY_GATE,
                asset=key,
                blocking=True,
                description="No undeclared personal data in the raw table; no unmasked personal data after masking.",
            )
        ],
    )
    def staged(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        outcome = stage_dataset(contract, lakehouse.catalog, load_pseudonym_key(), context.run_id)
        masked = outcome.masked
        yield dg.MaterializeResult(
            metadata={
                "rows": masked.table.num_rows,
                "masked_columns": dg.MetadataValue.json(
                    {
                        m.column: {"policy": m.policy, "values": m.values_masked, "found": m.findings}
                        for m in masked.report
                    }
                ),
            }
        )
        gate = outcome.gate
        yield dg.AssetCheckResult(
            check_name=PRIVACY_GATE,
            passed=gate.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=gate.describe(),
            metadata={
                "undeclared_columns": [c.column for c in gate.undeclared],
                "leaks": dg.MetadataValue.json(
                    [
                        {
                            "column": f.column,
                            "class": f.pii_class,
                            "count": f.count,
                            "example": f.example_masked,
                        }
                        for f in gate.leaks
                    ]
                ),
            },
        )

    return staged


defs = dg.Definitions(assets=[_staging_asset(c) for c in load_contracts().values()])

"""Staging zone: each raw table masked as its contract says, then the privacy gate decides whether anything
may be published from it (a blocking check: exchange resources and dbt marts wait for it). The gate includes
the re-identification check of the exchange table that would be built from it (governance.anonymity)."""

import dagster as dg
from pyiceberg.catalog import Catalog

from governance.anonymity import Release
from governance.contracts import DatasetContract, load_contracts
from governance.incremental import NotIncremental, full, staging_blockers
from governance.masking.keys import load_pseudonym_key
from governance.publish import stage_appended, stage_dataset
from infra.zones import STAGING
from orchestration.asset_metadata import STAGING_GROUP, ZONE_KINDS, described, staging_metadata, zone_tags
from orchestration.defs.sources import raw_asset_key
from orchestration.increment import increment_plan
from orchestration.keys import table_key
from orchestration.pools import table_pool
from orchestration.resources import LakehouseResource
from orchestration.unchanged import (
    PSEUDONYM_KEY_INPUT,
    carried_check_result,
    carries,
    code_version,
    data_version_of,
    decide,
    key_digest,
    last_check,
    latest_metadata,
    previous_materialization,
    snapshots,
    state_metadata,
    unchanged_result,
)

PRIVACY_GATE = "privacy_gate"


def staging_asset_key(contract: DatasetContract) -> dg.AssetKey:
    return table_key(STAGING.table(contract.name))


def _release_metadata(release: Release | None) -> dict:
    """The exchange table's re-identification figures: names and counts only."""
    if release is None:
        return {"exchange_table": None}
    return {
        "exchange_table": f"exchange.{release.dataset}",
        "quasi_identifiers": list(release.quasi_identifiers),
        "k": release.k,
        "k_required": release.k_required,
        "l": release.l,
        "l_required": release.l_required,
        "on_failure": release.on_failure,
        "sensitive": {s.column: {"category": s.category, "release": s.release} for s in release.sensitive},
        "rows_suppressed": release.rows_suppressed,
        "minors_withheld": release.minors_withheld,
        "passed": release.passed,
    }


def total_rows(catalog: Catalog, identifier: str, fallback: int) -> int:
    """The rows the table's current snapshot holds (its summary), or ``fallback`` if it does not say."""
    snapshot = catalog.load_table(identifier).current_snapshot()
    total = snapshot.summary.get("total-records") if snapshot and snapshot.summary else None
    return int(total) if total is not None else fallback


def _staging_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    key = staging_asset_key(contract)
    table = staging_metadata(contract)
    code = code_version(contract.path, __file__)
    target = STAGING.table(contract.name)

    @dg.asset(
        key=key,
        pool=table_pool(key),  # one writer of the table at a time (ADR 0018)
        deps=[raw_asset_key(contract)],
        group_name=STAGING_GROUP,
        kinds={"iceberg", "presidio", ZONE_KINDS["staging"]},
        tags=zone_tags("staging", contract.domain),
        description=described(
            "staging", f"{contract.title}, masked per contract (no unmasked personal data from here on)."
        ),
        metadata=table,
        code_version=code,
        check_specs=[
            dg.AssetCheckSpec(
                PRIVACY_GATE,
                asset=key,
                blocking=True,
                description=(
                    "No undeclared personal data in the raw table; no unmasked personal data after masking; "
                    "the exchange table built from it meets its k-anonymity and l-diversity."
                ),
            )
        ],
    )
    def staged(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        pseudonym_key = load_pseudonym_key()
        # Skip what did not change (ADR 0017): the same raw snapshot, code and key, and staging still holds
        # what the last run wrote; the privacy gate's last result is then reported again, as it was.
        inputs = {
            **snapshots(lakehouse.catalog, [contract.raw_table]),
            PSEUDONYM_KEY_INPUT: key_digest(pseudonym_key),
        }
        previous, version = previous_materialization(context, key)
        written = snapshots(lakehouse.catalog, [target])
        decision = decide(previous, code, inputs, written)
        gate_key = dg.AssetCheckKey(key, PRIVACY_GATE)
        last = last_check(context.instance, gate_key) if previous is not None else None
        if decision.skip and carries(last, code, inputs):
            state = state_metadata(code, inputs, previous.outputs if previous else {})
            context.log.info(f"{target}: {decision.note}; masking, privacy gate and write skipped")
            yield unchanged_result(decision, latest_metadata(context, key), state, version)
            yield carried_check_result(last, decision, state, key, PRIVACY_GATE)
            return
        # Only appends to raw since the last run (ADR 0019): mask and gate only the new rows.
        plan = increment_plan(
            lakehouse.catalog,
            contract.raw_table,
            code,
            inputs,
            written,
            previous,
            staging_blockers(contract),
            last,
            gated=True,
        )
        outcome = None
        if plan.incremental:
            try:
                outcome = stage_appended(contract, lakehouse.catalog, pseudonym_key, context.run.run_id, plan)
            except NotIncremental as reason:
                plan = full(str(reason))
        if outcome is None:
            read = inputs[contract.raw_table]
            outcome = stage_dataset(
                contract, lakehouse.catalog, pseudonym_key, context.run.run_id, int(read) if read else None
            )
        context.log.info(f"{target}: {plan.metadata()['mode']} ({plan.reason})")
        outputs = snapshots(lakehouse.catalog, [target])
        state = state_metadata(code, inputs, outputs)
        masked = outcome.masked
        yield dg.MaterializeResult(
            metadata={
                "rows": total_rows(lakehouse.catalog, target, masked.table.num_rows),
                "rows_appended": outcome.rows_appended if outcome.rows_appended is not None else "—",
                **plan.metadata(),
                "masked_columns": dg.MetadataValue.json(
                    {
                        m.column: {"policy": m.policy, "values": m.values_masked, "found": m.findings}
                        for m in masked.report
                    }
                ),
                **table,
                **state,
            },
            data_version=data_version_of(outputs),
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
                "reidentification": dg.MetadataValue.json(_release_metadata(gate.release)),
                **state,
            },
        )

    return staged


defs = dg.Definitions(assets=[_staging_asset(c) for c in load_contracts().values()])

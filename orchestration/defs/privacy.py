"""Leak gate on the dbt marts: a mart may be published to Iceberg only if a scan finds no personal data.

Every scan is also recorded in ``governance.mart_leak_scans`` (run, time, table, counts per class; never a
value) so that the masking report shows it after the Dagster run is gone.
"""

import dagster as dg

from governance.leak_scans import record_scans, scan_mart
from governance.publish import read_mart
from infra.zones import TableName
from orchestration.defs.marts import mart_models
from orchestration.resources import LakehouseResource
from orchestration.unchanged import code_version, mart_check


def _leak_check(schema: str, name: str) -> dg.AssetChecksDefinition:
    target = TableName(schema, name)
    code = code_version(__file__)

    @dg.asset_check(
        asset=dg.AssetKey(["dbt", schema, name]),
        name="no_personal_data",
        blocking=True,
        description=f"{target} holds no personal data (all rows of text columns, a sample of the rest).",
    )
    def leak_check(
        context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource
    ) -> dg.AssetCheckResult:
        state, carried = mart_check(context, dg.AssetKey(["dbt", schema, name]), "no_personal_data", code)
        if carried is not None:  # the same mart (data version) as last scanned: that result stands (ADR 0017)
            return carried
        # Identifiers from dbt's manifest (mart_models), not from input. On Trino: the build schema's table,
        # which no department reads; it reaches exchange / kpi only after this check (ADR 0016).
        table = read_mart(lakehouse.settings, lakehouse.catalog, schema, name)
        scan = scan_mart(target, table)
        record_scans(lakehouse.catalog, context.run.run_id, [scan])
        return dg.AssetCheckResult(
            passed=scan.passed,
            description=scan.describe(),  # counts and column names only: no example, masked or not
            metadata={
                "table": str(target),
                "rows_scanned": scan.rows_scanned,
                "columns_scanned": scan.columns_scanned,
                "findings": scan.findings,
                "findings_by_class": dg.MetadataValue.json(scan.by_class),
                **state,
            },
        )

    return leak_check


defs = dg.Definitions(asset_checks=[_leak_check(schema, name) for schema, name in mart_models()])

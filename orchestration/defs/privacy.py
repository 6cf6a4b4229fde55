"""Leak gate on the dbt marts: a mart may be published to Iceberg only if a scan finds no personal data."""

import dagster as dg
import duckdb

from governance.privacy_scan import scan_table
from orchestration.defs.marts import mart_models
from orchestration.resources import LakehouseResource


def _leak_check(schema: str, name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["dbt", schema, name]),
        name="no_personal_data",
        blocking=True,
        description=f"{schema}.{name} holds no personal data (all rows of text columns, a sample of the rest).",
    )
    def leak_check(lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        with duckdb.connect(str(lakehouse.settings.duckdb_path), read_only=True) as connection:
            table = connection.table(f"{schema}.{name}").to_arrow_table()
        findings = scan_table(table, sample_rows=5000)
        return dg.AssetCheckResult(
            passed=not findings,
            description="; ".join(
                f"{schema}.{name}.{f.column}: {f.count} {f.pii_class} value(s), e.g. {f.example_masked}"
                for f in findings
            )
            or f"no personal data in {table.num_rows} rows",
            metadata={"rows_scanned": table.num_rows, "findings": len(findings)},
        )

    return leak_check


defs = dg.Definitions(asset_checks=[_leak_check(schema, name) for schema, name in mart_models()])

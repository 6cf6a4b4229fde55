"""Column schema, column lineage and dossier links of table assets, from the real contracts and dbt project."""

from pathlib import Path

import dagster as dg
import pytest

from governance.column_docs import column_docs
from governance.contracts import load_contracts
from infra.dbt_manifest import load_manifest
from ingest.connectors import source_field_names
from orchestration.asset_metadata import (
    column_lineage,
    dbt_schema,
    described,
    dossier_metadata,
    exchange_schema,
    project_lineage,
    raw_schema,
    staging_schema,
)
from orchestration.gate_summary import GATES_CHECK, gates_result


def _columns(schema: dg.TableSchema) -> dict[str, dg.TableColumn]:
    return {c.name: c for c in schema.columns}


def test_raw_columns_carry_business_name_description_and_source_field():
    contract = load_contracts()["parking_sessions"]
    columns = _columns(raw_schema(contract))
    assert list(columns) == [c.name for c in contract.source_columns]
    fields = source_field_names(contract)
    for column in contract.source_columns:
        shown = columns[column.name]
        assert shown.description.startswith(column.label)
        assert shown.tags["source_field"] == fields[column.name]
    assert columns["plate"].tags["source_field"] == "plateNo"  # the system's own name, not ours


def test_staging_shows_the_masking_policy_drops_dropped_and_adds_derived_columns():
    contract = load_contracts()["resident_health_records"]
    columns = _columns(staging_schema(contract))
    assert "resident_name" not in columns and "mobile" not in columns  # masking: drop
    assert "birth_year" in columns  # derived from the ID number at masking time
    assert "generalise:birth_year" in columns["birth_year"].description
    assert columns["birth_year"].type == "string"  # a generalisation is text
    for column in contract.staged_columns:
        assert columns[column.name].description.startswith(column.label)
        assert "脱敏 masking:" in columns[column.name].description


def test_column_texts_are_the_ones_trino_and_superset_show():
    contract = load_contracts()["enterprises"]
    texts = column_docs(contract.raw_table)
    assert {c.name: c.description for c in raw_schema(contract).columns} == texts
    model = load_manifest().mart("exchange.enterprise_profile")
    mart = {c.name: c.description for c in dbt_schema(model).columns}
    assert mart == column_docs("exchange.enterprise_profile")
    assert mart["legal_representative"].startswith("法定代表人")


def test_exchange_leaves_out_items_withheld_at_item_level():
    contract = load_contracts()["approval_applications"]
    staged = _columns(staging_schema(contract))
    shared = _columns(exchange_schema(contract))
    assert {"applicant_name", "applicant_mobile"} <= set(staged)
    assert not {"applicant_name", "applicant_mobile"} & set(shared)
    assert set(shared) == {c.name for c in contract.exchange_columns}


def test_staging_lineage_follows_the_contract_to_raw_columns():
    contract = load_contracts()["resident_health_records"]
    lineage = column_lineage("staging.resident_health_records", "mask")
    assert lineage is not None
    raw = dg.AssetKey([contract.raw_namespace, contract.name])
    assert lineage.deps_by_column["birth_year"] == [dg.TableColumnDep(raw, "resident_id_number")]
    assert "resident_name" not in lineage.deps_by_column  # a dropped column ends at staging


def test_exchange_lineage_comes_from_staging():
    lineage = column_lineage("exchange.parking_sessions", "publish")
    assert lineage is not None
    assert lineage.deps_by_column["plate"] == [
        dg.TableColumnDep(dg.AssetKey(["staging", "parking_sessions"]), "plate")
    ]


@pytest.mark.integration  # dbt compiles only against built tables: needs a pipeline or dbt run in this checkout
def test_dbt_mart_lineage_names_dbt_assets_and_staging_tables_only():
    project_lineage.cache_clear()  # the process keeps its first answer, made before any dbt run perhaps
    assert project_lineage().complete, "dbt's compiled SQL was not available"
    model = load_manifest().mart("exchange.enterprise_profile")
    lineage = column_lineage(str(model.table), "dbt")
    assert lineage is not None
    keys = {dep.asset_key for deps in lineage.deps_by_column.values() for dep in deps}
    assert keys, "no column of the mart has a traced input"
    assert all(k.path[0] in {"dbt", "staging"} for k in keys), keys
    assert dg.AssetKey(["dbt", "stg", "stg_development__enterprises"]) in keys
    assert set(lineage.deps_by_column) <= set(model.column_names)


def test_dossier_link_is_where_the_audit_report_writes(lakehouse_home: Path):
    found = dossier_metadata("exchange.parks")
    assert found["dossier"] == dg.MetadataValue.path(
        str(lakehouse_home / "reports" / "audit" / "exchange.parks.html")
    )
    assert found["dossier_command"] == "lakehouse report audit exchange.parks"


def test_descriptions_start_with_the_zone():
    assert described("staging", "x").startswith("[脱敏区 staging]")
    assert described("raw", "x") != described("exchange", "x")


def test_gates_without_any_recorded_result_do_not_pass(catalog):
    key = dg.AssetKey(["exchange", "parking_sessions"])
    result = gates_result(key, catalog, ["raw_transport.parking_sessions"], ["parking_sessions"])
    assert result.check_name == GATES_CHECK and result.asset_key == key
    assert not result.passed
    assert "raw_transport.parking_sessions: no GX result recorded yet" in result.description
    assert "parking_sessions: no privacy gate result recorded yet" in result.description

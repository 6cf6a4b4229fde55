"""Sensitive items withheld by the contract stay in staging (for aggregated marts) and never reach the
row-level exchange table, not even as a leftover column of an earlier publication."""

import pyarrow as pa

from governance.contracts import DatasetContract, load_contracts
from governance.publish import publish_resource, write_derived
from governance.staging import staged_schema, staging_table
from infra.zones import EXCHANGE


def _staged_rows(contract: DatasetContract, rows: int) -> pa.Table:
    """A staging table of the contract's shape: every row its own value, so nothing is a constant."""
    schema = staged_schema(contract)
    columns = {}
    for field in schema:
        if pa.types.is_string(field.type):
            columns[field.name] = pa.array([f"{field.name}-{i}" for i in range(rows)], field.type)
        else:
            columns[field.name] = pa.nulls(rows, field.type)
    return pa.table(columns, schema=schema)


def test_chronic_conditions_stay_in_staging_but_leave_the_exchange_table(catalog):
    contract = load_contracts()["resident_health_records"]
    staged = _staged_rows(contract, 3)
    assert "chronic_conditions" in staged.column_names
    write_derived(catalog, staging_table(contract), staged)
    # An exchange table published before the item was withheld, with the column still in it.
    write_derived(catalog, EXCHANGE.table(contract.name), staged)

    publish_resource(contract, catalog)

    shared = catalog.load_table(EXCHANGE.table(contract.name))
    assert "chronic_conditions" not in shared.schema().column_names
    assert "chronic_conditions" not in shared.scan().to_arrow().column_names
    assert "chronic_conditions" in catalog.load_table(staging_table(contract)).schema().column_names


def test_masked_name_and_mobile_of_applicants_are_withheld_from_the_exchange_table(catalog):
    contract = load_contracts()["approval_applications"]
    write_derived(catalog, staging_table(contract), _staged_rows(contract, 3))

    publish_resource(contract, catalog)

    names = set(catalog.load_table(EXCHANGE.table(contract.name)).schema().column_names)
    assert {"applicant_name", "applicant_mobile"}.isdisjoint(names)
    assert names == {c.name for c in contract.exchange_columns}
    assert "applicant_id_number" in names  # the pseudonym still joins across domains


def test_a_republished_table_keeps_its_list_columns_and_loses_only_stale_top_level_ones(catalog):
    identifier = EXCHANGE.table("grants_like")
    write_derived(catalog, identifier, pa.table({"a": [1], "old": ["x"], "columns": [["c1", "c2"]]}))
    write_derived(catalog, identifier, pa.table({"a": [2], "columns": [["c3"]]}))
    table = catalog.load_table(identifier)
    assert [f.name for f in table.schema().fields] == ["a", "columns"]
    assert table.scan().to_arrow().to_pylist() == [{"a": 2, "columns": ["c3"]}]

"""Business names and descriptions flow from the contracts and the dbt yml into Iceberg column docs."""

from __future__ import annotations

import pyarrow as pa
import pytest

from governance.column_docs import column_docs, split_label, table_doc
from governance.contracts import load_contracts
from governance.publish import write_derived
from infra.dbt_manifest import load_manifest
from infra.iceberg.docs import COMMENT_PROPERTY
from ingest.load import ensure_raw_table

CONTRACTS = load_contracts()


def _expected(business_name: str | None, description: str | None) -> str:
    return ": ".join(p for p in (business_name, description) if p)


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_contract_tables_are_documented_by_their_contract(name: str) -> None:
    contract = CONTRACTS[name]
    zones = {
        contract.raw_table: contract.source_columns,
        f"staging.{name}": contract.staged_columns,
    }
    if contract.sharing_type != "not_shared":
        zones[f"exchange.{name}"] = contract.exchange_columns
    for table, columns in zones.items():
        doc = table_doc(table, CONTRACTS)
        assert doc.source == "contract"
        assert [c.name for c in doc.columns] == [c.name for c in columns]
        wanted = {c.name: _expected(c.business_name, c.description) for c in columns}
        assert column_docs(table, CONTRACTS) == {k: v for k, v in wanted.items() if v}
        assert contract.purpose in doc.comment and contract.title in doc.comment


def test_a_withheld_item_is_not_documented_on_the_exchange_table() -> None:
    withheld = [
        (c, col) for c in CONTRACTS.values() for col in c.staged_columns if col.sharing_type == "not_shared"
    ]
    assert withheld, "the contracts withhold at least one item (resident_health_records.chronic_conditions)"
    for contract, column in withheld:
        assert column.name in column_docs(f"staging.{contract.name}", CONTRACTS)
        assert column.name not in column_docs(f"exchange.{contract.name}", CONTRACTS)


def test_split_label_keeps_units_and_strips_spaced_notes() -> None:
    assert split_label("法定代表人 (masked 张*)") == ("法定代表人", "masked 张*")
    assert split_label("停车费(元)") == ("停车费(元)", None)
    assert split_label("停车场小时利用率 — per lot") == ("停车场小时利用率", "per lot")
    assert split_label("范围类型 （全部）") == ("范围类型", "全部")


def test_marts_are_documented_by_their_dbt_yml() -> None:
    manifest = load_manifest()
    assert manifest.marts()
    for model in manifest.marts():
        doc = table_doc(model.table, CONTRACTS, manifest)
        assert doc.source == "dbt"
        assert doc.comment == model.description.strip()
        for column in model.columns:
            if not column.description:
                continue
            found = doc.column(column.name)
            assert found is not None
            name, note = split_label(column.description)
            assert found.business_name == name and found.text == _expected(name, note)
            assert column.description.startswith(found.label)


def test_tables_no_contract_or_mart_describes_have_no_docs() -> None:
    assert table_doc("kpi.sharing_rate", CONTRACTS).columns == ()
    assert table_doc("quarantine.parking_sessions", CONTRACTS).texts() == {}


def _iceberg_docs(catalog, identifier: str) -> dict[str, str | None]:
    return {f.name: f.doc for f in catalog.load_table(identifier).schema().fields}


def test_raw_table_gets_the_contract_docs_and_comment(catalog) -> None:
    contract = CONTRACTS["parking_sessions"]
    ensure_raw_table(catalog, contract)
    docs = _iceberg_docs(catalog, contract.raw_table)
    for column in contract.source_columns:
        assert docs[column.name] == (_expected(column.business_name, column.description) or None)
    table = catalog.load_table(contract.raw_table)
    assert table.properties[COMMENT_PROPERTY] == table_doc(contract.raw_table, CONTRACTS).comment


def test_derived_write_sets_docs_once_and_follows_a_renamed_item(catalog) -> None:
    contract = CONTRACTS["parking_sessions"]
    target = f"exchange.{contract.name}"
    schema = pa.schema([pa.field(c.name, pa.string()) for c in contract.exchange_columns])
    docs = table_doc(target, CONTRACTS).iceberg()
    write_derived(catalog, target, schema.empty_table(), docs)
    assert {k: v for k, v in _iceberg_docs(catalog, target).items() if v} == dict(docs.columns)
    schemas = len(catalog.load_table(target).metadata.schemas)

    write_derived(catalog, target, schema.empty_table(), docs)  # unchanged docs: no new schema
    assert len(catalog.load_table(target).metadata.schemas) == schemas

    renamed = contract.columns[0].model_copy(update={"business_name": "停车记录号 'A'"})
    changed = contract.model_copy(update={"columns": (renamed, *contract.columns[1:])})
    write_derived(
        catalog, target, schema.empty_table(), table_doc(target, {contract.name: changed}).iceberg()
    )
    assert _iceberg_docs(catalog, target)[renamed.name] == "停车记录号 'A'"


def test_a_column_added_by_a_write_is_documented(catalog) -> None:
    contract = CONTRACTS["parking_sessions"]
    target = f"exchange.{contract.name}"
    docs = table_doc(target, CONTRACTS).iceberg()
    first, *rest = [c.name for c in contract.exchange_columns]
    write_derived(catalog, target, pa.schema([pa.field(first, pa.string())]).empty_table(), docs)
    full = pa.schema([pa.field(n, pa.string()) for n in (first, *rest)])
    write_derived(catalog, target, full.empty_table(), docs)
    assert _iceberg_docs(catalog, target)[rest[0]] == docs.columns[rest[0]]

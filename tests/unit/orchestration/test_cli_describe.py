"""`lakehouse describe TABLE`: business names, descriptions, personal data and item sharing, from the contract."""

from __future__ import annotations

import json

import pyarrow as pa
from click.testing import CliRunner

from governance.catalogue import item_sharing_type
from governance.column_docs import table_doc
from governance.contracts import load_contracts
from governance.publish import write_derived
from orchestration.cli_describe import describe

SESSIONS = "exchange.parking_sessions"


def _run(*args: str):
    return CliRunner().invoke(describe, list(args), catch_exceptions=False)


def test_json_gives_each_item_its_business_name_pii_masking_and_sharing(catalog) -> None:
    contract = load_contracts()["parking_sessions"]
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in contract.exchange_columns])
    write_derived(catalog, SESSIONS, schema.empty_table(), table_doc(SESSIONS).iceberg())
    result = _run(SESSIONS, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["built"] and found["description"] == contract.purpose
    assert [c["column"] for c in found["columns"]] == [c.name for c in contract.exchange_columns]
    for row, column in zip(found["columns"], contract.exchange_columns, strict=True):
        assert row["business_name"] == column.business_name
        assert row["pii"] == column.pii and row["masking"] == column.masking
        assert row["sharing_type"] == item_sharing_type(contract, column)
        assert row["masked_here"] == (column.masking != "keep")


def test_table_output_shows_the_chinese_names_and_raw_is_marked_unmasked(catalog) -> None:
    contract = load_contracts()["parking_sessions"]
    result = _run(contract.raw_table)  # not built yet: described from its contract
    assert result.exit_code == 0, result.output
    assert "业务名" in result.output and "not built yet" in result.output
    for column in contract.source_columns:
        assert column.business_name in result.output
    masked = next(c for c in contract.source_columns if c.masking != "keep")
    line = next(line for line in result.output.splitlines() if line.startswith(masked.name + " "))
    assert "未脱敏" in line


def test_unknown_table_names_the_closest_one(catalog) -> None:
    result = _run("exchange.parking_sesions")
    assert result.exit_code == 2
    assert "did you mean exchange.parking_sessions" in result.output

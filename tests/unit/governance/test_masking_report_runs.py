"""The masking report says which run measured what, when (China time), on which table, with null counts
per column; it groups by run and table, and an older report table is upgraded in place."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from governance.contracts import load_contracts
from governance.masking_report import REPORT_SCHEMA, append_report, latest_report, render, report_rows
from governance.privacy_gate import check_dataset
from governance.staging import mask_for_staging
from infra.iceberg.writer import commit, ensure_table
from infra.zones import MASKING_REPORT

KEY = b"unit-test-key"
# 15:05 UTC is 23:05 in China.
MEASURED = datetime(2026, 11, 30, 15, 5, tzinfo=UTC)
SECRET_PHONE = "13812345678"


def _raw(contract, rows: int) -> pa.Table:
    """A raw table of the contract's columns: every third value null, every fifth of the text blank."""
    columns = {}
    for col in contract.columns:
        name = col.derived_from or col.name
        if name in columns:
            continue
        values = []
        for i in range(rows):
            if i % 3 == 0:
                values.append(None)
            elif i % 5 == 0 and pa.types.is_string(col.arrow_type):
                values.append("  ")
            else:
                values.append(None if not pa.types.is_string(col.arrow_type) else f"v{i}")
        columns[name] = pa.array(values, col.arrow_type)
    return pa.table(columns)


@pytest.fixture(scope="module")
def hotline():
    contract = load_contracts()["hotline_tickets"]
    raw = _raw(contract, 30)
    masked = mask_for_staging(contract, raw, KEY)
    gate = check_dataset(contract, raw, masked.table)
    return contract, raw, masked, gate


def test_rows_carry_run_time_table_and_null_counts(hotline):
    contract, raw, masked, gate = hotline
    rows = report_rows("run-a", contract, masked.report, gate, MEASURED, raw=raw).to_pylist()
    assert {r["run_id"] for r in rows} == {"run-a"}
    assert {r["table_name"] for r in rows} == {"staging.hotline_tickets"}
    assert {r["source_table"] for r in rows} == {contract.raw_table}
    assert {r["measured_at"] for r in rows} == {MEASURED}
    # 30 rows: 10 null (i % 3 == 0) and, for text, 4 blank (i in 5, 10, 20, 25).
    for r in rows:
        source = next(c for c in contract.columns if c.name == r["column_name"])
        text = pa.types.is_string(source.arrow_type)
        assert r["rows"] == 30
        assert r["null_values"] == (14 if text else 30)  # _raw leaves the non-text columns empty
    masked_content = next(r for r in rows if r["column_name"] == "content")
    assert masked_content["null_values"] == 14
    assert masked_content["values_masked"] <= 30 - 14  # only values that are there can be masked


def test_without_the_raw_table_null_counts_are_unknown(hotline):
    contract, _, masked, gate = hotline
    rows = report_rows("run-a", contract, masked.report, gate, MEASURED).to_pylist()
    assert {r["null_values"] for r in rows} == {None}


def test_html_and_json_group_by_run_and_table_in_china_time(tmp_path, hotline):
    contract, raw, masked, gate = hotline
    older = report_rows("run-old", contract, masked.report, gate, datetime(2026, 11, 29, 16, 30, tzinfo=UTC))
    newer = report_rows("run-new", contract, masked.report, gate, MEASURED, raw=raw)
    json_path, html_path = render(pa.concat_tables([older, newer]), tmp_path)
    page = html_path.read_text(encoding="utf-8")
    # Newest run first, each with its China time; the table's header names it zone-qualified.
    assert page.index("run run-new") < page.index("run run-old")
    assert "2026-11-30 23:05:00 +08:00" in page and "2026-11-30 00:30:00 +08:00" in page
    assert page.count("<h3>staging.hotline_tickets ← raw_government.hotline_tickets</h3>") == 2
    assert "空值 null/empty" in page and "<td>14</td>" in page
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)  # nothing fetched
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert [r["run_id"] for r in doc["runs"]] == ["run-new", "run-old"]
    assert doc["runs"][0]["measured_at"] == "2026-11-30T23:05:00+08:00"
    (table,) = doc["runs"][0]["tables"]
    assert table["table"] == "staging.hotline_tickets" and table["columns"][0]["measured_at"].endswith(
        "+08:00"
    )


def test_an_old_schema_report_table_is_upgraded_and_its_rows_still_read(catalog, hotline):
    contract, raw, masked, gate = hotline
    old_schema = pa.schema(
        [
            f
            for f in REPORT_SCHEMA
            if f.name not in ("table_name", "source_table", "measured_at", "null_values")
        ]
    )
    ensure_table(catalog, MASKING_REPORT, old_schema)
    old_rows = report_rows("run-old", contract, masked.report, gate, datetime(2026, 11, 29, 8)).select(
        old_schema.names
    )
    commit(catalog, MASKING_REPORT, old_rows.cast(old_schema), "append")
    # Read before any upgrade: the added columns come back empty.
    before = latest_report(catalog)
    assert before.schema.names == REPORT_SCHEMA.names
    assert set(before.column("table_name").to_pylist()) == {None}

    append_report(catalog, report_rows("run-new", contract, masked.report, gate, MEASURED, raw=raw))

    fields = {f.name: f for f in catalog.load_table(MASKING_REPORT).schema().fields}
    assert {"table_name", "source_table", "measured_at", "null_values"} <= set(fields)
    assert not fields["null_values"].required  # added as optional
    everything = catalog.load_table(MASKING_REPORT).scan().to_arrow()
    assert sorted(set(everything.column("run_id").to_pylist())) == ["run-new", "run-old"]
    latest = latest_report(catalog).to_pylist()
    assert {r["run_id"] for r in latest} == {"run-new"}
    assert {r["null_values"] for r in latest if r["column_name"] == "content"} == {14}


def test_no_value_reaches_the_report(tmp_path):
    contract = load_contracts()["hotline_tickets"]
    raw = _raw(contract, 12).set_column(
        _raw(contract, 12).column_names.index("content"),
        "content",
        pa.array([f"请回电 {SECRET_PHONE}"] * 12),
    )
    masked = mask_for_staging(contract, raw, KEY)
    gate = check_dataset(contract, raw, masked.table)
    json_path, html_path = render(
        report_rows("run-x", contract, masked.report, gate, MEASURED, raw=raw), tmp_path
    )
    assert SECRET_PHONE not in json_path.read_text(encoding="utf-8") + html_path.read_text(encoding="utf-8")

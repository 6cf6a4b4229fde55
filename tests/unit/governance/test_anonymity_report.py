"""The masking report shows, per row-level exchange table, its quasi-identifiers, k, l and the sensitive
columns with their release; no value ever reaches it."""

import json
from datetime import date, datetime

import pyarrow as pa

from governance.contracts import load_contracts
from governance.masking_report import (
    REPORT_SCHEMA,
    append_report,
    exchange_summaries,
    latest_report,
    render,
    report_rows,
)
from governance.privacy_gate import check_dataset
from governance.staging import staged_schema
from infra.iceberg.writer import commit, ensure_table
from infra.zones import MASKING_REPORT

RARE_TOWN = "深海镇"


def _staged(contract, rows):
    schema = staged_schema(contract)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def _records():
    contract = load_contracts()["resident_health_records"]
    classes = [("1960", "女", "泥城镇", 6), ("1931", "女", RARE_TOWN, 2), ("2015", "男", "泥城镇", 3)]
    rows = [
        {
            "record_id": f"R{i}-{n}",
            "resident_id_number": f"id_{i}{n}",
            "birth_year": y,
            "sex": s,
            "town": t,
            "chronic_conditions": "糖尿病",
        }
        for i, (y, s, t, count) in enumerate(classes)
        for n in range(count)
    ]
    staged = _staged(contract, rows)
    gate = check_dataset(contract, staged, staged, today=date(2026, 11, 30))
    return report_rows("run-1", contract, [], gate, datetime(2026, 11, 30, 12)).to_pylist()


def test_report_rows_carry_the_exchange_tables_figures_and_each_columns_role():
    records = {r["column_name"]: r for r in _records()}
    town = records["town"]
    assert town["exchange_table"] == "exchange.resident_health_records"
    assert (town["k"], town["k_required"], town["l"], town["l_required"]) == (6, 5, None, 2)
    assert town["k_before_suppression"] == 2
    assert town["rows_suppressed"] == 2 and town["minors_withheld"] == 3 and town["rows_published"] == 6
    assert town["reidentification_passed"] and town["quasi_identifier"] and town["in_exchange"]
    chronic = records["chronic_conditions"]
    assert (chronic["sensitive_category"], chronic["sensitive_release"]) == ("health", "withheld")
    assert not chronic["in_exchange"]
    assert chronic["declared_class"] == "none"  # classified, not left blank


def test_the_html_and_json_show_each_exchange_table_without_values(tmp_path):
    records = _records()
    (summary,) = exchange_summaries(records)
    assert sorted(summary["quasi_identifiers"]) == ["address", "birth_year", "sex", "town"]
    assert {s["column"]: s["release"] for s in summary["sensitive_columns"]} == {
        "birth_year": "generalise",
        "chronic_conditions": "withheld",
    }
    json_path, html_path = render(pa.Table.from_pylist(records, schema=REPORT_SCHEMA), tmp_path)
    page = html_path.read_text(encoding="utf-8")
    assert "再识别风险" in page and "exchange.resident_health_records" in page
    assert "2 → 6 (≥ 5)" in page and "医疗健康: 信息项不予共享" in page
    assert "无个人标识" in page
    everything = page + json_path.read_text(encoding="utf-8")
    for value in (RARE_TOWN, "1931", "id_1", "糖尿病"):
        assert value not in everything
    (run,) = json.loads(json_path.read_text(encoding="utf-8"))["runs"]
    assert run["tables"][0]["reidentification"]["k_required"] == 5


def test_a_report_table_written_before_these_columns_gets_them(catalog):
    old = pa.schema(
        [f for f in REPORT_SCHEMA if f.name not in ("k", "l", "exchange_table", "quasi_identifier")]
    )
    ensure_table(catalog, MASKING_REPORT, old)
    commit(catalog, MASKING_REPORT, old.empty_table(), "append")

    append_report(catalog, pa.Table.from_pylist(_records(), schema=REPORT_SCHEMA))

    latest = latest_report(catalog).to_pylist()
    assert {r["k"] for r in latest} == {6}

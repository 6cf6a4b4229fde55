"""Mart leak scans are recorded in the governance zone with counts per class and shown in the masking
report; no value, not even a masked example, is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from governance.leak_scans import latest_scans, record_scans, scan_mart
from governance.masking_report import REPORT_SCHEMA, render
from infra.zones import EXCHANGE, KPI, MART_LEAK_SCANS, STAGING

# Valid shapes (mobile prefix, resident ID checksum) so the validators count them.
PHONES = ["13812345678", "13987654321"]
RESIDENT_ID = "11010519491231002X"


def _mart(leaky: bool) -> pa.Table:
    note = [f"联系 {PHONES[0]}", "无", f"电话{PHONES[1]}"] if leaky else ["无", "无", "已办结"]
    return pa.table(
        {
            "street": ["书院镇", "泥城镇", "南汇新城镇"],
            "owner_id": [RESIDENT_ID if leaky else "P-1", "P-2", "P-3"],
            "note": note,
            "tickets": pa.array([3, 5, 8], pa.int64()),
            "share": pa.array([0.1, 0.2, 0.7], pa.float64()),
        }
    )


def test_a_clean_mart_passes_and_counts_what_it_read():
    scan = scan_mart(KPI.table("tickets_by_street"), _mart(leaky=False))
    assert scan.passed and scan.findings == 0
    assert (scan.rows_scanned, scan.columns, scan.columns_scanned) == (3, 5, 4)  # the float is not read
    assert "kpi.tickets_by_street" in scan.describe()


def test_a_leaking_mart_fails_with_counts_per_class_and_no_value():
    scan = scan_mart(EXCHANGE.table("tickets"), _mart(leaky=True))
    assert not scan.passed
    assert scan.by_class.get("cn_mobile") == 2 and scan.by_class.get("cn_resident_id") == 1
    assert set(scan.columns_with_findings) == {"note", "owner_id"}
    message = scan.describe()
    for value in [*PHONES, RESIDENT_ID, PHONES[0][:3] + "****" + PHONES[0][-4:]]:
        assert value not in message


def test_only_mart_zones_are_scanned_as_marts():
    with pytest.raises(ValueError, match="not a mart"):
        scan_mart(STAGING.table("tickets"), _mart(leaky=False))


def test_scans_are_recorded_and_the_newest_per_table_is_reported(catalog, tmp_path):
    first = scan_mart(EXCHANGE.table("tickets"), _mart(leaky=True))
    record_scans(catalog, "run-1", [first, scan_mart(KPI.table("tickets_by_street"), _mart(leaky=False))])
    later = scan_mart(EXCHANGE.table("tickets"), _mart(leaky=False))
    record_scans(catalog, "run-2", [later])

    stored = catalog.load_table(MART_LEAK_SCANS).scan().to_arrow()
    assert stored.num_rows == 3
    text = json.dumps(stored.to_pylist(), default=str, ensure_ascii=False)
    for value in [*PHONES, RESIDENT_ID]:
        assert value not in text

    latest = {r["table_name"]: r for r in latest_scans(catalog).to_pylist()}
    assert latest["exchange.tickets"]["run_id"] == "run-2" and latest["exchange.tickets"]["passed"]
    assert latest["kpi.tickets_by_street"]["run_id"] == "run-1"

    json_path, html_path = render(REPORT_SCHEMA.empty_table(), tmp_path, latest_scans(catalog))
    page = html_path.read_text(encoding="utf-8")
    assert "Mart leak scans" in page and "run run-2" in page and "kpi.tickets_by_street" in page
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert {s["table_name"] for s in doc["mart_leak_scans"]} == {"exchange.tickets", "kpi.tickets_by_street"}
    assert all(s["scanned_at"].endswith("+08:00") for s in doc["mart_leak_scans"])


def test_the_report_shows_a_failed_scan_by_class_in_china_time(tmp_path, catalog):
    scan = scan_mart(EXCHANGE.table("tickets"), _mart(leaky=True))
    scan = type(scan)(**{**scan.__dict__, "at": datetime(2026, 11, 30, 15, 5, tzinfo=UTC)})
    record_scans(catalog, "run-9", [scan])
    _, html_path = render(REPORT_SCHEMA.empty_table(), tmp_path, latest_scans(catalog))
    page = html_path.read_text(encoding="utf-8")
    assert "2026-11-30 23:05:00 +08:00" in page
    assert "手机号 × 2" in page and "未通过" in page and "SOME FOUND PERSONAL DATA" in page

"""Every report shows its times in China time with the +08:00 offset, whatever zone the time was stored
in: one known UTC instant goes into each report's own stored form and must come out as 23:05 +08:00."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from governance.dossier.evidence import china
from governance.dossier.html import index_html
from governance.kpi_report import KpiReport, as_dict, summary_lines
from governance.leak_scans import scan_mart, scan_rows
from governance.lineage.current import CurrentLineage
from governance.lineage.graph import LineageGraph
from governance.lineage.store import LineageRun
from governance.masking_report import REPORT_SCHEMA, render
from governance.sharing.measure import ALL, DepartmentRate, Measurement
from governance.sharing.report import as_dict as sharing_dict
from governance.sharing.report import to_text
from infra.clock import china_naive
from infra.zones import KPI
from quality.freshness import FreshnessStatus
from quality.report import DatasetQuality
from quality.results import freshness_row

INSTANT = datetime(2026, 11, 30, 15, 5, tzinfo=UTC)
SHOWN = "2026-11-30 23:05:00 +08:00"
ISO = "2026-11-30T23:05:00+08:00"
CHINA_NAIVE = china_naive(INSTANT)  # how lineage, the sharing store and the kpi tables keep it
UTC_NAIVE = INSTANT.replace(tzinfo=None)  # how quality results and the query log keep it


def test_stored_forms_differ_but_the_instant_is_one() -> None:
    assert datetime(2026, 11, 30, 23, 5) == CHINA_NAIVE
    assert china(UTC_NAIVE, "utc") == china(CHINA_NAIVE, "cst") == CHINA_NAIVE


def test_dossier() -> None:
    page = index_html([], china(UTC_NAIVE, "utc"), "computed now")
    assert SHOWN in page


def test_lineage_cli() -> None:
    run = LineageRun("run-1", CHINA_NAIVE, "abc", 0, 0, 0, None, 0)
    assert SHOWN in CurrentLineage(LineageGraph([]), run).describe()


def test_sharing_report() -> None:
    measurement = Measurement(CHINA_NAIVE, [], [DepartmentRate(ALL, "全部", 1, 0, 1)])
    assert SHOWN in to_text(measurement)
    assert sharing_dict(measurement)["measured_at"] == ISO


def test_kpi_report() -> None:
    row = DepartmentRate(ALL, "全部", 1, 0, 1).as_row() | {"measured_at": CHINA_NAIVE}
    report = KpiReport(sharing=[row], sharing_gaps=[], prereview=[])
    assert any(SHOWN in line for line in summary_lines(report))
    assert as_dict(report)["sharing_rate"][0]["measured_at"] == ISO


def test_quality_report_and_freshness() -> None:
    summary = DatasetQuality("parks", "raw_development.parks", "raw", "passed", validated_at=UTC_NAIVE)
    assert summary.as_dict()["validated_at"] == ISO
    status = FreshnessStatus(
        "parks", "raw_development.parks", "daily", timedelta(days=1), UTC_NAIVE, UTC_NAIVE, "snapshot"
    )
    assert SHOWN in freshness_row(status, "run-1")["observed_value"]


def test_masking_report_and_mart_scans(tmp_path) -> None:
    scan = scan_mart(KPI.table("parks_summary"), pa.table({"n": [1]}))
    scans = scan_rows("run-1", [type(scan)(**{**scan.__dict__, "at": INSTANT})])
    json_path, html_path = render(REPORT_SCHEMA.empty_table(), tmp_path, scans)
    assert SHOWN in html_path.read_text(encoding="utf-8")
    assert json.loads(json_path.read_text(encoding="utf-8"))["mart_leak_scans"][0]["scanned_at"] == ISO

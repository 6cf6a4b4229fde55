"""`lakehouse report kpi`: both city targets from the kpi tables, their gap lists, and an offline HTML page.

The kpi tables are written by code into a fresh embedded catalog (the pipeline's own writers' schemas)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pyarrow as pa
import pytest
from click.testing import CliRunner

from governance.sharing.measure import GAPS_SCHEMA, RATE_SCHEMA
from infra.catalog import open_catalog
from infra.zones import KPI, SHARING_GAPS, SHARING_RATE
from orchestration.cli import main

AT = datetime(2026, 11, 30, 21, 0)
PRE_SCHEMA = pa.schema(
    [
        ("scope_kind", pa.string()),
        ("scope", pa.string()),
        ("scope_name", pa.string()),
        ("department", pa.string()),
        ("applications", pa.int64()),
        ("prereviewed_online", pa.int64()),
        ("online_prereview_rate", pa.float64()),
        ("measured_at", pa.timestamp("us")),
    ]
)


def _rate(department: str, shared: int, in_scope: int) -> dict:
    return {
        "department": department,
        "department_name": department,
        "resources": in_scope,
        "exempt": 0,
        "in_scope": in_scope,
        "shared_online": shared,
        "gaps": in_scope - shared,
        "sharing_rate": shared / in_scope,
        "measured_at": AT,
    }


def _pre(kind: str, scope: str, name: str, applications: int, online: int) -> dict:
    return {
        "scope_kind": kind,
        "scope": scope,
        "scope_name": name,
        "department": None if kind == "all" else "卫生健康委",
        "applications": applications,
        "prereviewed_online": online,
        "online_prereview_rate": round(online / applications, 4),
        "measured_at": AT,
    }


@pytest.fixture
def home(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")
    return tmp_path


def _write_kpis(prereview: bool = True) -> None:
    catalog = open_catalog()
    rates = [_rate("all", 2, 4), _rate("health", 0, 2), _rate("transport", 2, 2)]
    gaps = [
        {
            "resource_id": f"health.{name}",
            "dataset": name,
            "title": name,
            "provider_department": "health",
            "provider_department_name": "卫生健康",
            "sharing_type": "conditional",
            "exchange_table": f"exchange.{name}",
            "reason": "no_grant",
            "reason_label": "无部门获授权",
            "detail": "nobody holds a grant",
            "last_refreshed": AT,
            "measured_at": AT,
        }
        for name in ("kiosk_checks", "clinic_visits")
    ]
    tables = [(SHARING_RATE, RATE_SCHEMA, rates), (SHARING_GAPS, GAPS_SCHEMA, gaps)]
    if prereview:
        rows = [
            _pre("all", "all", "全部审批事项", 100, 90),
            _pre("department", "卫生健康委", "卫生健康委", 40, 30),
            _pre("department", "公安临港分局", "公安临港分局", 60, 60),
            _pre("item", "310115-GG-0604", "生育登记", 25, 15),
            _pre("item", "310115-XK-0301", "公共场所卫生许可", 15, 15),
        ]
        tables.append((KPI.table("online_prereview_rate"), PRE_SCHEMA, rows))
    for name, schema, rows in tables:
        catalog.create_table(name, schema=schema).append(pa.Table.from_pylist(rows, schema=schema))


def test_both_targets_with_their_gaps_in_the_terminal_json_and_html(home) -> None:
    _write_kpis()
    out = CliRunner().invoke(main, ["report", "kpi"])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "网上共享率 sharing rate" in text and "50.0%" in text and "measured 2026-11-30 21:00" in text
    assert "health.kiosk_checks" in text and "gaps: 2 resources" in text
    assert "网上预审率 pre-review rate" in text and "90.0%" in text and "(90/100 applications)" in text
    # gaps below 100%, with counts; those at 100% are not gaps
    assert (
        "departments below 100%: 1" in text
        and "卫生健康委" in text
        and "(30/40 pre-reviewed, 10 not)" in text
    )
    assert "approval items below 100%: 1" in text and "310115-GG-0604 生育登记" in text
    assert "公安临港分局" not in text and "310115-XK-0301" not in text

    payload = json.loads(CliRunner().invoke(main, ["report", "kpi", "--json"]).output)
    assert [r["scope"] for r in payload["online_prereview_gaps"]["items"]] == ["310115-GG-0604"]
    assert all(r["measured_at"] == "2026-11-30T21:00:00+08:00" for r in payload["online_prereview_rate"])
    assert all(r["measured_at"] for r in payload["sharing_rate"] + payload["sharing_gaps"])

    page = (home / "reports" / "kpi" / "index.html").read_text(encoding="utf-8")
    assert payload["html"].endswith("reports/kpi/index.html")
    assert page.count("<svg") == 2 and page.count('class="target"') == 2  # both charts carry the 100% line
    assert not re.search(r"(src|href)=\"https?:", page)  # offline: no CDN, no remote asset
    widths = [float(w) for w in re.findall(r'class="bar" x="\d+" y="\d+" width="([\d.]+)"', page)]
    assert 200.0 in widths and 360.0 in widths  # 50% and 90% of a 400-pixel bar


def test_the_top_option_shortens_the_lists(home) -> None:
    _write_kpis()
    text = CliRunner().invoke(main, ["report", "kpi", "--top", "1"]).output
    assert "… 1 more resources" in text and "health.kiosk_checks" not in text.split("… 1 more resources")[1]


def test_a_missing_kpi_table_is_one_error_line(home) -> None:
    _write_kpis(prereview=False)
    out = CliRunner().invoke(main, ["report", "kpi"])
    assert out.exit_code == 1
    assert "kpi.online_prereview_rate does not exist yet" in out.output and "Traceback" not in out.output


def test_kpi_tables_document_every_column(tmp_path, monkeypatch) -> None:
    """kpi.sharing_rate and kpi.sharing_gaps say what each column means, in Iceberg (what Trino's DESCRIBE
    and Dagster show), like every contract and mart column."""
    from governance.sharing.measure import Measurement, write_kpi

    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    catalog = open_catalog()
    write_kpi(catalog, Measurement(at=AT, resources=[], rates=[]))
    for table in (SHARING_RATE, SHARING_GAPS):
        loaded = catalog.load_table(table)
        undocumented = [f.name for f in loaded.schema().fields if not f.doc or ": " not in f.doc]
        assert undocumented == [], f"{table}: {undocumented}"
        assert loaded.properties.get("comment")

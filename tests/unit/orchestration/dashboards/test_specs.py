"""Dashboard specs are consistent, Chinese, and map onto Superset's layout format."""

from __future__ import annotations

import re

from orchestration.dashboards import specs
from orchestration.dashboards.labels import column_labels, label
from orchestration.dashboards.provision import layout

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_five_dashboards_of_the_issue() -> None:
    assert [d.slug for d in specs.DASHBOARDS] == [
        "sharing-kpi",
        "parking-utilisation",
        "approvals",
        "hotline",
        "resident-health",
    ]


def test_every_chart_names_known_datasets_and_metrics() -> None:
    assert specs.all_specs_consistent() == []


def test_titles_and_metric_labels_are_chinese() -> None:
    for dash in specs.DASHBOARDS:
        assert CJK.search(dash.title), dash.slug
        assert all(CJK.search(c.title) for c in dash.charts), dash.slug
    for ds in specs.DATASETS:
        assert all(CJK.search(m.label) for m in ds.metrics), ds.table


def test_chart_titles_are_unique_because_provisioning_finds_charts_by_title() -> None:
    titles = [c.title for d in specs.DASHBOARDS for c in d.charts]
    assert len(titles) == len(set(titles))


def test_rows_fit_the_twelve_column_grid() -> None:
    for dash in specs.DASHBOARDS:
        for row in dash.rows:
            assert sum(c.width for c in row) <= 12, (dash.slug, [c.key for c in row])


def test_column_labels_come_from_dbt_descriptions() -> None:
    labels = column_labels("exchange.parking_utilisation_hourly")
    assert labels["utilisation"] == "利用率"
    assert labels["lot_name"] == "停车场名称"
    assert label("部门 ('all' 为全部)") == "部门"
    assert label("平均办结时长(小时)") == "平均办结时长(小时)"
    assert column_labels("kpi.no_such_model") == {}


def test_layout_places_every_chart_once_under_the_grid() -> None:
    dash = specs.DASHBOARDS[1]
    ids = {c.key: n for n, c in enumerate(dash.charts, start=100)}
    position = layout(dash, dash.charts, ids)
    charts = {k: v for k, v in position.items() if k.startswith("CHART-")}
    assert {v["meta"]["chartId"] for v in charts.values()} == set(ids.values())
    rows = position["GRID_ID"]["children"]
    assert sorted(c for r in rows for c in position[r]["children"]) == sorted(charts)


def test_layout_skips_rows_whose_charts_were_skipped() -> None:
    dash = specs.DASHBOARDS[1]
    kept = dash.rows[0]
    position = layout(dash, list(kept), {c.key: 1 for c in kept})
    assert position["GRID_ID"]["children"] == ["ROW-1"]

"""Superset's dashboard layout (position_json v2) for a dashboard spec: a header, then one grid row per spec row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestration.dashboards import specs


def layout(
    dash: specs.DashboardSpec, charts: list[specs.ChartSpec], chart_ids: Mapping[str, int]
) -> dict[str, Any]:
    """Superset's dashboard layout (position_json v2): a header, then one grid row per spec row."""
    present = {c.key for c in charts}
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dash.title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    for index, row in enumerate(dash.rows, start=1):
        row_charts = [c for c in row if c.key in present]
        if not row_charts:
            continue
        row_id = f"ROW-{index}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [f"CHART-{c.key}" for c in row_charts],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart in row_charts:
            position[f"CHART-{chart.key}"] = {
                "type": "CHART",
                "id": f"CHART-{chart.key}",
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": chart.width,
                    "height": chart.height,
                    "chartId": chart_ids[chart.key],
                    "sliceName": chart.title,
                },
            }
    return position

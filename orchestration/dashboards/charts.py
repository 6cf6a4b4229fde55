"""Builders of Superset chart specs (big number, bars, lines, tables, pie) with our defaults."""

from __future__ import annotations

from typing import Any

from orchestration.dashboards.model import ChartSpec

NO_FILTER: dict[str, Any] = {"adhoc_filters": [], "time_range": "No filter"}


def where(column: str, operator: str, value: str) -> dict[str, Any]:
    return {
        "expressionType": "SIMPLE",
        "subject": column,
        "operator": operator,
        "comparator": value,
        "clause": "WHERE",
    }


def big_number(
    key: str, title: str, dataset: str, metric: str, cols: tuple[str, ...], **extra: Any
) -> ChartSpec:
    params = {**NO_FILTER, "metric": metric, "header_font_size": 0.4, "subheader_font_size": 0.15, **extra}
    return ChartSpec(key, title, dataset, "big_number_total", params, cols, width=3, height=30)


def bars(
    key: str,
    title: str,
    dataset: str,
    x: str,
    metrics: list[str],
    cols: tuple[str, ...],
    width: int = 6,
    **extra: Any,
) -> ChartSpec:
    params = {
        **NO_FILTER,
        "x_axis": x,
        "metrics": metrics,
        "groupby": [],
        "row_limit": 1000,
        "orientation": "vertical",
        "show_legend": True,
        "rich_tooltip": True,
        **extra,
    }
    return ChartSpec(key, title, dataset, "echarts_timeseries_bar", params, cols, width=width)


def lines(
    key: str,
    title: str,
    dataset: str,
    x: str,
    grain: str,
    metrics: list[str],
    cols: tuple[str, ...],
    width: int = 6,
    **extra: Any,
) -> ChartSpec:
    params = {
        **NO_FILTER,
        "x_axis": x,
        "time_grain_sqla": grain,
        "metrics": metrics,
        "groupby": [],
        "row_limit": 10000,
        "show_legend": True,
        "rich_tooltip": True,
        **extra,
    }
    return ChartSpec(key, title, dataset, "echarts_timeseries_line", params, cols, width=width)


def table(
    key: str,
    title: str,
    dataset: str,
    groupby: list[str],
    metrics: list[str],
    cols: tuple[str, ...],
    **extra: Any,
) -> ChartSpec:
    params = {
        **NO_FILTER,
        "query_mode": "aggregate",
        "groupby": groupby,
        "metrics": metrics,
        "all_columns": [],
        "row_limit": 500,
        "order_desc": True,
        "timeseries_limit_metric": metrics[0],
        "include_search": True,
        **extra,
    }
    return ChartSpec(key, title, dataset, "table", params, cols, width=12)


def raw_table(key: str, title: str, dataset: str, columns: list[str], **extra: Any) -> ChartSpec:
    params = {
        **NO_FILTER,
        "query_mode": "raw",
        "all_columns": columns,
        "row_limit": 500,
        "include_search": True,
    }
    return ChartSpec(key, title, dataset, "table", {**params, **extra}, tuple(columns), width=12)


def pie(key: str, title: str, dataset: str, by: str, metric: str, cols: tuple[str, ...]) -> ChartSpec:
    params = {
        **NO_FILTER,
        "groupby": [by],
        "metric": metric,
        "show_legend": True,
        "label_type": "key_percent",
    }
    return ChartSpec(key, title, dataset, "pie", params, cols)

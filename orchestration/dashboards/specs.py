"""Datasets, charts and dashboards as data (Chinese titles and labels). Provisioning turns these into
Superset objects; column labels come from the dbt model descriptions, not restated here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.zones import SchemaQualified

DATABASE_NAME = "临港城市数据湖仓"
CATALOG = "lakehouse"


@dataclass(frozen=True)
class Metric:
    name: str
    expression: str
    label: str
    d3format: str | None = None


@dataclass(frozen=True)
class DatasetSpec(SchemaQualified):
    table: str  # "schema.table"
    title: str
    metrics: tuple[Metric, ...] = ()


@dataclass(frozen=True)
class ChartSpec:
    key: str  # stable id inside the dashboard layout
    title: str
    dataset: str  # DatasetSpec.table
    viz_type: str
    params: dict[str, Any]
    columns: tuple[str, ...]  # dataset columns the chart needs (checked before provisioning)
    width: int = 6  # of 12 grid columns
    height: int = 50


@dataclass(frozen=True)
class DashboardSpec:
    slug: str
    title: str
    rows: tuple[tuple[ChartSpec, ...], ...]
    description: str = ""

    @property
    def charts(self) -> list[ChartSpec]:
        return [c for row in self.rows for c in row]

    @property
    def tables(self) -> list[str]:
        return sorted({c.dataset for c in self.charts})


PCT = ".1%"

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        "kpi.sharing_rate",
        "网上共享率",
        (
            Metric(
                "sharing_rate",
                "SUM(shared_online) * 1.0 / NULLIF(SUM(in_scope), 0)",
                "网上共享率",
                PCT,
            ),
            Metric("shared_online", "SUM(shared_online)", "网上共享资源数"),
            Metric("in_scope", "SUM(in_scope)", "应共享资源数"),
            Metric("gaps", "SUM(gaps)", "缺口数"),
        ),
    ),
    DatasetSpec("kpi.sharing_gaps", "共享缺口清单", (Metric("gap_count", "COUNT(*)", "缺口数"),)),
    DatasetSpec(
        "kpi.online_prereview_rate",
        "网上预审率",
        (
            Metric(
                "prereview_rate",
                "SUM(prereviewed_online) * 1.0 / NULLIF(SUM(applications), 0)",
                "网上预审率",
                PCT,
            ),
        ),
    ),
    DatasetSpec(
        "exchange.parking_utilisation_hourly",
        "停车场小时利用率",
        (
            Metric("avg_utilisation", "AVG(utilisation)", "平均利用率", PCT),
            Metric("peak_utilisation", "MAX(utilisation)", "峰值利用率", PCT),
            Metric("sessions", "SUM(sessions_started)", "入场车次"),
            Metric("vehicle_hours", "SUM(occupied_vehicle_hours)", "占用车时"),
        ),
    ),
    DatasetSpec(
        "exchange.approval_progress",
        "审批事项办理进度",
        (
            Metric("applications", "SUM(applications)", "申请数"),
            Metric("prereviewed", "SUM(prereviewed_online)", "网上预审数"),
            Metric(
                "prereview_rate",
                "SUM(prereviewed_online) * 1.0 / NULLIF(SUM(applications), 0)",
                "网上预审率",
                PCT,
            ),
            Metric(
                "avg_hours",
                "SUM(avg_hours_to_decision * (approved + rejected))"
                " / NULLIF(SUM(CASE WHEN avg_hours_to_decision IS NOT NULL THEN approved + rejected END), 0)",
                "平均办结时长(小时)",
                ".1f",
            ),
            Metric("avg_steps", "AVG(avg_steps)", "平均环节数", ".1f"),
            Metric("in_progress", "SUM(in_progress)", "办理中"),
        ),
    ),
    DatasetSpec(
        "exchange.hotline_tickets_by_street",
        "12345热线工单分布",
        (
            Metric("tickets", "SUM(tickets)", "工单数"),
            Metric("closed", "SUM(closed)", "办结数"),
            Metric("close_rate", "SUM(closed) * 1.0 / NULLIF(SUM(tickets), 0)", "办结率", PCT),
        ),
    ),
    DatasetSpec(
        "exchange.resident_health_summary",
        "居民健康服务汇总",
        (
            Metric("residents", "SUM(residents)", "居民数"),
            Metric("chronic", "SUM(with_chronic_condition)", "慢病居民数"),
            Metric("clinic_visits", "SUM(clinic_visits)", "门诊人次"),
            Metric("kiosk_checks", "SUM(kiosk_checks)", "健康小屋检测次数"),
            Metric("elderly_alerts", "SUM(elderly_care_alerts)", "养老告警数"),
        ),
    ),
    DatasetSpec(
        "exchange.enterprise_profile",
        "企业画像",
        (
            Metric("enterprises", "COUNT(*)", "企业数"),
            Metric("energy_kwh", "SUM(building_energy_kwh)", "楼宇用电量(千瓦时)"),
        ),
    ),
)

NO_FILTER: dict[str, Any] = {"adhoc_filters": [], "time_range": "No filter"}


def _where(column: str, operator: str, value: str) -> dict[str, Any]:
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


SR, GAPS, PRE = "kpi.sharing_rate", "kpi.sharing_gaps", "kpi.online_prereview_rate"
PARK, APPR = "exchange.parking_utilisation_hourly", "exchange.approval_progress"
HOT, HEALTH = "exchange.hotline_tickets_by_street", "exchange.resident_health_summary"
SR_COLS = ("department", "department_name", "shared_online", "in_scope", "gaps")

DASHBOARDS: tuple[DashboardSpec, ...] = (
    DashboardSpec(
        "sharing-kpi",
        "网上共享率与共享缺口",
        (
            (
                big_number(
                    "sr_all",
                    "全市网上共享率",
                    SR,
                    "sharing_rate",
                    SR_COLS,
                    adhoc_filters=[_where("department", "==", "all")],
                    y_axis_format=PCT,
                ),
                big_number("sr_gaps", "共享缺口数", GAPS, "gap_count", ("dataset",)),
                bars(
                    "sr_by_dept",
                    "各部门网上共享率",
                    SR,
                    "department_name",
                    ["sharing_rate", "gaps"],
                    SR_COLS,
                    adhoc_filters=[_where("department", "!=", "all")],
                    width=6,
                ),
            ),
            (
                raw_table(
                    "sr_gap_list",
                    "共享缺口清单",
                    GAPS,
                    [
                        "provider_department_name",
                        "title",
                        "exchange_table",
                        "reason_label",
                        "detail",
                        "last_refreshed",
                    ],
                ),
            ),
        ),
        "提供部门的网上共享率(按实际在线、新鲜、通过质量闸门计量)及未达标资源清单",
    ),
    DashboardSpec(
        "parking-utilisation",
        "停车场利用率",
        (
            (
                big_number(
                    "pk_avg", "平均利用率", PARK, "avg_utilisation", ("utilisation",), y_axis_format=PCT
                ),
                big_number("pk_sessions", "入场车次", PARK, "sessions", ("sessions_started",)),
                bars(
                    "pk_by_lot",
                    "各停车场平均利用率",
                    PARK,
                    "lot_name",
                    ["avg_utilisation"],
                    ("lot_name", "utilisation"),
                    y_axis_format=PCT,
                ),
            ),
            (
                lines(
                    "pk_by_hour",
                    "各停车场逐小时利用率",
                    PARK,
                    "hour_start",
                    "PT1H",
                    ["avg_utilisation"],
                    ("hour_start", "lot_name", "utilisation"),
                    groupby=["lot_name"],
                    y_axis_format=PCT,
                    width=12,
                ),
            ),
            (
                table(
                    "pk_table",
                    "停车场明细",
                    PARK,
                    ["lot_name", "town"],
                    ["avg_utilisation", "peak_utilisation", "sessions", "vehicle_hours"],
                    ("lot_name", "town", "utilisation", "sessions_started", "occupied_vehicle_hours"),
                ),
            ),
        ),
        "按停车场和小时统计的泊位占用(占用车时 ÷ 泊位数)",
    ),
    DashboardSpec(
        "approvals",
        "行政审批:办件量、网上预审率、办结时长",
        (
            (
                big_number("ap_total", "申请数", APPR, "applications", ("applications",)),
                big_number(
                    "ap_prereview",
                    "网上预审率",
                    PRE,
                    "prereview_rate",
                    ("scope", "applications"),
                    adhoc_filters=[_where("scope", "==", "all")],
                    y_axis_format=PCT,
                ),
                lines(
                    "ap_daily",
                    "每日申请量与网上预审量",
                    APPR,
                    "submitted_on",
                    "P1D",
                    ["applications", "prereviewed"],
                    ("submitted_on", "applications", "prereviewed_online"),
                ),
            ),
            (
                table(
                    "ap_items",
                    "各审批事项办理情况",
                    APPR,
                    ["item_name"],
                    ["applications", "prereview_rate", "avg_hours", "avg_steps", "in_progress"],
                    ("item_name", "applications", "prereviewed_online", "avg_hours_to_decision", "avg_steps"),
                ),
            ),
        ),
        "审批事项办件量、网上预审率与平均办结时长",
    ),
    DashboardSpec(
        "hotline",
        "12345热线工单",
        (
            (
                big_number("ht_total", "工单数", HOT, "tickets", ("tickets",)),
                big_number("ht_close", "办结率", HOT, "close_rate", ("tickets", "closed"), y_axis_format=PCT),
                pie("ht_category", "按诉求类别", HOT, "category", "tickets", ("category", "tickets")),
            ),
            (
                bars(
                    "ht_street",
                    "按道路与诉求类别",
                    HOT,
                    "street",
                    ["tickets"],
                    ("street", "category", "tickets"),
                    groupby=["category"],
                    stack=True,
                    width=12,
                ),
            ),
            (
                table(
                    "ht_table",
                    "各镇道路工单明细",
                    HOT,
                    ["town", "street", "category"],
                    ["tickets", "closed", "close_rate"],
                    ("town", "street", "category", "tickets", "closed"),
                ),
            ),
        ),
        "12345热线工单按诉求类别、所属镇和道路统计",
    ),
    DashboardSpec(
        "resident-health",
        "居民健康服务(汇总)",
        (
            (
                big_number("rh_residents", "居民数", HEALTH, "residents", ("residents",)),
                big_number("rh_visits", "门诊人次", HEALTH, "clinic_visits", ("clinic_visits",)),
                bars(
                    "rh_age",
                    "按年龄段",
                    HEALTH,
                    "age_band",
                    ["residents", "chronic"],
                    ("age_band", "residents", "with_chronic_condition"),
                ),
            ),
            (
                table(
                    "rh_table",
                    "按镇、性别、年龄段汇总",
                    HEALTH,
                    ["town", "sex", "age_band"],
                    ["residents", "chronic", "clinic_visits", "kiosk_checks", "elderly_alerts"],
                    ("town", "sex", "age_band", "residents"),
                ),
            ),
        ),
        "按镇、性别、年龄段汇总的居民健康服务;不足5人的分组已隐去",
    ),
)


def dataset_spec(table_name: str) -> DatasetSpec:
    return next(d for d in DATASETS if d.table == table_name)


def all_specs_consistent() -> list[str]:
    """Problems in the specs themselves (unknown dataset or metric): checked by the unit tests."""
    problems = []
    for dash in DASHBOARDS:
        for chart in dash.charts:
            try:
                ds = dataset_spec(chart.dataset)
            except StopIteration:
                problems.append(f"{dash.slug}/{chart.key}: unknown dataset {chart.dataset}")
                continue
            names = {m.name for m in ds.metrics}
            used = chart.params.get("metrics", []) + (
                [chart.params["metric"]] if "metric" in chart.params else []
            )
            problems += [f"{dash.slug}/{chart.key}: unknown metric {m}" for m in used if m not in names]
    return problems

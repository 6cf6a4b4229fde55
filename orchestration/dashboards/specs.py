"""Datasets, charts and dashboards as data (Chinese titles and labels). Provisioning turns these into
Superset objects; column labels come from the dbt model descriptions, not restated here."""

from __future__ import annotations

from infra.zones import EXCHANGE, KPI, SHARING_GAPS, SHARING_RATE
from orchestration.dashboards.charts import bars, big_number, lines, pie, raw_table, table, where
from orchestration.dashboards.datasets import DATASETS, dataset_spec
from orchestration.dashboards.model import (
    CATALOG,
    DATABASE_NAME,
    PCT,
    ChartSpec,
    DashboardSpec,
    DatasetSpec,
    Metric,
)

__all__ = ["CATALOG", "DASHBOARDS", "DATABASE_NAME", "DATASETS", "ChartSpec", "DashboardSpec", "DatasetSpec"]
__all__ += ["Metric", "all_specs_consistent", "dataset_spec"]

SR, GAPS, PRE = SHARING_RATE, SHARING_GAPS, KPI.table("online_prereview_rate")
PARK, APPR = EXCHANGE.table("parking_utilisation_hourly"), EXCHANGE.table("approval_progress")
HOT, HEALTH = EXCHANGE.table("hotline_tickets_by_street"), EXCHANGE.table("resident_health_summary")
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
                    adhoc_filters=[where("department", "==", "all")],
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
                    adhoc_filters=[where("department", "!=", "all")],
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
                    ("scope_kind", "applications", "prereviewed_online"),
                    adhoc_filters=[where("scope_kind", "==", "all")],
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
                    (
                        "item_name",
                        "applications",
                        "prereviewed_online",
                        "hours_to_decision",
                        "decided",
                        "avg_steps",
                    ),
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

"""The Superset datasets: one per shared table a dashboard reads, with its metrics (Chinese labels).

Metrics aggregate only what may be aggregated that way: SUM and COUNT only over measures the model's yml
declares additive (`meta: {additivity: ...}`), a semi-additive one only pinned to one value of the dimension
it does not add up over, and rates as ratios of sums (tests/unit/orchestration/dashboards/test_metric_additivity.py checks
this against the dbt manifest). Column labels and descriptions come from governance.column_docs (labels.py).
"""

from __future__ import annotations

from infra.zones import EXCHANGE, KPI, SHARING_GAPS, SHARING_RATE
from orchestration.dashboards.model import PCT, DatasetSpec, Metric

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        SHARING_RATE,
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
    DatasetSpec(SHARING_GAPS, "共享缺口清单", (Metric("gap_count", "COUNT(*)", "缺口数"),)),
    DatasetSpec(
        KPI.table("online_prereview_rate"),
        "网上预审率",
        (
            Metric(
                "prereview_rate",
                # the mart holds an 'all' row, item rows and department rows: each alone counts every
                # application once, so the sums are pinned to the 'all' rows
                "SUM(CASE WHEN scope_kind = 'all' THEN prereviewed_online END) * 1.0"
                " / NULLIF(SUM(CASE WHEN scope_kind = 'all' THEN applications END), 0)",
                "网上预审率",
                PCT,
            ),
        ),
    ),
    DatasetSpec(
        EXCHANGE.table("parking_utilisation_hourly"),
        "停车场小时利用率",
        (
            Metric("avg_utilisation", "AVG(utilisation)", "平均利用率", PCT),
            Metric("peak_utilisation", "MAX(utilisation)", "峰值利用率", PCT),
            Metric("sessions", "SUM(sessions_started)", "入场车次"),
            Metric("vehicle_hours", "SUM(occupied_vehicle_hours)", "占用车时"),
        ),
    ),
    DatasetSpec(
        EXCHANGE.table("approval_progress"),
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
                "SUM(hours_to_decision) / NULLIF(SUM(decided), 0)",
                "平均办结时长(小时)",
                ".1f",
            ),
            Metric("avg_steps", "AVG(avg_steps)", "平均环节数", ".1f"),
            Metric("in_progress", "SUM(in_progress)", "办理中"),
        ),
    ),
    DatasetSpec(
        EXCHANGE.table("hotline_tickets_by_street"),
        "12345热线工单分布",
        (
            Metric("tickets", "SUM(tickets)", "工单数"),
            Metric("closed", "SUM(closed)", "办结数"),
            Metric("close_rate", "SUM(closed) * 1.0 / NULLIF(SUM(tickets), 0)", "办结率", PCT),
        ),
    ),
    DatasetSpec(
        EXCHANGE.table("resident_health_summary"),
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
        EXCHANGE.table("enterprise_profile"),
        "企业画像",
        (Metric("enterprises", "COUNT(*)", "企业数"),),
    ),
    # energy is metered per building: summed at the building grain, never over enterprises
    DatasetSpec(
        EXCHANGE.table("building_energy"),
        "楼宇能耗",
        (
            Metric("buildings", "COUNT(*)", "楼宇数"),
            Metric("energy_kwh", "SUM(energy_kwh)", "楼宇用电量(千瓦时)"),
            Metric(
                "energy_kwh_per_m2",
                "SUM(energy_kwh) / NULLIF(SUM(floor_area_m2), 0)",
                "单位面积用电量(千瓦时/平方米)",
                ".2f",
            ),
        ),
    ),
)


def dataset_spec(table_name: str) -> DatasetSpec:
    return next(d for d in DATASETS if d.table == table_name)

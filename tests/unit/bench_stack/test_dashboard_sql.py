"""The stack benchmark's analyst queries: ten distinct chart SELECTs both engines accept (bench/dashboard_sql.py)."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from bench.dashboard_sql import analyst_queries, chart_sql
from orchestration.dashboards.specs import DASHBOARDS, dataset_spec


def test_ten_distinct_queries_cover_every_dashboard_and_chart_type() -> None:
    queries = analyst_queries(10)
    assert len(queries) == 10 and len({q.sql for q in queries}) == 10
    assert {q.dashboard for q in queries} == {d.slug for d in DASHBOARDS}
    kinds = {q.viz_type for q in queries}
    assert {"echarts_timeseries_bar", "echarts_timeseries_line", "table", "pie"} <= kinds
    # Grouped charts first: no single number among the ten while grouped ones are left.
    assert "big_number_total" not in kinds


def test_metrics_and_filters_come_from_the_definitions() -> None:
    chart = next(c for d in DASHBOARDS for c in d.charts if c.key == "sr_by_dept")
    sql = chart_sql(chart)
    for metric in dataset_spec(chart.dataset).metrics:
        if metric.name in chart.params["metrics"]:
            assert f'{metric.expression} AS "{metric.name}"' in sql
    assert "WHERE \"department\" <> 'all'" in sql and sql.endswith("LIMIT 1000")


def test_every_query_parses_for_both_engines_and_orders_by_output_names() -> None:
    for query in analyst_queries(10):
        for dialect in ("duckdb", "trino"):
            statement = sqlglot.parse_one(query.sql, read=dialect)
            assert isinstance(statement, exp.Select), query.chart
            order = statement.args.get("order")
            # Trino refuses an aggregate in ORDER BY over a name that is also an output column's.
            assert order is None or not any(o.find(exp.AggFunc) for o in order.expressions), query.chart
            tables = {f"{t.db}.{t.name}" for t in statement.find_all(exp.Table)}
            assert tables == {query.table}, query.chart

"""The SELECT each dashboard chart asks for, rendered from our dashboard definitions (no SQL copied here).

Superset builds a chart's query from the chart's params and its dataset's metrics; this renders the same
shape from `orchestration.dashboards.specs`: the metrics' SQL expressions (`DatasetSpec.metrics`), the chart's
x axis / group-by columns (a temporal x axis truncated to its time grain), its WHERE filters, the ordering
by the first metric and its row limit. The text is plain SQL both engines accept (DuckDB and Trino), with
zone-qualified table names (`exchange.approval_progress`): Trino resolves them in its default catalog,
`lakehouse sql` in the Iceberg catalog.

Ten analyst queries: in each dashboard the charts that group or list rows come before single numbers,
and the dashboards take turns (one chart of each, then a second of each …), so the ten cover every
dashboard and every chart type (bars, lines, aggregate table, raw table, pie).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration.dashboards.model import ChartSpec, DashboardSpec
from orchestration.dashboards.specs import DASHBOARDS, dataset_spec

# Superset's time grains (ISO 8601 durations) as the unit both engines' date_trunc takes.
GRAINS = {"PT1M": "minute", "PT1H": "hour", "P1D": "day", "P1W": "week", "P1M": "month", "P1Y": "year"}
OPERATORS = {"==": "=", "!=": "<>", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
# Superset's default row limit of a chart that does not set one (big numbers, pies).
DEFAULT_LIMIT = 10000
SINGLE_NUMBER = "big_number_total"


@dataclass(frozen=True)
class ChartQuery:
    dashboard: str
    chart: str
    viz_type: str
    table: str
    sql: str


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _where(params: dict[str, Any]) -> str:
    conditions = []
    for condition in params.get("adhoc_filters", []):
        operator = OPERATORS[condition["operator"]]
        conditions.append(f"{_quote(condition['subject'])} {operator} {_literal(condition['comparator'])}")
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def chart_sql(chart: ChartSpec) -> str:
    """The chart's SELECT (see the module doc for what is taken from where)."""
    params = chart.params
    dataset = dataset_spec(chart.dataset)
    metrics = {m.name: m.expression for m in dataset.metrics}
    names = list(params.get("metrics", [])) or ([params["metric"]] if "metric" in params else [])
    where = _where(params)
    limit = int(params.get("row_limit", DEFAULT_LIMIT))
    if params.get("query_mode") == "raw":
        columns = ", ".join(_quote(c) for c in params["all_columns"])
        return f"SELECT {columns} FROM {chart.dataset}{where} LIMIT {limit}"
    dimensions: list[tuple[str, str]] = []  # (expression, alias)
    if "x_axis" in params:
        x = params["x_axis"]
        grain = params.get("time_grain_sqla")
        expression = f"date_trunc('{GRAINS[grain]}', {_quote(x)})" if grain else _quote(x)
        dimensions.append((expression, x))
    dimensions += [(_quote(c), c) for c in params.get("groupby", [])]
    selected = [f"{expression} AS {_quote(alias)}" for expression, alias in dimensions]
    selected += [f"{metrics[name]} AS {_quote(name)}" for name in names]
    sql = f"SELECT {', '.join(selected)} FROM {chart.dataset}{where}"
    if dimensions:
        sql += " GROUP BY " + ", ".join(expression for expression, _alias in dimensions)
        order = params.get("timeseries_limit_metric", names[0])
        # By the output names: in Trino a name inside an ORDER BY aggregate means the output column when
        # one is called so (`SUM(applications)` beside `… AS "applications"` is refused). Ties broken by
        # the dimensions, so both engines return the same rows under the limit.
        sql += f" ORDER BY {_quote(order)} DESC, " + ", ".join(_quote(alias) for _e, alias in dimensions)
        sql += f" LIMIT {limit}"
    return sql


def _grouped_first(dashboard: DashboardSpec) -> list[ChartSpec]:
    charts = dashboard.charts
    return [c for c in charts if c.viz_type != SINGLE_NUMBER] + [
        c for c in charts if c.viz_type == SINGLE_NUMBER
    ]


def analyst_queries(count: int = 10, dashboards: tuple[DashboardSpec, ...] = DASHBOARDS) -> list[ChartQuery]:
    """``count`` distinct chart SELECTs, the dashboards taking turns (module doc)."""
    queues = [(d.slug, _grouped_first(d)) for d in dashboards]
    chosen: list[ChartQuery] = []
    seen: set[str] = set()
    for turn in range(max(len(charts) for _slug, charts in queues)):
        for slug, charts in queues:
            if turn < len(charts) and len(chosen) < count:
                chart = charts[turn]
                sql = chart_sql(chart)
                if sql not in seen:
                    seen.add(sql)
                    chosen.append(ChartQuery(slug, chart.key, chart.viz_type, chart.dataset, sql))
    return chosen


if __name__ == "__main__":
    for query in analyst_queries():
        print(f"{query.dashboard}/{query.chart} ({query.viz_type}):\n  {query.sql}")

"""The shapes of the dashboard specs: datasets with metrics, charts, dashboards (plain data)."""

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


# Superset number format of shares.
PCT = ".1%"

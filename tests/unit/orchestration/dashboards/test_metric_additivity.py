"""Superset metrics add up only what adds up: every column under SUM or COUNT is declared additive in the
dbt model's yml (read through infra.dbt_manifest), or semi-additive and pinned to one value of each
dimension it does not add up over (`CASE WHEN scope_kind = 'all' THEN …`)."""

from __future__ import annotations

import re

import pytest

from infra.dbt_manifest import load_manifest
from orchestration.dashboards.datasets import DATASETS
from orchestration.dashboards.model import DatasetSpec

AGGREGATE = re.compile(r"\b(SUM|COUNT)\s*\(", re.IGNORECASE)
IDENTIFIER = re.compile(r"\b[a-z_][a-z0-9_]*\b")
MODELLED = {m.table for m in load_manifest().marts()}


def aggregated_arguments(expression: str) -> list[str]:
    """The text inside each SUM(…) / COUNT(…) of a metric expression (parentheses balanced)."""
    found = []
    for match in AGGREGATE.finditer(expression):
        depth, start = 1, match.end()
        for i in range(start, len(expression)):
            depth += {"(": 1, ")": -1}.get(expression[i], 0)
            if depth == 0:
                found.append(expression[start:i])
                break
    return found


def additivity_problems(spec: DatasetSpec) -> list[str]:
    model = load_manifest().mart(str(spec.table))
    grain = set(model.meta.get("grain") or [])
    problems = []
    for metric in spec.metrics:
        for argument in aggregated_arguments(metric.expression):
            unquoted = re.sub(r"'[^']*'", "''", argument)
            for name in set(IDENTIFIER.findall(unquoted)) & set(model.column_names):
                if name in grain:
                    continue  # a dimension in a CASE WHEN, not a measure being added
                meta = model.column(name).meta
                additivity = meta.get("additivity")
                pinned = all(
                    re.search(rf"WHEN\s+{d}\s*=", argument, re.IGNORECASE) for d in meta.get("not_across", [])
                )
                if additivity == "additive" or (additivity == "semi_additive" and pinned):
                    continue
                problems.append(f"{spec.table} {metric.name}: {name} is {additivity or 'undeclared'}")
    return problems


def test_the_metric_parser_sees_nested_aggregates() -> None:
    assert aggregated_arguments("SUM(a * (b + c)) / NULLIF(COUNT(d), 0)") == ["a * (b + c)", "d"]


@pytest.mark.parametrize("spec", [d for d in DATASETS if d.table in MODELLED], ids=lambda d: str(d.table))
def test_metrics_sum_only_additive_measures(spec: DatasetSpec) -> None:
    assert additivity_problems(spec) == []


def test_the_check_refuses_a_sum_over_a_non_additive_or_unpinned_measure() -> None:
    from orchestration.dashboards.model import Metric

    approvals = next(d for d in DATASETS if str(d.table) == "exchange.approval_progress")
    kpi = next(d for d in DATASETS if str(d.table) == "kpi.online_prereview_rate")
    bad = (
        DatasetSpec(approvals.table, "x", (Metric("h", "SUM(avg_hours_to_decision * approved)", "时长"),)),
        DatasetSpec(kpi.table, "x", (Metric("a", "SUM(applications)", "申请数"),)),
    )
    assert [len(additivity_problems(s)) for s in bad] == [1, 1]

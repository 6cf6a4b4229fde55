"""Real Superset in headless Chromium: an analyst sees the business names and descriptions of a dataset's
columns (from the contracts and dbt yml, through governance.column_docs) in Explore's column panel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from governance.column_docs import ColumnDoc
from orchestration.dashboards import specs
from orchestration.dashboards.client import SupersetClient
from orchestration.dashboards.labels import dataset_doc
from tests.browser.pages import log_in, offline_page

pytestmark = [pytest.mark.browser, pytest.mark.stack]

ANALYST = "analyst_transport"  # every department may read the kpi zone
TABLE = "kpi.online_prereview_rate"
METRIC_LABELS = {m.label for ds in specs.DATASETS for m in ds.metrics}


def _noted_column() -> ColumnDoc:
    """A column whose description says more than its business name (so the test cannot pass on the label)."""
    for column in dataset_doc(TABLE).columns:
        if column.business_name and column.description and column.business_name not in METRIC_LABELS:
            return column
    raise AssertionError(f"{TABLE}: no column with both a business name and a description")


@pytest.fixture
def analyst_page(superset_site, chromium) -> Iterator[Any]:
    context, page = offline_page(chromium, superset_site, {"width": 1600, "height": 1100})
    log_in(page, superset_site, ANALYST)
    yield page
    context.close()


def _dataset_id(superset_site) -> int:
    zone, name = TABLE.split(".")
    with SupersetClient(superset_site.url).login(ANALYST, superset_site.user(ANALYST).password) as api:
        found = [d for d in api.find("dataset", table_name=name) if d.get("schema") == zone]
    assert found, f"{ANALYST} is not offered the dataset {TABLE}"
    return int(found[0]["id"])


def test_explore_column_panel_shows_business_names_and_descriptions(
    superset_site, analyst_page, artifacts: Path
) -> None:
    column = _noted_column()
    page = analyst_page
    page.goto(
        f"{superset_site.url}/explore/?datasource_type=table&datasource_id={_dataset_id(superset_site)}"
    )
    label = page.get_by_text(column.business_name or "", exact=True).first
    label.wait_for(timeout=90_000)
    # Every documented column is listed under its business name, not its identifier.
    for doc in dataset_doc(TABLE).columns:
        if doc.business_name:
            assert page.get_by_text(doc.business_name, exact=True).count() > 0, doc.name
    label.hover()
    tooltip = page.locator(".ant-tooltip:visible").filter(has_text=column.description or "")
    tooltip.first.wait_for(timeout=15_000)
    text = tooltip.first.inner_text()
    assert column.text in text and column.name in text
    page.screenshot(path=str(artifacts / "dataset-column-docs.png"))
    assert page.outside_requests == []

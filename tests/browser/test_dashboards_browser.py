"""Real Superset + Trino in headless Debian Chromium: what an analyst sees after logging in."""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestration.dashboards import specs
from tests.browser.pages import log_in, offline_page

pytestmark = [pytest.mark.browser, pytest.mark.stack]

PARKING = next(d for d in specs.DASHBOARDS if d.slug == "parking-utilisation")
HEALTH = next(d for d in specs.DASHBOARDS if d.slug == "resident-health")
README_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "parking-dashboard.png"
ERROR_BOXES = ".ant-alert-error, .alert-danger, [data-test='error-alert'], .error-message"


@pytest.fixture
def page_for(superset_site, chromium) -> Iterator[Any]:
    """page_for(user) -> a logged-in page; requests to any other host than Superset's are aborted."""
    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context, page = offline_page(chromium, superset_site, {"width": 1600, "height": 1300})
        contexts.append(context)
        log_in(page, superset_site, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _chart_has_data(holder: Any, viz_type: str) -> bool:
    if viz_type.startswith("echarts") or viz_type == "pie":
        return holder.locator("canvas, svg path").count() > 0
    if viz_type == "table":
        return holder.locator("table tbody tr").count() > 0
    if viz_type == "big_number_total":
        line = holder.locator(".header-line")
        text = line.first.inner_text().strip() if line.count() else ""
        return bool(text) and text not in ("N/A", "–", "-")
    raise AssertionError(f"no data check for {viz_type}")


def _every_chart_rendered(page: Any, dashboard: Any, seconds: float) -> bool:
    """Whether, within ``seconds``, every chart of ``dashboard`` is on the page with its data drawn."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        holders = [page.locator(f"[data-test-chart-name='{chart.title}']") for chart in dashboard.charts]
        if all(
            holder.count() == 1 and _chart_has_data(holder, chart.viz_type)
            for holder, chart in zip(holders, dashboard.charts, strict=True)
        ):
            page.wait_for_timeout(1500)  # ECharts animates its first frame
            return True
        page.wait_for_timeout(1000)
    return False


def _open_dashboard(page: Any, site_url: str, dashboard: Any) -> None:
    """Open ``dashboard`` and wait until every chart has drawn its data. Once the grid was seen to render
    and then go blank in CI, right after the dashboards were provisioned: the page is loaded once more then,
    with a warning; if it stays incomplete, the test's assertions say what is missing."""
    for attempt in (1, 2):
        page.goto(f"{site_url}/superset/dashboard/{dashboard.slug}/")
        if _every_chart_rendered(page, dashboard, seconds=120):
            return
        if attempt == 1:
            warnings.warn(
                f"dashboard {dashboard.slug} incomplete after its first load; loading it again", stacklevel=2
            )


def test_transport_analyst_sees_every_parking_chart_with_data(page_for, artifacts: Path) -> None:
    page = page_for("analyst_transport")
    _open_dashboard(page, page.url.split("/superset/")[0], PARKING)
    shot = artifacts / "parking-dashboard.png"
    page.screenshot(path=str(shot), full_page=True)

    assert page.locator(ERROR_BOXES).count() == 0, page.locator(ERROR_BOXES).all_inner_texts()
    for chart in PARKING.charts:
        holder = page.locator(f"[data-test-chart-name='{chart.title}']")
        assert holder.count() == 1, f"chart {chart.title} is not on the dashboard"
        assert _chart_has_data(holder, chart.viz_type), f"chart {chart.title} rendered no data"
    assert page.get_by_text(PARKING.title).first.is_visible()
    assert shot.stat().st_size > 50_000
    # The README shows the screenshot this test produced.
    README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, README_IMAGE)


def test_no_request_leaves_the_machine(page_for, superset_site) -> None:
    page = page_for("analyst_transport")
    _open_dashboard(page, superset_site.url, PARKING)
    # The telemetry pixel is refused by our Content Security Policy before any request is made;
    # the route above would catch (and abort) anything else that tried to leave.
    assert page.outside_requests == []
    csp = page.request.get(f"{superset_site.url}/login/").headers["content-security-policy"]
    assert "scarf" not in csp and "https://" not in csp


def test_health_analyst_does_not_see_the_parking_dashboard(page_for, superset_site) -> None:
    page = page_for("analyst_health")
    page.goto(f"{superset_site.url}/dashboard/list/?viewMode=table")
    # Positive control first: the list has rendered and shows the health dashboard.
    page.get_by_text(HEALTH.title).first.wait_for(timeout=60_000)
    assert page.get_by_text(PARKING.title).count() == 0

    page.goto(f"{superset_site.url}/superset/dashboard/{PARKING.slug}/")
    page.wait_for_timeout(3000)
    assert page.locator("[data-test-chart-name]").count() == 0

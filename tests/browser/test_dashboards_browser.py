"""Real Superset + Trino in headless Debian Chromium: what an analyst sees after logging in."""

from __future__ import annotations

import shutil
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


def _wait_rendered(page: Any, expected: int) -> None:
    holders = page.locator(".dashboard-component-chart-holder")
    holders.nth(expected - 1).wait_for(timeout=60_000)
    # Every chart has left its loading state when no spinner is left in any chart holder.
    page.wait_for_function(
        "() => document.querySelectorAll('.dashboard-component-chart-holder .loading').length === 0",
        timeout=90_000,
    )
    page.wait_for_timeout(1500)  # ECharts animates its first frame


def _chart_has_data(holder: Any, viz_type: str) -> bool:
    if viz_type.startswith("echarts") or viz_type == "pie":
        return holder.locator("canvas, svg path").count() > 0
    if viz_type == "table":
        return holder.locator("table tbody tr").count() > 0
    if viz_type == "big_number_total":
        text = holder.locator(".header-line").inner_text().strip()
        return bool(text) and text not in ("N/A", "–", "-")
    raise AssertionError(f"no data check for {viz_type}")


def test_transport_analyst_sees_every_parking_chart_with_data(page_for, artifacts: Path) -> None:
    page = page_for("analyst_transport")
    page.goto(f"{page.url.split('/superset/')[0]}/superset/dashboard/{PARKING.slug}/")
    _wait_rendered(page, len(PARKING.charts))
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
    page.goto(f"{superset_site.url}/superset/dashboard/{PARKING.slug}/")
    _wait_rendered(page, len(PARKING.charts))
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

"""The auditors' pages in headless Debian Chromium with the network cut: the dossier index, one dossier
(its SVG lineage graph, column table and pass/fail marks) and the GX Data Docs index all render from
the files alone, as on an intranet with no internet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from governance.dossier import build_dossier
from governance.dossier.build import shared_tables
from infra.catalog import open_catalog
from ingest.simulator import simulate
from orchestration.cli_lineage import load_current
from orchestration.run import materialize_all

pytestmark = pytest.mark.browser

README_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "dossier.png"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Iterator[tuple[Path, list[str]]]:
    """A real embedded pipeline run (tiny scale) and its dossier; yields the reports folder and tables."""
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "browser-test-pseudonym-key-0003")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    simulate(home / "sources", scale=0.01, days=2, seed=17, start=date(2026, 11, 20))
    assert materialize_all(progress=print)
    catalog = open_catalog()
    build_dossier(catalog, load_current(), home / "reports" / "audit")
    yield home / "reports", shared_tables(catalog)
    patch.undo()


@pytest.fixture
def offline_page(chromium) -> Iterator[Any]:
    """A page whose context is offline and aborts every request that is not a local file (recorded)."""
    context = chromium.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN", offline=True)
    page = context.new_page()
    page.outside_requests = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file://"):
            request_route.continue_()
        else:
            page.outside_requests.append(url)
            request_route.abort()

    context.route("**/*", route)
    yield page
    context.close()


def test_the_dossier_index_lists_every_shared_table_with_its_marks(reports, offline_page):
    folder, tables = reports
    page = offline_page
    page.goto((folder / "audit" / "index.html").as_uri())
    rows = page.locator("table.index tbody tr")
    assert rows.count() == len(tables)
    assert page.locator("table.index a").all_inner_texts() == tables
    assert page.locator("table.index .mark.pass").count() >= len(tables) - 3  # KPI tables may be unvalidated
    assert page.locator("table.index .mark.pass").first.is_visible()
    assert page.outside_requests == []


def test_a_dossier_renders_its_graph_columns_and_marks_offline(reports, offline_page):
    folder, _ = reports
    page = offline_page
    page.goto((folder / "audit" / "exchange.enterprise_profile.html").as_uri())
    graph = page.locator("svg.lineage")
    assert graph.is_visible()
    box = graph.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 150
    nodes = page.locator("svg.lineage g.node")
    assert nodes.count() >= 10  # six sources, their raw and staging tables, the views, the mart
    assert page.locator("svg.lineage path.edge").count() >= nodes.count() - 1
    assert page.locator('svg.lineage g.node[data-table="exchange.enterprise_profile"]').is_visible()
    # The boxes' Chinese titles are drawn, not tofu: the text has a width.
    title = page.locator('svg.lineage g.node[data-table="raw_development.enterprises"] text').nth(1)
    assert title.text_content() == "园区企业" and title.bounding_box()["width"] > 20
    columns = page.locator("table.columns tbody tr")
    assert columns.count() == len(open_catalog().load_table("exchange.enterprise_profile").schema().fields)
    assert (
        page.locator("table.columns tbody tr", has_text="legal_representative").locator(".masked").count()
        >= 1
    )
    assert page.locator("table.gates .mark.pass").count() >= 5
    assert page.locator("table.gates .mark.fail").count() == 0
    assert page.locator("table.readers tbody tr").count() >= 1
    README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_IMAGE))
    assert page.outside_requests == []


def test_the_data_docs_index_renders_offline_with_its_marks(reports, offline_page):
    folder, _ = reports
    page = offline_page
    index = folder / "quality" / "index.html"
    assert index.exists()
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    assert page.outside_requests == []
    # The validation list is drawn by the page's own (vendored) scripts: rows with their success marks,
    # the marks drawn in Font Awesome's (vendored) font.
    rows = page.locator("#section-1-content-block-2-1-body-table tbody tr")
    assert rows.count() == 10  # the first page of the paginated list
    marks = rows.locator(".fa-check-circle.text-success")
    assert marks.count() == 10 and marks.first.is_visible()
    assert marks.first.bounding_box()["width"] > 5
    loaded = page.evaluate(
        "async () => { await document.fonts.ready; return [...document.fonts]"
        ".filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight); }"
    )
    assert "Font Awesome 6 Free 900" in loaded  # the solid face the check marks are drawn in
    assert page.locator(".fa-times-circle, .text-danger").count() == 0

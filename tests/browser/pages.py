"""Browser pages on the test stack's Superset: offline (no request leaves the machine) and logged in."""

from __future__ import annotations

import re
import warnings
from typing import Any

from infra.stack.superset import server


def offline_page(chromium: Any, site: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    """A new browser context and page on which every request to a host other than Superset's is aborted and
    recorded in `page.outside_requests` (the intranet has no internet)."""
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.outside_requests = []

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith(site.url):
            request_route.continue_()
        else:
            page.outside_requests.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return context, page


# Where Superset's login form sends the browser: the welcome page, or back to the login page.
_AFTER_LOGIN = re.compile(r"/superset/welcome/|/login/\?")


def log_in(page: Any, site: Any, username: str) -> None:
    """Log in through Superset's own login form, as an analyst does, and wait for the welcome page.

    Superset's form posts a CSRF token its script fetches after the page loads, so the form is filled only
    once the page is idle. A login that lands back on the login page is tried once more (seen once in CI,
    right after the stack started); the retry is reported as a warning with Superset's log of the attempt,
    and a second failure fails the test with that log."""
    log_file = site.paths.log_file(server.NAME)
    for attempt in (1, 2):
        log_start = log_file.stat().st_size if log_file.exists() else 0
        page.goto(f"{site.url}/login/")
        page.wait_for_load_state("networkidle")
        page.fill("input#username", username)
        page.fill("input#password", site.user(username).password)
        page.keyboard.press("Enter")
        page.wait_for_url(_AFTER_LOGIN, timeout=60_000)
        if "/superset/welcome/" in page.url:
            page.wait_for_load_state("load")
            return
        with log_file.open("rb") as log:
            log.seek(log_start)
            superset_log = log.read().decode("utf-8", errors="replace")[-4000:]
        report = (
            f"login of {username} (attempt {attempt}) ended on {page.url}; Superset's log:\n{superset_log}"
        )
        if attempt == 2:
            raise AssertionError(report)
        warnings.warn(report, stacklevel=2)

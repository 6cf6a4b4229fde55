"""A real stack with Superset and data for the dashboard tests: started once for tests/browser, stopped after.

Its own temporary LAKEHOUSE_HOME and free loopback ports (like tests/stack's `running_stack`, which other
test folders cannot see); package scope, so it is down before the next folder's stack starts and two
stacks never run at once. Data: the simulator plus the real pipeline (`materialize_all`) on the stack
profile, so the dashboards show marts built the way production builds them.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from governance.sharing.service import rules_at_start
from infra import stack
from infra.settings import Settings, load_settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser
from infra.stack.superset import server
from infra.stack.superset.browser import CHROMIUM_ARGS, ensure_chromium
from infra.stack.superset.secrets import people
from tests.factories import free_port

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
MARTS = ("exchange.parking_utilisation_hourly", "exchange.resident_health_summary", "kpi.sharing_rate")


@dataclasses.dataclass(frozen=True)
class Site:
    settings: Settings
    paths: StackPaths
    timings: dict[str, float]

    @property
    def url(self) -> str:
        return server.url(self.settings)

    def user(self, name: str) -> TrinoUser:
        return next(u for u in people(self.paths.secrets) if u.name == name)


def _stack_env(settings: Settings) -> dict[str, str]:
    """What `load_settings()` in the pipeline needs to find this stack."""
    return {
        "LAKEHOUSE_PROFILE": "stack",
        "LAKEHOUSE_HOME": str(settings.home),
        "LAKEHOUSE_PG_PORT": str(settings.pg_port),
        "LAKEHOUSE_S3_ENDPOINT": settings.s3_endpoint,
        "LAKEHOUSE_TRINO_PORT": str(settings.trino_port),
        "LAKEHOUSE_AUDIT_PORT": str(getattr(settings, "audit_port", "")),
        "LAKEHOUSE_SUPERSET_PORT": str(server.port(settings)),
        "DAGSTER_HOME": str(settings.home / "dagster"),
    }


def _load_marts(settings: Settings) -> None:
    from ingest.simulator import simulate
    from orchestration.run import materialize_all

    with pytest.MonkeyPatch.context() as mp:
        for key, value in _stack_env(settings).items():
            if value:
                mp.setenv(key, value)
        start = date.today() - timedelta(days=1)
        simulate(settings.sources_dir, scale=0.02, days=2, seed=7, start=start)
        materialize_all(progress=print)


@pytest.fixture(scope="package")
def superset_site() -> Iterator[Site]:
    ensure_chromium()
    # Short, world-traversable path: PostgreSQL's socket path limit and its OS user (see tests/stack).
    home = Path(tempfile.mkdtemp(prefix="lhss-"))
    home.chmod(0o755)
    fields = {f.name for f in dataclasses.fields(Settings)}
    ports = {"audit_port": free_port()} if "audit_port" in fields else {}
    settings = dataclasses.replace(
        load_settings(),
        profile="stack",
        home=home,
        pg_port=free_port(),
        pg_password="",
        s3_endpoint=f"http://127.0.0.1:{free_port()}",
        s3_access_key="lakehouse",
        s3_secret_key="",
        trino_port=free_port(),
        trino_worker_port=free_port(),
        extra={"superset_port": str(free_port())},
        **ports,
    )
    timings: dict[str, float] = {}
    try:
        began = time.monotonic()
        stack.up(settings, components=[server.NAME], progress=print, access_rules=rules_at_start)
        timings["stack_up_s"] = time.monotonic() - began
        settings = stack.stack_settings(settings)
        paths = StackPaths.of(settings)
        began = time.monotonic()
        _load_marts(settings)
        timings["pipeline_s"] = time.monotonic() - began
        from orchestration.dashboards.provision import provision, trino_columns

        built = trino_columns(settings, paths, {t.split(".")[0] for t in MARTS})
        missing = [t for t in MARTS if t not in built]
        assert not missing, f"the pipeline did not build {missing}"
        began = time.monotonic()
        provision(settings, paths, progress=print)
        timings["provision_s"] = time.monotonic() - began
        yield Site(settings, paths, timings)
    finally:
        stack.down(settings)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="package")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()), args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

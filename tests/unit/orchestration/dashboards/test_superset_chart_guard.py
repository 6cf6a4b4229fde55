"""The Superset config's guard against charts on unreadable datasets covers the chart-saving REST paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.stack.superset import server


@pytest.fixture
def config(monkeypatch, tmp_path: Path) -> dict[str, object]:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(
        json.dumps({"secret_key": "k", "metadata_uri": "postgresql://x", "data_dir": "/d"})
    )
    monkeypatch.setenv("LAKEHOUSE_SUPERSET_SETTINGS", str(settings_file))
    namespace: dict[str, object] = {}
    exec(compile(server.CONFIG_MODULE.read_text(), "superset_config.py", "exec"), namespace)
    return namespace


def test_the_guard_is_registered_through_the_hook_superset_calls(config: dict[str, object]) -> None:
    assert callable(config["FLASK_APP_MUTATOR"])


@pytest.mark.parametrize("path", ["/api/v1/chart/", "/api/v1/chart", "/api/v1/chart/12", "/api/v1/chart/12/"])
def test_chart_create_and_update_paths_are_checked(config: dict[str, object], path: str) -> None:
    pattern = config["_CHART_API"]
    assert isinstance(pattern, re.Pattern) and pattern.match(path)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/chart/data", "/api/v1/chart/12/data/", "/api/v1/chart/favorite_status/", "/api/v1/dashboard/"],
)
def test_other_chart_endpoints_are_left_to_superset(config: dict[str, object], path: str) -> None:
    # /chart/data already checks dataset access itself (403); it carries no datasource_id to check anyway.
    pattern = config["_CHART_API"]
    assert isinstance(pattern, re.Pattern) and not pattern.match(path)

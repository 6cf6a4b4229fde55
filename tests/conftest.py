"""Shared fixtures: every test gets its own LAKEHOUSE_HOME, so nothing touches ./var."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def lakehouse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "lakehouse"
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")
    monkeypatch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "unit-test-pseudonym-key-not-secret")
    return home


@pytest.fixture
def catalog(lakehouse_home: Path):
    from infra.catalog import open_catalog

    return open_catalog()

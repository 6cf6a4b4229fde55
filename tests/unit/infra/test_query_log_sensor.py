"""The query-log sensor: a run as soon as the receiver's spool grew, nothing while it did not."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.audit import _default_status, query_log_when_spool_grows
from orchestration.resources import LakehouseResource


@pytest.fixture
def audit_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "stack")
    folder = tmp_path / "stack" / "audit"
    folder.mkdir(parents=True)
    return folder


def _tick(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
    context = dg.build_sensor_context(
        cursor=cursor, resources={"lakehouse": LakehouseResource(profile="stack")}
    )
    return query_log_when_spool_grows(context)


def _append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


def test_runs_when_the_spool_grew_and_only_then(audit_dir: Path) -> None:
    assert isinstance(_tick(None), dg.SkipReason)  # nothing spooled yet
    _append(audit_dir / "query-events.ndjson", '{"metadata": {}}\n')
    first = _tick(None)
    assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
    assert isinstance(_tick(first.cursor), dg.SkipReason)  # same size: no second run
    _append(audit_dir / "query-events.ndjson", '{"metadata": {}}\n')
    second = _tick(first.cursor)
    assert isinstance(second, dg.SensorResult)
    assert second.run_requests[0].run_key != first.run_requests[0].run_key
    # A refused post is reported with the next load too.
    _append(audit_dir / "refused-posts.ndjson", '{"reason": "no token"}\n')
    assert isinstance(_tick(second.cursor), dg.SensorResult)


def test_sensor_polls_every_30_s_and_runs_by_default_on_the_stack(
    audit_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert query_log_when_spool_grows.minimum_interval_seconds == 30
    assert _default_status() == dg.DefaultSensorStatus.RUNNING
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")
    assert _default_status() == dg.DefaultSensorStatus.STOPPED

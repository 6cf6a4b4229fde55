"""The alert sensors on real Dagster runs: a run that fails and a gate that fails on planted personal data,
each evaluated by the sensor's own tick on a temporary instance and home, reach governance.alerts and a
loopback webhook once, without the planted value."""

from __future__ import annotations

import json
from collections.abc import Iterator

import dagster as dg
import pytest
from click.testing import CliRunner

from governance.alerts import WEBHOOK_ENV, recent_alerts
from orchestration.cli_alerts import alerts
from orchestration.defs.alerts import GATE_CHECKS, gate_failure_alerts, run_failure_alerts
from orchestration.resources import lakehouse_resource
from tests.factories import resident_id
from tests.unit.governance.test_alerts import Receiver

pytestmark = pytest.mark.integration

PLANTED = resident_id("31011519900307123")


class LoadRejected(Exception):
    """Stands in for a load that fails with a message quoting a source cell."""


@dg.asset(key=["raw_transport", "parking_lots"])
def broken_load() -> None:
    raise LoadRejected(f"row 7: {PLANTED} is not allowed here")


@dg.asset(
    key=["staging", "parks"],
    check_specs=[dg.AssetCheckSpec("privacy_gate", asset=["staging", "parks"], blocking=True)],
)
def leaky_staging():
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(
        check_name="privacy_gate",
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"unmasked resident id {PLANTED} in column owner",
    )


@dg.asset(
    key=["raw_government", "hotline_tickets"],
    check_specs=[dg.AssetCheckSpec("freshness", asset=["raw_government", "hotline_tickets"])],
)
def stale_source():
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="freshness", passed=False, severity=dg.AssetCheckSeverity.WARN)


@dg.asset(deps=[leaky_staging], key=["exchange", "parks"])
def published_parks() -> None:
    raise AssertionError("a blocking gate failed upstream: this must never run")


@pytest.fixture
def instance(tmp_path) -> Iterator[dg.DagsterInstance]:
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as test_instance:
        yield test_instance


@pytest.fixture
def webhook(monkeypatch) -> Iterator[Receiver]:
    with Receiver() as receiver:
        monkeypatch.setenv(WEBHOOK_ENV, receiver.url)
        yield receiver


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"lakehouse": lakehouse_resource()}
    )
    sensor.evaluate_tick(context)
    return context.cursor


def test_a_failed_run_raises_one_alert_without_the_error_text(lakehouse_home, instance, webhook, catalog):
    cursor = _tick(run_failure_alerts, instance, None)  # first tick: starts after the newest failure
    result = dg.materialize([broken_load], instance=instance, raise_on_error=False)
    assert not result.success
    cursor = _tick(run_failure_alerts, instance, cursor)
    (row,) = recent_alerts(catalog)
    assert row["kind"] == "run_failure" and row["run_id"] == result.run_id
    assert row["severity"] == "error" and row["target"] == "raw_transport__parking_lots"
    assert row["message"].endswith("1 step(s) failed (raw_transport__parking_lots), LoadRejected")
    assert row["delivery_status"] == "sent"
    assert [p["run_id"] for p in webhook.posts] == [result.run_id]
    # The exception's text quoted a cell: it is in neither the table nor the post.
    assert PLANTED not in json.dumps(row, default=str) and PLANTED not in json.dumps(webhook.posts)
    _tick(run_failure_alerts, instance, cursor)  # nothing new: no second row, no second post
    assert len(recent_alerts(catalog)) == 1 and len(webhook.posts) == 1
    # What `lakehouse alerts` shows a steward.
    listed = CliRunner().invoke(alerts, ["--json"])
    assert listed.exit_code == 0, listed.output
    (shown,) = json.loads(listed.output)
    assert shown["run_id"] == result.run_id and shown["raised_at"].endswith("+08:00")
    table = CliRunner().invoke(alerts, [])
    assert "run_failure" in table.output and "sent" in table.output


def test_a_run_alert_that_could_not_be_recorded_is_raised_on_the_next_tick(
    lakehouse_home, instance, catalog, monkeypatch
):
    """The alerts table unwritable (S3 down, say): the tick fails and the failed run stays unprocessed."""
    import orchestration.defs.alerts as alert_defs

    cursor = _tick(run_failure_alerts, instance, None)
    result = dg.materialize([broken_load], instance=instance, raise_on_error=False)
    recorded = alert_defs.raise_alerts

    def unwritable(*_args, **_kwargs):
        raise OSError("the object store refused the write")

    monkeypatch.setattr(alert_defs, "raise_alerts", unwritable)
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"lakehouse": lakehouse_resource()}
    )
    with pytest.raises(Exception, match="refused the write"):
        run_failure_alerts.evaluate_tick(context)
    assert context.cursor == cursor and recent_alerts(catalog) == []
    monkeypatch.setattr(alert_defs, "raise_alerts", recorded)
    _tick(run_failure_alerts, instance, cursor)
    (row,) = recent_alerts(catalog)
    assert row["kind"] == "run_failure" and row["run_id"] == result.run_id


def test_a_failed_gate_raises_a_gate_alert_and_its_run_a_run_alert(
    lakehouse_home, instance, webhook, catalog
):
    gate_cursor = _tick(gate_failure_alerts, instance, None)
    run_cursor = _tick(run_failure_alerts, instance, None)
    result = dg.materialize([leaky_staging, published_parks], instance=instance, raise_on_error=False)
    assert not result.success  # the blocking gate stopped the publication
    gate_cursor = _tick(gate_failure_alerts, instance, gate_cursor)
    _tick(run_failure_alerts, instance, run_cursor)
    by_kind = {r["kind"]: r for r in recent_alerts(catalog)}
    gate = by_kind["gate_failure"]
    assert gate["target"] == "staging/parks:privacy_gate" and gate["severity"] == "error"
    assert gate["run_id"] == result.run_id and "downstream not published" in gate["message"]
    assert by_kind["run_failure"]["run_id"] == result.run_id
    assert PLANTED not in json.dumps(webhook.posts) + json.dumps(list(by_kind.values()), default=str)
    # A non-blocking check that is no gate (freshness) raises nothing; neither does a passing run.
    dg.materialize([stale_source], instance=instance)
    dg.materialize([dg.asset(key=["staging", "fine"])(lambda: None)], instance=instance)
    _tick(gate_failure_alerts, instance, gate_cursor)
    assert len(recent_alerts(catalog)) == 2


def test_gates_of_runs_before_the_sensor_started_are_not_raised(lakehouse_home, instance, catalog):
    dg.materialize([leaky_staging, published_parks], instance=instance, raise_on_error=False)
    cursor = _tick(gate_failure_alerts, instance, None)
    _tick(gate_failure_alerts, instance, cursor)
    assert recent_alerts(catalog) == []


def test_every_named_gate_exists_in_the_pipeline():
    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    names = {key.name for key in graph.asset_check_keys}
    # A renamed gate would otherwise drop out of the alerts silently (blocking ones would still be caught).
    assert names >= GATE_CHECKS, GATE_CHECKS - names

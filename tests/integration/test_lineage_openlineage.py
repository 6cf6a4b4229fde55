"""OpenLineage events read back from a real Dagster run's event log: a materialised asset ends COMPLETE, an
asset whose step raised ends FAIL with the error, an asset never started emits nothing, and a run is
emitted once."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from orchestration.lineage_events import asset_runs, emit_run
from tests.unit.governance.test_lineage_openlineage import check_event

pytestmark = pytest.mark.integration


@dg.asset(key=["staging", "good"])
def good() -> None:
    return None


@dg.asset(key=["staging", "bad"])
def bad() -> None:
    raise RuntimeError("gate blocked: 3 rows failed expect_column_values_to_not_be_null")


@dg.asset(key=["exchange", "after_bad"], deps=[bad])
def after_bad() -> None:
    return None


@pytest.fixture
def failed_run() -> tuple[dg.DagsterInstance, str]:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([good, bad, after_bad], instance=instance, raise_on_error=False)
    assert not result.success
    return instance, result.run_id


def test_the_event_log_tells_complete_fail_and_not_started(failed_run):
    instance, run_id = failed_run
    found = {key.to_user_string(): run for key, run in asset_runs(instance, run_id)}
    assert set(found) == {"staging/good", "staging/bad"}  # exchange/after_bad never started
    assert not found["staging/good"].failed and found["staging/good"].ended >= found["staging/good"].started
    assert found["staging/bad"].failed
    assert "gate blocked: 3 rows failed" in found["staging/bad"].error


def test_a_failed_run_emits_start_complete_and_fail_once(failed_run, catalog, lakehouse_home):
    instance, run_id = failed_run
    assert emit_run(instance, run_id, catalog, lakehouse_home) == 4
    lines = (lakehouse_home / "lineage" / "openlineage.ndjson").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    for event in events:
        check_event(event)
    by_job = {(e["job"]["name"], e["eventType"]) for e in events}
    assert by_job == {
        ("staging/good", "START"),
        ("staging/good", "COMPLETE"),
        ("staging/bad", "START"),
        ("staging/bad", "FAIL"),
    }
    fail = next(e for e in events if e["eventType"] == "FAIL")
    assert "gate blocked" in fail["run"]["facets"]["errorMessage"]["message"]
    assert all(e["run"]["facets"]["parent"]["run"]["runId"] == run_id for e in events)
    assert emit_run(instance, run_id, catalog, lakehouse_home) == 0  # once per run
    assert len((lakehouse_home / "lineage" / "openlineage.ndjson").read_text().splitlines()) == 4


def _sensor_context(instance: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType, name: str):
    (record,) = instance.all_logs(run_id, of_type=kind)
    return dg.build_run_status_sensor_context(
        sensor_name=name,
        dagster_event=record.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
    )


def _event_types(home) -> list[str]:
    lines = (home / "lineage" / "openlineage.ndjson").read_text().splitlines()
    return sorted(json.loads(line)["eventType"] for line in lines)


def test_the_failure_sensor_emits_a_failed_run(failed_run, lakehouse_home):
    from orchestration.defs.lineage import openlineage_on_failure

    instance, run_id = failed_run
    name = openlineage_on_failure.name
    openlineage_on_failure(
        _sensor_context(instance, run_id, dg.DagsterEventType.RUN_FAILURE, name).for_run_failure()
    )
    assert _event_types(lakehouse_home) == ["COMPLETE", "FAIL", "START", "START"]


def test_the_success_sensor_emits_a_successful_run(lakehouse_home):
    from orchestration.defs.lineage import openlineage_on_success

    instance = dg.DagsterInstance.ephemeral()
    run_id = dg.materialize([good], instance=instance).run_id
    openlineage_on_success(
        _sensor_context(instance, run_id, dg.DagsterEventType.RUN_SUCCESS, openlineage_on_success.name)
    )
    assert _event_types(lakehouse_home) == ["COMPLETE", "START"]

"""Alerts (#17): a run that failed and a gate that did not pass become rows of ``governance.alerts`` and, when
``LAKEHOUSE_ALERT_WEBHOOK`` is set, one POST each (``governance.alerts``: message of names only, timeout,
no retry).

Two sensors, on by default unless LAKEHOUSE_AUTOMATION=off (they read the event log and write the alerts
table; nothing is launched):

- ``alert_on_run_failure``: one alert per failed run (its own cursor, moved only once the alert is recorded), naming the job, the
  failed steps and the error's class (or the run-level reason, e.g. a run monitoring start timeout).
- ``alert_on_gate_failure``: after every finished run, successful or not, each failed evaluation of a gate
  in it: the named gates below (GX, privacy, leak, and the non-blocking ``gates_on_path`` summary) and any
  other blocking check (dbt's tests, which dagster-dbt makes blocking). A blocking gate stops its run
  too, so such a run raises both alerts: the run alert says the run stopped, the gate alert says which
  gate on which asset.

The messages are built here from names (job, step keys, asset keys, check names, exception classes), never
from a check's description or an exception's text, which may quote a cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import dagster as dg
from dagster._core.errors import DagsterUserCodeExecutionError  # the wrapper around a step's own error
from pyiceberg.catalog import Catalog

from governance.alerts import Alert, gate_failure, raise_alerts, run_failure
from orchestration.automation import sensor_status
from orchestration.defs.masking import PRIVACY_GATE
from orchestration.defs.quality import GATE as GX_GATE
from orchestration.gate_summary import GATES_CHECK
from orchestration.resources import LakehouseResource

# orchestration/defs/privacy.py names its leak gate inline; tests/integration/test_alert_sensors.py fails
# when a gate named here no longer exists in the pipeline (a rename would silence its alerts).
LEAK_GATE = "no_personal_data"
GATE_CHECKS = frozenset({GX_GATE, PRIVACY_GATE, LEAK_GATE, GATES_CHECK})
FINISHED = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)
RUNS_PER_TICK = 50
TICK_SECONDS = 30
_WRAPPERS = {DagsterUserCodeExecutionError.__name__, "DagsterExecutionStepExecutionError"}


def _error_class(error: object) -> str | None:
    """The class of the error that caused a failure, under Dagster's wrappers (its text is not read)."""
    while error is not None:
        name = getattr(error, "cls_name", None)
        cause = getattr(error, "cause", None)
        if name and (name not in _WRAPPERS or cause is None):
            return name
        error = cause
    return None


def run_failure_alert(instance: dg.DagsterInstance, failure: dg.EventLogRecord) -> Alert:
    """The alert of one failed run, from its RUN_FAILURE record and its step failures in the event log."""
    run_id = failure.run_id
    run = instance.get_run_by_id(run_id)
    failures = [
        r.event_log_entry.dagster_event
        for r in instance.get_records_for_run(run_id=run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    ]
    steps = [e.step_key for e in failures if e is not None and e.step_key]
    cause = None
    for event in failures:
        if event is not None and event.step_failure_data is not None:
            cause = cause or _error_class(event.step_failure_data.error)
    if cause is None:
        # A run that failed outside any step: run monitoring's start timeout or max runtime, a crash.
        event = failure.event_log_entry.dagster_event
        data = event.job_failure_data if event is not None else None
        reason = getattr(data, "failure_reason", None) if data is not None else None
        cause = (reason.value if reason is not None else None) or (
            _error_class(data.error) if data is not None else None
        )
    return run_failure(run_id, run.job_name if run is not None else "unknown", steps, cause)


def failed_gates(instance: dg.DagsterInstance, run_id: str) -> list[Alert]:
    """Every gate of the run (a named one, or any blocking check) that was evaluated and did not pass."""
    records = instance.get_records_for_run(
        run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    alerts = []
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.asset_check_evaluation_data if event is not None else None
        if evaluation is None or evaluation.passed:
            continue
        if not (evaluation.blocking or evaluation.check_name in GATE_CHECKS):
            continue
        severity = "error" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warning"
        alerts.append(
            gate_failure(
                run_id,
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                severity,
                blocking=bool(evaluation.blocking),
            )
        )
    return alerts


def _start_cursor(instance: dg.DagsterInstance) -> dict[str, int]:
    """The newest finished run of each kind: a new deployment alerts from now on, not on its history."""
    cursor = {}
    for event_type in FINISHED:
        newest = instance.fetch_run_status_changes(event_type, limit=1).records
        cursor[event_type.value] = newest[0].storage_id if newest else -1
    return cursor


def _finished_since(
    instance: dg.DagsterInstance, cursor: dict[str, int], event_type: dg.DagsterEventType
) -> list[dg.EventLogRecord]:
    return list(
        instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(
                event_type=event_type, after_storage_id=cursor.get(event_type.value, -1)
            ),
            limit=RUNS_PER_TICK,
            ascending=True,
        ).records
    )


def _alert_tick(
    context: dg.SensorEvaluationContext,
    catalog: Catalog,
    watched: Sequence[dg.DagsterEventType],
    alerts_of: Callable[[dg.DagsterInstance, dg.EventLogRecord], list[Alert]],
) -> dg.SkipReason | None:
    """One tick over the runs that finished (as ``watched``) since the cursor. The cursor moves only once
    their alerts are recorded: a failed write (S3 down) raises, and the same runs are evaluated next tick.
    (Dagster's run_failure_sensor moves past a run even when its body raised, so it is not used.)"""
    instance = context.instance
    if not context.cursor:
        context.update_cursor(json.dumps(_start_cursor(instance)))
        return dg.SkipReason("started: runs that finish from now on are watched")
    cursor: dict[str, int] = json.loads(context.cursor)
    alerts: list[Alert] = []
    runs = 0
    for event_type in watched:
        for record in _finished_since(instance, cursor, event_type):
            alerts += alerts_of(instance, record)
            cursor[event_type.value] = record.storage_id
            runs += 1
    raised = raise_alerts(catalog, alerts) if alerts else []
    context.update_cursor(json.dumps(cursor))
    for alert, delivery in raised:
        context.log.info(f"alert {alert.alert_id} ({alert.kind}, {alert.target}): delivery {delivery.status}")
    if not raised:
        return dg.SkipReason(f"{runs} finished run(s), no new alert")
    return None


@dg.sensor(
    name="alert_on_run_failure",
    default_status=sensor_status(safe=True),
    minimum_interval_seconds=TICK_SECONDS,
    description="Every failed run becomes a row of governance.alerts (and a webhook POST when configured).",
)
def run_failure_alerts(
    context: dg.SensorEvaluationContext, lakehouse: LakehouseResource
) -> dg.SkipReason | None:
    return _alert_tick(
        context,
        lakehouse.catalog,
        [dg.DagsterEventType.RUN_FAILURE],
        lambda instance, record: [run_failure_alert(instance, record)],
    )


@dg.sensor(
    name="alert_on_gate_failure",
    default_status=sensor_status(safe=True),
    minimum_interval_seconds=TICK_SECONDS,
    description="Every failed gate (GX, privacy, leak, gates on path) of a finished run becomes an alert.",
)
def gate_failure_alerts(
    context: dg.SensorEvaluationContext, lakehouse: LakehouseResource
) -> dg.SkipReason | None:
    return _alert_tick(
        context, lakehouse.catalog, FINISHED, lambda instance, record: failed_gates(instance, record.run_id)
    )


defs = dg.Definitions(sensors=[run_failure_alerts, gate_failure_alerts])

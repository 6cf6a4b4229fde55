"""Runs of the pipeline in-process: `lakehouse run`, `lakehouse demo` and the end-to-end tests (the Dagster UI
runs the same definitions through its own executor).

A run materialises a selection (Dagster's asset selection syntax, or dataset names) on the current profile,
optionally for days of the daily partitions (``orchestration.partitions``): each day's key runs the
partitioned assets, the unpartitioned ones run once (those a partitioned asset reads, before; the rest,
after). The terminal gets one line per asset; the whole Dagster and dbt log goes to
``$LAKEHOUSE_HOME/logs/run-<run id>.log``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from infra.settings import load_settings
from orchestration.run_events import BLOCKED, AssetLine, RunRecorder, format_line, recorder_logger

if TYPE_CHECKING:
    import dagster as dg
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph


# Set to 1 to start every selected asset, as a run did before the run's plan (each still skips its own
# unchanged work).
RUN_UNCHANGED_ENV = "LAKEHOUSE_RUN_UNCHANGED"


class SelectionError(ValueError):
    """A --select value that names nothing (with the closest names), or selects no asset."""


@dataclass
class RunOutcome:
    """What a run did, for its summary: per asset, gates, the Dagster run ids and the log file."""

    run_ids: list[str] = field(default_factory=list)
    success: bool = True
    assets: list[AssetLine] = field(default_factory=list)
    gates_passed: int = 0
    gates_failed: list[str] = field(default_factory=list)
    log_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[AssetLine]:
        return [a for a in self.assets if a.status == "failed"]


def dataset_keys(name: str, graph: AssetGraph) -> set[dg.AssetKey]:
    """A dataset's own path: its raw, staging and exchange tables (not the marts that read it)."""
    return {
        key
        for key in graph.get_all_asset_keys()
        if key.path[-1] == name and (key.path[0].startswith("raw_") or key.path[0] in ("staging", "exchange"))
    }


def resolve_selection(selects: Sequence[str], graph: AssetGraph) -> set[dg.AssetKey]:
    """The asset keys ``selects`` name, every asset when empty.

    Each value is a dataset name (its raw → staging → exchange path) or Dagster's asset selection syntax:
    ``raw_transport/*``, ``key:raw_transport/parking_sessions``, ``exchange/parking_sessions+``,
    ``group:raw_health``, ``tag:zone=raw``, ``kind:dbt`` … A value that selects nothing is an error naming
    the closest asset keys, so a typo never runs an empty (or the whole) pipeline.
    """
    import difflib

    import dagster as dg

    from governance.contracts import load_contracts

    everything = set(graph.get_all_asset_keys())
    if not selects:
        return everything
    datasets = set(load_contracts())
    chosen: set[dg.AssetKey] = set()
    for value in selects:
        if value in datasets:
            chosen |= dataset_keys(value, graph)
            continue
        found: set[dg.AssetKey] = set()
        # Dagster's own parser first; then the value as a key pattern, so `raw_transport/*` means what it
        # means in the UI's search box (the older parser reads its `*` as "downstream of raw_transport/").
        for text in (value, f'key:"{value}"'):
            try:
                found = set(dg.AssetSelection.from_string(text).resolve(graph)) & everything
            except Exception:  # a syntax error or unknown key; the next reading may still match
                continue
            if found:
                break
        if not found:
            names = sorted(k.to_user_string() for k in everything) + sorted(datasets)
            close = difflib.get_close_matches(value, names, n=3, cutoff=0.5)
            hint = (
                f"did you mean {' or '.join(close)}?"
                if close
                else "see `lakehouse run --help` for the syntax"
            )
            raise SelectionError(f"--select {value!r} selects no asset; {hint}")
        chosen |= found
    return chosen


def _step_assets(graph: AssetGraph, keys: Iterable[dg.AssetKey]) -> dict[str, list[str]]:
    """Step key (the asset's op name) → the selected assets it materialises."""
    steps: dict[str, list[str]] = {}
    for key in sorted(keys):
        steps.setdefault(graph.get(key).assets_def.node_def.name, []).append(key.to_user_string())
    return steps


def instance_home() -> Path:
    """DAGSTER_HOME for an in-process run: as set; else, on a stack whose `up` configured Dagster, the stack's
    instance (PostgreSQL storage), so its UI and alert sensors see runs started from the CLI; else a SQLite
    instance under LAKEHOUSE_HOME."""
    settings = load_settings()
    if "DAGSTER_HOME" not in os.environ and settings.profile == "stack":
        from infra.stack import dagster as stack_dagster
        from infra.stack.paths import StackPaths

        paths = StackPaths.of(settings)
        if stack_dagster.configured(paths):
            os.environ["DAGSTER_HOME"] = str(stack_dagster.home(paths))
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.home / "dagster")))
    from orchestration.pools import write_embedded_instance

    # The run queue's limits (docs/adr/0018-…); a stack's or an operator's dagster.yaml is left as it is.
    write_embedded_instance(home)
    return home


def _open_log(run_id: str) -> tuple[Path, IO[str]]:
    folder = load_settings().home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{run_id}.log"
    # Mode 600 from the first byte: the log names tables, files and rows of the department systems.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return path, os.fdopen(fd, "a", encoding="utf-8", buffering=1)


def run_assets(
    selects: Sequence[str] = (),
    partition_keys: Sequence[str] = (),
    on_asset: Callable[[AssetLine], None] | None = None,
    progress: Callable[[str], None] = print,
) -> RunOutcome:
    """Materialise the selection in-process on a persistent Dagster instance under LAKEHOUSE_HOME.

    ``on_asset`` gets each asset's line as it finishes (default: ``progress(format_line(line))``);
    ``progress`` gets the few other lines (notes, OpenLineage trouble). Raises :class:`SelectionError`.
    """
    import dagster as dg
    from dagster._core.utils import make_new_run_id

    from orchestration.definitions import defs

    report = on_asset or (lambda line: progress(format_line(line)))
    terminal, terminal_err = sys.stdout, sys.stderr

    def shown(line: AssetLine) -> None:
        # Called while the run's output goes to the log file: the asset's line goes to the terminal.
        with contextlib.redirect_stdout(terminal), contextlib.redirect_stderr(terminal_err):
            report(line)

    definitions = defs()
    job = definitions.resolve_implicit_global_asset_job_def()
    graph = job.asset_layer.asset_graph
    selected = resolve_selection(selects, graph)
    planned = not partition_keys and os.environ.get(RUN_UNCHANGED_ENV, "") not in ("1", "true", "yes")
    runs = [] if planned else _plan(graph, selected, partition_keys)
    outcome = RunOutcome()
    if partition_keys and not any(key for key, _ in runs):
        outcome.notes.append("none of the selected assets is partitioned by day: ran once, without a day")
    instance_home()
    first_id = make_new_run_id()
    outcome.log_path, log = _open_log(first_id)
    with log, dg.DagsterInstance.get() as instance:

        def execute(
            partition: str | None, keys: set[dg.AssetKey], checks: set[dg.AssetCheckKey] = frozenset()
        ) -> set[dg.AssetCheckKey]:
            """Run ``keys`` with their checks, and ``checks`` of assets not run; returns the checks evaluated."""
            run_id = first_id if not outcome.run_ids else make_new_run_id()
            outcome.run_ids.append(run_id)
            recorder = RunRecorder(log, _step_assets(graph, keys), shown, partition)
            log.write(f"--- run {run_id} partition {partition or '(none)'}: {len(keys)} assets\n")
            selected_job = job
            if checks:
                own = {check for key in keys for check in graph.get(key).check_keys}
                selected_job = job.get_subset(asset_selection=set(keys), asset_check_selection=own | checks)
            # dagster-dbt writes every dbt event to stdout and libraries print warnings: into the log file.
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                result = selected_job.with_logger_defs(
                    {"lakehouse_run": recorder_logger(recorder)}
                ).execute_in_process(
                    instance=instance,
                    asset_selection=None if checks else sorted(keys),
                    partition_key=partition,
                    run_id=run_id,
                    raise_on_error=False,
                    run_config={"loggers": {"lakehouse_run": {}}},
                )
                # The run's OpenLineage events (the daemon's sensors do this for runs it watches).
                emit_openlineage(instance, result.run_id, outcome.notes.append)
            record = recorder.finish(k.to_user_string() for k in sorted(keys))
            outcome.success &= result.success
            outcome.assets += record.assets
            outcome.gates_passed += record.gates_passed
            outcome.gates_failed += record.gates_failed
            return {evaluation.asset_check_key for evaluation in result.get_asset_check_evaluations()}

        if planned:
            _run_planned(graph, selected, instance, execute, shown, outcome)
        else:
            for partition, keys in runs:
                execute(partition, keys)
    for note in outcome.notes:
        progress(note)
    return outcome


def _run_planned(
    graph: AssetGraph,
    selected: set[dg.AssetKey],
    instance: dg.DagsterInstance,
    execute: Callable[..., set[dg.AssetCheckKey]],
    shown: Callable[[AssetLine], None],
    outcome: RunOutcome,
) -> None:
    """The raw loads first, then only what their results (and everything else recorded) say must run; the
    rest is reported unchanged without a Dagster step (orchestration/launch_plan.py, ADR 0017)."""
    from infra.catalog import open_catalog
    from orchestration.launch_plan import (
        first_wave,
        hand_over_checker,
        plan_first_wave,
        plan_launch,
        unevaluated_freshness,
    )

    settings = load_settings()
    catalog = open_catalog(settings)
    loads = first_wave(selected)
    wave = plan_first_wave(graph, loads, hand_over_checker(catalog, settings.sources_dir), instance, catalog)
    for key in sorted(wave.quiet):
        line = AssetLine(key.to_user_string(), "unchanged", note=wave.quiet[key])
        outcome.assets.append(line)
        shown(line)
    if wave.start or wave.checks:
        evaluated = execute(None, wave.start, wave.checks)
        failed = {line.asset for line in outcome.assets if line.status == "failed"}
        missed = unevaluated_freshness(graph, loads, evaluated)
        if missed and any(key.to_user_string() in failed for key in wave.start):
            # One op judges every freshness check, and Dagster skips it when one of the loads failed: the
            # others' (and the failed source's own) age is still news, so they are read without the loads.
            outcome.notes.append(
                f"a raw load failed, so its run skipped the freshness checks: {len(missed)} read in a run "
                "of their own"
            )
            execute(None, set(), missed)
    plan = plan_launch(graph, selected - loads, instance, catalog, done=loads)
    for key in sorted(plan.blocked):
        line = AssetLine(key.to_user_string(), "skipped", error=BLOCKED)
        outcome.assets.append(line)
        shown(line)
    for key in sorted(plan.unchanged):
        line = AssetLine(key.to_user_string(), "unchanged", note="unchanged")
        outcome.assets.append(line)
        shown(line)
    if plan.unchanged:
        outcome.notes.append(
            f"{len(plan.unchanged)} asset(s) not started: nothing they read, no code and none of their "
            f"tables changed since their last run (set {RUN_UNCHANGED_ENV}=1 to start them anyway)"
        )
    if plan.launch:
        execute(None, plan.launch)


def _plan(
    graph: AssetGraph, selected: set[dg.AssetKey], partition_keys: Sequence[str]
) -> list[tuple[str | None, set[dg.AssetKey]]]:
    """The runs: one without a day when no day is asked for; otherwise the unpartitioned assets a partitioned
    one reads, each day's partitioned assets, then the remaining unpartitioned assets once."""
    import dagster as dg

    if not partition_keys:
        return [(None, selected)]
    daily = {k for k in selected if graph.get(k).partitions_def is not None}
    if not daily:
        return [(None, selected)]
    rest = selected - daily
    before = rest & set(dg.AssetSelection.assets(*daily).upstream().resolve(graph))
    after = rest - before
    plan: list[tuple[str | None, set[dg.AssetKey]]] = [(None, before)] if before else []
    plan += [(key, daily) for key in partition_keys]
    plan += [(None, after)] if after else []
    return plan


def materialize_all(progress: Callable[[str], None] = print) -> bool:
    """Materialise every asset in-process; one line per asset and any failure go to ``progress``."""
    return run_assets(progress=progress).success


def emit_openlineage(instance: dg.DagsterInstance, run_id: str, progress: Callable[[str], None]) -> None:
    """Emit a finished run's OpenLineage events; a consumer that is down must not fail the pipeline."""
    from infra.catalog import open_catalog
    from orchestration.lineage_events import emit_run

    settings = load_settings()
    try:
        emit_run(instance, run_id, open_catalog(settings), settings.home)
    except Exception as exc:  # e.g. LAKEHOUSE_OPENLINEAGE_URL names a server that does not answer
        progress(f"OpenLineage events not emitted: {exc.__class__.__name__}: {str(exc)[:300]}")

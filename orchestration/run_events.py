"""What a steward sees of an in-process run: one line per asset, the gates' verdicts, and the full log in a file.

Dagster's console logger prints every engine event and dagster-dbt writes every dbt event to stdout (~150
lines for one run), which buries the three things that matter: what was materialised, what failed and why,
and which gates did not pass. A run here gets our own Dagster logger instead: every record goes to the run's
log file, and the events that matter become :class:`AssetLine`\\ s and gate counts. Nothing here imports
Dagster at module level, so the CLI can import it for its types.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import dagster as dg

BLOCKED = "an upstream asset or blocking gate did not pass"
# Metadata keys our assets report their row counts under, most specific first (raw: loaded rows; staging,
# exchange, marts: rows written; the query log: rows written; the catalogue: resources).
ROW_KEYS = ("rows_loaded", "rows", "rows_written", "dagster/row_count", "resources")


@dataclass
class AssetLine:
    """One asset of a run: materialised, failed (with the one-line error) or skipped."""

    asset: str
    status: str
    rows: int | None = None
    seconds: float | None = None
    error: str | None = None
    partition: str | None = None
    note: str | None = None  # "unchanged": the work was skipped, nothing it reads changed (ADR 0017)


@dataclass
class RunRecord:
    """Everything a run summary needs, gathered from the run's events as they happen."""

    assets: list[AssetLine] = field(default_factory=list)
    gates_passed: int = 0
    gates_failed: list[str] = field(default_factory=list)


def one_line(message: str, limit: int = 300) -> str:
    """The first non-empty line of an error message, cut to ``limit`` characters."""
    for line in message.splitlines():
        if line.strip():
            text = line.strip()
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return "(no message)"


def error_line(error: Any) -> str:
    """The user's error, not Dagster's wrapper: the innermost cause's first line, as `SourceError: …`
    (a dg.Failure as its description alone)."""
    if error is None:
        return "(no error recorded)"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    text = one_line(error.message)
    name, sep, rest = text.partition(": ")
    if sep and re.fullmatch(r"[\w.]+", name):
        short = name.rsplit(".", 1)[-1]
        return rest if short == "Failure" else f"{short}: {rest}"
    return text


def _rows(metadata: Mapping[str, Any]) -> int | None:
    for key in ROW_KEYS:
        value = metadata.get(key)
        value = getattr(value, "value", value)  # IntMetadataValue or a plain int
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


class RunRecorder(logging.Handler):
    """A logging handler behind our Dagster logger: writes every record to ``log``, reports each asset once.

    ``assets_of_step`` maps a step key to the selected assets it materialises (a dbt step has many), so a
    failed or skipped step still gives one line per asset.
    """

    def __init__(
        self,
        log: IO[str],
        assets_of_step: Mapping[str, Iterable[str]],
        on_asset: Callable[[AssetLine], None],
        partition: str | None = None,
    ) -> None:
        super().__init__(level=logging.DEBUG)
        self.log = log
        self.assets_of_step = {step: list(keys) for step, keys in assets_of_step.items()}
        self.on_asset = on_asset
        self.partition = partition
        self.record = RunRecord()
        self._since: dict[str, float] = {}  # step key → when it started or last reported an asset
        self._reported: set[str] = set()
        self._lock = threading.Lock()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.log.write(self.format(record) + "\n")
            event = getattr(record, "dagster_event", None)
            if event is not None:
                self._event(event, record.created)

    def _event(self, event: dg.DagsterEvent, at: float) -> None:
        kind = event.event_type_value
        step = event.step_key or ""
        data: Any = event.event_specific_data
        if kind == "STEP_START":
            self._since[step] = at
        elif kind == "ASSET_MATERIALIZATION":
            materialization = data.materialization
            started = self._since.get(step, at)
            self._since[step] = at
            self._report(
                AssetLine(
                    materialization.asset_key.to_user_string(),
                    "materialised",
                    rows=_rows(materialization.metadata),
                    seconds=at - started,
                    partition=materialization.partition or self.partition,
                    note="unchanged" if "unchanged" in materialization.metadata else None,
                )
            )
        elif kind == "ASSET_CHECK_EVALUATION":
            if data.passed:
                self.record.gates_passed += 1
            else:
                about = f"{data.check_name} on {data.asset_key.to_user_string()}"
                said = one_line(data.description, 200) if data.description else ""
                self.record.gates_failed.append(f"{about}: {said}" if said else about)
        elif kind == "STEP_FAILURE":
            message = error_line(data.error)
            self._close_step(step, "failed", message, at)
        elif kind in ("STEP_SKIPPED", "STEP_UPSTREAM_FAILURE"):
            self._close_step(step, "skipped", BLOCKED, at)

    def _close_step(self, step: str, status: str, message: str, at: float) -> None:
        started = self._since.get(step)
        for asset in self.assets_of_step.get(step, [step]):
            if asset not in self._reported:
                seconds = None if started is None else at - started
                self._report(
                    AssetLine(asset, status, seconds=seconds, error=message, partition=self.partition)
                )

    def _report(self, line: AssetLine) -> None:
        self._reported.add(line.asset)
        self.record.assets.append(line)
        self.on_asset(line)

    def finish(self, selected: Iterable[str]) -> RunRecord:
        """Give every selected asset its line: those the run never reached are 'skipped' after a failure or
        a failed gate (Dagster only logs "Dependencies for step … failed" for them), else 'not run'."""
        with self._lock:
            blocked = bool(self.record.gates_failed) or any(a.status == "failed" for a in self.record.assets)
            for asset in selected:
                if asset not in self._reported:
                    if blocked:
                        line = AssetLine(asset, "skipped", error=BLOCKED, partition=self.partition)
                    else:
                        line = AssetLine(asset, "not run", partition=self.partition)
                    self._report(line)
        return self.record


def recorder_logger(recorder: RunRecorder) -> dg.LoggerDefinition:
    """A Dagster logger definition whose records all go to ``recorder`` (and nowhere else)."""
    import dagster as dg

    @dg.logger(description="The run's log file and one line per asset (orchestration.run_events).")
    def lakehouse_run(_init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("lakehouse.run", level=logging.DEBUG)
        logger.addHandler(recorder)
        return logger

    return lakehouse_run


def format_line(line: AssetLine, width: int = 48) -> str:
    """`  ✔ raw_transport/parking_sessions   materialised   1,204 rows   2.1 s` (one terminal line)."""
    mark = {"materialised": "✔", "failed": "✘"}.get(line.status, "·")
    rows = f"{line.rows:>10,} rows" if line.rows is not None else " " * 15
    seconds = f"{line.seconds:6.1f} s" if line.seconds is not None else " " * 8
    where = f" [{line.partition}]" if line.partition else ""
    text = f"  {mark} {line.asset + where:<{width}} {line.status:<12} {rows} {seconds}"
    if line.error:
        text += f"  {line.error}"
    elif line.note:
        text += f"  {line.note}"
    return text.rstrip()

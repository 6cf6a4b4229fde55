"""The next day costs one day: staging and exchange append what their input appended (docs/adr/0019-…).

A derived table (staging from raw, exchange from staging) is a row-by-row function of its input: masking
and withholding look at one row at a time, so when the input only received appends since the snapshot the
last run read, the new rows' masked/released rows appended to the output equal a rebuild. Everything that
is not row by row — the k/l verdict over the whole exchange table, suppression of classes under k/l — is
either judged on the whole table (reading only the columns it needs) or sends the table down the full path.

:func:`plan` is the decision, a pure function of what the last run recorded and what the catalog holds now;
any doubt answers "full" with the reason. :func:`operations_since` reads a table's history for it, and
:func:`append_rows` commits the new rows onto exactly the snapshot the plan was made for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table
from pyiceberg.table.update import AssertRefSnapshotId

from governance.catalogue import exchange_table
from governance.contracts import DatasetContract
from infra.iceberg.append import append_table

SWITCH = "LAKEHOUSE_INCREMENTAL"  # "0": always the full path (operators; the history benchmark's "before")
INCREMENT_PROPERTY = "lakehouse.appended-from"  # snapshot summary: input table@from..to of an appended batch
APPEND = "append"
NONE = ("", "none", "None")


class NotIncremental(RuntimeError):
    """A precondition found false while doing the incremental work, before anything was written: the caller
    takes the full path with this reason."""


@dataclass(frozen=True)
class Plan:
    incremental: bool
    reason: str
    source: str | None = None  # the input table whose appended rows are read
    from_snapshot: int | None = None  # exclusive: what the last run read
    to_snapshot: int | None = None  # inclusive: what this run reads
    output_snapshot: int | None = None  # the output's snapshot the rows are appended onto

    def metadata(self) -> dict[str, object]:
        """Materialization metadata: the mode and why (ids and reasons only, never a value)."""
        found: dict[str, object] = {
            "mode": "incremental" if self.incremental else "full",
            "incremental": self.incremental,
            "reason": self.reason,
        }
        if self.incremental:
            found |= {"from_snapshot": str(self.from_snapshot), "to_snapshot": str(self.to_snapshot)}
        return found


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def full(reason: str) -> Plan:
    return Plan(False, reason)


def plan(
    *,
    source: str,
    code: str,
    inputs: Mapping[str, str | None],
    outputs: Mapping[str, str | None],
    recorded_code: str | None,
    recorded_inputs: Mapping[str, str] | None,
    recorded_outputs: Mapping[str, str] | None,
    operations: Sequence[str] | None,
    blockers: Sequence[str] = (),
    last_gate_passed: bool | None = True,
    switched_on: bool = True,
) -> Plan:
    """Append only what ``source`` appended, or say why the full path runs.

    ``inputs``/``outputs``: snapshot ids (and settings) now; ``recorded_*``: what the last materialization
    saw and wrote (None: no usable record). ``operations``: the operation of every snapshot of ``source``
    after the recorded one up to the current one (None: the recorded snapshot is not an ancestor of the
    current one — expired, rolled back, replaced). ``blockers``: reasons in the contract that make an append
    unequal to a rebuild. ``last_gate_passed``: the last gate evaluation on the recorded inputs (None:
    unknown) — a gate that did not pass on the old rows must judge the whole table again, never only the
    new rows.
    """
    if not switched_on:
        return full(f"{SWITCH}=0 forces the full path")
    if blockers:
        return full(blockers[0])
    if recorded_inputs is None or recorded_outputs is None:
        return full("no previous materialization recorded")
    if recorded_code != code:
        return full(f"code version {recorded_code} → {code}")
    if set(recorded_inputs) != set(inputs) or source not in inputs:
        return full("inputs differ from the previous run's")
    changed = sorted(k for k in inputs if k != source and recorded_inputs[k] != inputs[k])
    if changed:
        return full(f"{changed[0]} changed")
    before, now = recorded_inputs[source], inputs[source]
    if before in NONE or now is None or now in NONE:
        return full(f"no snapshot of {source} recorded or current")
    if before == now:
        return full(f"{source} did not change; the output was written since")
    if set(recorded_outputs) != set(outputs) or len(outputs) != 1:
        return full("outputs differ from the previous run's")
    (output, held), written = next(iter(outputs.items())), recorded_outputs[next(iter(outputs))]
    if held is None or held in NONE or held != written:
        return full(f"{output} no longer holds the snapshot the last run wrote ({written} → {held})")
    if operations is None:
        return full(f"snapshot {before} of {source} is no longer in its history (expired or rolled back)")
    if not operations:
        return full(f"no snapshot of {source} after {before}")
    other = [op for op in operations if op != APPEND]
    if other:
        return full(f"{source} had a '{other[0]}' snapshot since {before}: not only appends")
    if last_gate_passed is not True:
        return full("the last privacy gate on the recorded input did not pass (or is unknown): judge it all")
    return Plan(
        True,
        f"{len(operations)} append snapshot(s) of {source} since {before}",
        source,
        int(before),
        int(now),
        int(held),
    )


def staging_blockers(contract: DatasetContract) -> list[str]:
    """Why appending masked rows to staging would not equal a rebuild for this contract."""
    if contract.load.write_mode != APPEND:
        return [f"write mode {contract.load.write_mode}: raw rows are replaced by key, not only appended"]
    return []


def exchange_blockers(contract: DatasetContract) -> list[str]:
    """Why appending released rows to the exchange table would not equal a rebuild for this contract."""
    found = staging_blockers(contract)
    if exchange_table(contract) is None:
        found.append("not shared: no exchange table")
    if contract.reidentification.on_failure == "suppress_rows":
        # Classes only grow with appends: a class suppressed yesterday may pass today and its rows come back.
        found.append("the release suppresses classes under k/l, which depends on the whole table")
    return found


def operations_since(table: Table, snapshot_id: int, to_snapshot_id: int) -> list[str] | None:
    """The operations of the snapshots after ``snapshot_id`` up to ``to_snapshot_id``, oldest first; None
    when ``snapshot_id`` is not an ancestor of ``to_snapshot_id``."""
    metadata = table.metadata
    found: list[str] = []
    current = metadata.snapshot_by_id(to_snapshot_id)
    while current is not None and current.snapshot_id != snapshot_id:
        operation = current.summary.operation.value if current.summary is not None else "unknown"
        found.append(str(operation))
        parent = current.parent_snapshot_id
        current = metadata.snapshot_by_id(parent) if parent is not None else None
    return None if current is None else found[::-1]


def snapshot_operations(
    catalog: Catalog, identifier: str, recorded: str | None, now: str | None
) -> list[str] | None:
    """``operations_since`` from the ids as Dagster recorded them (text); None where unknown."""
    if (
        recorded is None
        or now is None
        or recorded in NONE
        or now in NONE
        or not catalog.table_exists(identifier)
    ):
        return None
    return operations_since(catalog.load_table(identifier), int(recorded), int(now))


def appended_rows(
    catalog: Catalog, identifier: str, after: int, upto: int, columns: tuple[str, ...] = ("*",)
) -> pa.Table:
    """The rows the append snapshots after ``after`` up to ``upto`` added (pyiceberg's incremental scan)."""
    table = catalog.load_table(identifier)
    scan = table.incremental_append_scan(
        from_snapshot_id_exclusive=after, to_snapshot_id_inclusive=upto, selected_fields=columns
    )
    return scan.to_arrow()


def append_rows(catalog: Catalog, identifier: str, data: pa.Table, onto: int, origin: str) -> int:
    """Append ``data`` in one commit onto snapshot ``onto`` exactly (a table moved since refuses the commit:
    the plan was made for ``onto``); returns the new snapshot id. ``origin`` is kept in the snapshot summary.
    """
    table = catalog.load_table(identifier)
    names = [field.name for field in table.schema().fields]
    if sorted(names) != sorted(data.schema.names):
        raise NotIncremental(f"{identifier}: its columns differ from the rows to append")
    current = table.current_snapshot()
    if current is None or current.snapshot_id != onto:
        raise NotIncremental(f"{identifier} moved from snapshot {onto} before the append")
    if data.num_rows == 0:
        return onto
    with table.transaction() as tx:
        tx._apply((), (AssertRefSnapshotId(snapshot_id=onto, ref="main"),))
        append_table(tx, table.io, data.select(names), {INCREMENT_PROPERTY: origin})
    written = catalog.load_table(identifier).current_snapshot()
    assert written is not None
    return written.snapshot_id

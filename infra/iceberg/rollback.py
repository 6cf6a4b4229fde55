"""Undo bad commits: set a table back to an earlier snapshot of its own history, load state included.

Our load state (ADR 0004) lives in table properties, which are table-wide, not per snapshot. Rolling the
data back without them would make the next load skip the files it just un-loaded, so the properties the
table had when that snapshot was current are restored in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyiceberg.serializers import FromInputFile
from pyiceberg.table import Table
from pyiceberg.table.update.snapshot import ManageSnapshots

from infra.iceberg.writer import LAST_LOAD_PROPERTY, UNITS_PROPERTY, WATERMARK_PROPERTY

LOAD_STATE_PROPERTIES = (UNITS_PROPERTY, WATERMARK_PROPERTY, LAST_LOAD_PROPERTY)


class RollbackError(ValueError):
    """A rollback that cannot be done; the message names the table and snapshot."""


@dataclass(frozen=True)
class Rollback:
    table: str
    from_snapshot: int | None
    to_snapshot: int
    rows_before: int
    rows_after: int
    restored_properties: tuple[str, ...]


def rollback_to(table: Table, snapshot_id: int, name: str) -> Rollback:
    """Make ``snapshot_id`` (an ancestor of the current snapshot) current again, with its load state."""
    metadata = table.metadata
    current = table.current_snapshot()
    if metadata.snapshot_by_id(snapshot_id) is None:
        known = ", ".join(str(s.snapshot_id) for s in metadata.snapshots[-5:])
        raise RollbackError(f"{name}: no snapshot {snapshot_id} (latest: {known or 'none'})")
    if current is not None and current.snapshot_id == snapshot_id:
        raise RollbackError(f"{name}: snapshot {snapshot_id} is already current; nothing to undo")
    ancestors = {s.snapshot_id for s in _ancestors(table)}
    if snapshot_id not in ancestors:
        raise RollbackError(f"{name}: snapshot {snapshot_id} is not an ancestor of the current one")
    properties = _load_state_at(table, snapshot_id)
    with table.transaction() as transaction:
        ManageSnapshots(transaction).rollback_to_snapshot(snapshot_id)
        present = {k: v for k, v in properties.items() if v is not None}
        absent = [k for k, v in properties.items() if v is None and k in metadata.properties]
        if present:
            transaction.set_properties(present)
        if absent:
            transaction.remove_properties(*absent)
    return Rollback(
        table=name,
        from_snapshot=current.snapshot_id if current else None,
        to_snapshot=snapshot_id,
        rows_before=_rows(current),
        rows_after=_rows(metadata.snapshot_by_id(snapshot_id)),
        restored_properties=tuple(sorted(properties)),
    )


def parent_of(table: Table, snapshot_id: int, name: str) -> int:
    """The snapshot a commit was made on: what `--before` a load rolls back to."""
    snapshot = table.metadata.snapshot_by_id(snapshot_id)
    if snapshot is None:
        raise RollbackError(f"{name}: no snapshot {snapshot_id}")
    if snapshot.parent_snapshot_id is None:
        raise RollbackError(
            f"{name}: snapshot {snapshot_id} is the table's first; there is nothing before it"
        )
    return snapshot.parent_snapshot_id


def _ancestors(table: Table):
    snapshot = table.current_snapshot()
    while snapshot is not None:
        yield snapshot
        parent = snapshot.parent_snapshot_id
        snapshot = table.metadata.snapshot_by_id(parent) if parent is not None else None


def _load_state_at(table: Table, snapshot_id: int) -> dict[str, str | None]:
    """Our load-state properties as they were in the newest metadata file where ``snapshot_id`` was current."""
    for entry in reversed(table.metadata.metadata_log):
        try:
            older = FromInputFile.table_metadata(table.io.new_input(entry.metadata_file))
        except (FileNotFoundError, OSError):
            continue  # an expired metadata file: look further back
        if older.current_snapshot_id == snapshot_id:
            return {key: older.properties.get(key) for key in LOAD_STATE_PROPERTIES}
    if table.metadata.current_snapshot_id == snapshot_id:
        return {key: table.metadata.properties.get(key) for key in LOAD_STATE_PROPERTIES}
    raise RollbackError(
        f"snapshot {snapshot_id}: no metadata file records the table's load state when it was current "
        "(its metadata log was expired); roll back to a more recent snapshot"
    )


def _rows(snapshot) -> int:
    return int((snapshot.summary or {}).get("total-records", 0)) if snapshot is not None else 0

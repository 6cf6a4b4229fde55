"""Table maintenance on the stack: Trino's ALTER TABLE … EXECUTE optimize / expire_snapshots /
remove_orphan_files through the steward catalog, under the same policy and with the same report as the
embedded profile (infra/iceberg/maintenance.py).

Trino does the rewrites and deletions (its Iceberg library commits a REPLACE snapshot and deletes only
unreachable files), pyiceberg reads the footprint before and after, so both profiles report alike. Two
differences from the embedded rules are bridged here rather than documented away:
- Trino's expire_snapshots has no "keep the last K": the retention sent is stretched so the K-th newest
  snapshot of the current history is younger than it;
- Trino refuses a retention below the catalog's `*.min-retention` (7 days by default); the catalog's floor
  (infra/stack/trino_config.py) fits our default policy, and a steward who deliberately asks for less
  (`lakehouse maintain --orphan-hours 1`) sends it as the session's minimum for this connection only.
"""

from __future__ import annotations

import math
import time

import trino
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table

from infra.iceberg.maintenance import (
    MaintenancePolicy,
    MaintenanceResult,
    _bound_metadata_log,
    _orphan_cutoff,
    _small_file_groups,
    expirable_snapshots,
    footprint,
    orphan_files,
)
from infra.settings import Settings
from infra.stack import trino as trino_node
from infra.stack.paths import StackPaths
from infra.stack.secrets import STEWARD_USER, load_or_create_users
from infra.stack.trino_config import STEWARD_CATALOG
from infra.zones import TableName

# The table is a quoted identifier from our own catalog's listing (never user text). Trino binds no
# parameter in a table procedure's arguments ("Incorrect number of parameters: expected 0"), so each
# argument is a literal made by `_literal` from an int we format ourselves (`duration`, `data_size`).
_OPTIMIZE = "ALTER TABLE {table} EXECUTE optimize(file_size_threshold => {value})"
_EXPIRE = "ALTER TABLE {table} EXECUTE expire_snapshots(retention_threshold => {value})"
_ORPHANS = "ALTER TABLE {table} EXECUTE remove_orphan_files(retention_threshold => {value})"
_SESSION_MINIMA = (
    f"SET SESSION {STEWARD_CATALOG}.expire_snapshots_min_retention = ?",
    f"SET SESSION {STEWARD_CATALOG}.remove_orphan_files_min_retention = ?",
)


# Trino's error for an Iceberg commit that failed, a conflict with a concurrent writer among them: the catalog
# commits optimistically and our tables turn the Iceberg library's own retry off (commit.retry.num-retries=0,
# infra/iceberg/writer.py), so a load committing during a rewrite makes Trino's commit fail. Each procedure
# re-reads the table when it starts, so running it again is safe (docs/adr/0018-concurrent-writers.md).
COMMIT_ERROR = "ICEBERG_COMMIT_ERROR"
PROCEDURE_ATTEMPTS = 5


def run_procedure(cursor, statement: str, *, attempts: int = PROCEDURE_ATTEMPTS, delay: float = 0.5) -> int:
    """Run a table procedure, again on a commit conflict; returns the attempts it took."""
    for attempt in range(1, attempts + 1):
        try:
            cursor.execute(statement)
            cursor.fetchall()
            return attempt
        except trino.exceptions.TrinoQueryError as exc:
            if exc.error_name != COMMIT_ERROR or attempt == attempts:
                raise
            time.sleep(delay * attempt)
    raise AssertionError("unreachable")


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def steward_table(name: str) -> str:
    parsed = TableName.parse(name)
    return ".".join(quote_identifier(part) for part in (STEWARD_CATALOG, parsed.zone, parsed.table))


def duration(milliseconds: int) -> str:
    """A Trino duration string for a retention: whole milliseconds, never negative."""
    return f"{max(0, int(milliseconds))}ms"


def data_size(size: int) -> str:
    return f"{max(0, int(size))}B"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _procedure(template: str, table: str, value: str) -> str:
    return template.format(table=table, value=_literal(value))


def expire_retention_ms(table: Table, policy: MaintenancePolicy, now_ms: int) -> int:
    """The policy's retention, stretched so the newest `keep_last` snapshots of the history stay."""
    history = []
    snapshot = table.current_snapshot()
    while snapshot is not None and len(history) < policy.keep_last:
        history.append(snapshot)
        parent = snapshot.parent_snapshot_id
        snapshot = table.metadata.snapshot_by_id(parent) if parent is not None else None
    # Trino always keeps the current snapshot; only a K-th newest other than it needs stretching. A
    # second of slack covers the time between our clock reading and Trino's.
    if len(history) < 2:
        return policy.snapshot_retention_ms
    oldest_kept = history[-1].timestamp_ms
    return max(policy.snapshot_retention_ms, now_ms - oldest_kept + 1000)


def maintain_on_trino(
    settings: Settings,
    catalog: Catalog,
    name: str,
    policy: MaintenancePolicy,
    *,
    now_ms: int,
    dry_run: bool,
) -> MaintenanceResult:
    table = catalog.load_table(name)
    result = MaintenanceResult(table=name, before=footprint(table))
    groups = _small_file_groups(table, policy)
    if dry_run:
        result.partitions_compacted = len(groups)
        result.snapshots_expired = expirable_snapshots(table, policy, now_ms)
        result.orphans = orphan_files(table, _orphan_cutoff(policy))
        return result
    # The same bound on the metadata log as the embedded profile: Trino's commits keep what the table says.
    _bound_metadata_log(table, policy)
    paths = StackPaths.of(settings)
    steward = next(u for u in load_or_create_users(paths.secrets) if u.name == STEWARD_USER)
    target = steward_table(name)
    snapshots_before = {s.snapshot_id for s in table.metadata.snapshots}
    with trino_node.connect(settings, paths, steward.name, steward.password) as connection:
        cursor = connection.cursor()
        orphan_ms = math.floor(policy.orphan_window_s * 1000)
        # The policy is the floor: stretching for keep_last only ever sends more than it.
        minima = (policy.snapshot_retention_ms, orphan_ms)
        for statement, value in zip(_SESSION_MINIMA, minima, strict=True):
            cursor.execute(statement, [duration(value)])
            cursor.fetchall()
        if groups:
            run_procedure(cursor, _procedure(_OPTIMIZE, target, data_size(policy.small_file_bytes)))
            result.partitions_compacted = len(groups)
            result.files_replaced = sum(len(g) for g in groups)
        # Recomputed after the rewrite (its REPLACE snapshot is now the newest of the history) and against
        # the clock now, which is what Trino measures the retention from.
        table = catalog.load_table(name)
        retention_ms = expire_retention_ms(table, policy, int(time.time() * 1000))
        run_procedure(cursor, _procedure(_EXPIRE, target, duration(retention_ms)))
        table = catalog.load_table(name)
        expected_orphans = orphan_files(table, _orphan_cutoff(policy))
        run_procedure(cursor, _procedure(_ORPHANS, target, duration(orphan_ms)))
    table = catalog.load_table(name)
    result.snapshots_expired = sorted(snapshots_before - {s.snapshot_id for s in table.metadata.snapshots})
    after = footprint(table)
    remaining = set(orphan_files(table, float("inf")))
    result.orphans = [o for o in expected_orphans if o not in remaining]
    result.after = after
    return result

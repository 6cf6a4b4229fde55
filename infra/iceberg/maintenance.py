"""Table maintenance on the embedded profile: expire old snapshots, sweep orphan files, compact small files.

pyiceberg 0.12 expires snapshot metadata only and has neither orphan removal nor compaction, so the file
sweep and the rewrite are ours. Both are built on one rule (`reachable_files`): a file any live snapshot or
metadata file reaches is never deleted, and a file younger than the safety window is never deleted either,
because a load running now may have written it and not committed yet. A compaction commits as one rewrite
snapshot against the snapshot it read; a concurrent load makes that commit fail, and the partition is skipped
rather than risk a lost row. On the stack, Trino's ALTER TABLE … EXECUTE does the rewrites
(infra/iceberg/maintenance_trino.py); the footprint and the orphan rule here read the bucket as well.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from pyiceberg.exceptions import CommitFailedException
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io.pyarrow import ArrowScan, write_file
from pyiceberg.manifest import DataFile, DataFileContent
from pyiceberg.table import FileScanTask, Table, TableProperties
from pyiceberg.table.refs import MAIN_BRANCH
from pyiceberg.table.snapshots import Operation
from pyiceberg.table.update.snapshot import _OverwriteFiles

from infra.iceberg.append import _write_tasks
from infra.iceberg.files import reachable_files
from infra.iceberg.objects import StoredFile, delete_file, list_files, normalised

COMPACTION_PROPERTY = "lakehouse.maintenance"


@dataclass(frozen=True)
class MaintenancePolicy:
    snapshot_retention_ms: int = 7 * 24 * 3600 * 1000
    keep_last: int = 5  # snapshots kept whatever their age, so a rollback always has somewhere to go
    orphan_window_s: float = 3 * 24 * 3600  # Iceberg's own default for remove_orphan_files
    small_file_bytes: int = 16 * 1024 * 1024
    min_files: int = 4  # a partition is compacted once it holds this many small files
    # Earlier metadata files kept in the metadata log (rollback reads the load state from them); Iceberg trims
    # the log at each commit and the sweep removes what fell out of it.
    metadata_versions_kept: int = 20


@dataclass(frozen=True)
class Footprint:
    snapshots: int
    data_files: int
    files_on_disk: int
    bytes_on_disk: int
    rows: int


@dataclass
class MaintenanceResult:
    table: str
    before: Footprint
    after: Footprint | None = None
    snapshots_expired: list[int] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    partitions_compacted: int = 0
    files_replaced: int = 0
    files_written: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """One report row: before → after (before → ? on a dry run)."""
        after = self.after

        def change(attribute: str) -> str:
            return f"{getattr(self.before, attribute)} → {getattr(after, attribute) if after else '?'}"

        return {
            "table": self.table,
            "snapshots": change("snapshots"),
            "data_files": change("data_files"),
            "files": change("files_on_disk"),
            "bytes": change("bytes_on_disk"),
            "rows": change("rows"),
            "compacted": self.partitions_compacted,
            "expired": len(self.snapshots_expired),
            "orphans": len(self.orphans),
            "skipped": "; ".join(self.skipped),
        }


def footprint(table: Table) -> Footprint:
    files = _files_under(table)
    snapshot = table.current_snapshot()
    summary = (snapshot.summary or {}) if snapshot else {}
    return Footprint(
        snapshots=len(table.metadata.snapshots),
        data_files=int(summary.get("total-data-files", 0)),
        files_on_disk=len(files),
        bytes_on_disk=sum(f.size for f in files),
        rows=int(summary.get("total-records", 0)),
    )


def maintain(
    table: Table, name: str, policy: MaintenancePolicy, *, now_ms: int, dry_run: bool
) -> MaintenanceResult:
    """Compact, then expire, then sweep: the sweep removes what the first two left unreferenced."""
    result = MaintenanceResult(table=name, before=footprint(table))
    if dry_run:
        result.partitions_compacted = len(_small_file_groups(table, policy))
        result.snapshots_expired = expirable_snapshots(table, policy, now_ms)
        result.orphans = orphan_files(table, _orphan_cutoff(policy))
        return result
    _bound_metadata_log(table, policy)
    compact(table, policy, result)
    table.refresh()
    result.snapshots_expired = expire_snapshots(table, policy, now_ms)
    table.refresh()
    for name in orphan_files(table, _orphan_cutoff(policy)):
        delete_file(table.io, name)
        result.orphans.append(name)
    table.refresh()
    result.after = footprint(table)
    return result


def _orphan_cutoff(policy: MaintenancePolicy) -> float:
    # The wall clock, never a caller's "now": file times are the file system's, and a cutoff in the future
    # would take files a running load has just committed.
    return time.time() - policy.orphan_window_s


def _bound_metadata_log(table: Table, policy: MaintenancePolicy, attempts: int = 5) -> None:
    wanted = str(policy.metadata_versions_kept)
    for attempt in range(1, attempts + 1):
        if table.properties.get(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX) == wanted:
            return
        try:
            with table.transaction() as transaction:
                transaction.set_properties({TableProperties.METADATA_PREVIOUS_VERSIONS_MAX: wanted})
        except CommitFailedException:
            # A load committed since the table was read: one property, set again on the fresh table.
            if attempt == attempts:
                raise
            time.sleep(0.1 * attempt)
        table.refresh()


def expirable_snapshots(table: Table, policy: MaintenancePolicy, now_ms: int) -> list[int]:
    """Snapshots older than the retention, except the newest `keep_last` of the current history and
    every snapshot a branch or tag points at."""
    metadata = table.metadata
    history: list[int] = []
    snapshot = table.current_snapshot()
    while snapshot is not None:
        history.append(snapshot.snapshot_id)
        parent = snapshot.parent_snapshot_id
        snapshot = metadata.snapshot_by_id(parent) if parent is not None else None
    protected = set(history[: policy.keep_last]) | {ref.snapshot_id for ref in metadata.refs.values()}
    cutoff = now_ms - policy.snapshot_retention_ms
    return [
        s.snapshot_id
        for s in metadata.snapshots
        if s.timestamp_ms < cutoff and s.snapshot_id not in protected
    ]


def expire_snapshots(table: Table, policy: MaintenancePolicy, now_ms: int, attempts: int = 5) -> list[int]:
    for attempt in range(1, attempts + 1):
        expired = expirable_snapshots(table, policy, now_ms)
        if not expired:
            return []
        try:
            table.maintenance.expire_snapshots().by_ids(expired).commit()
            return expired
        except CommitFailedException:
            # A load committed between pyiceberg's read and its swap of the metadata: choose again from the
            # fresh history (the load's snapshot is the newest, never expired) and commit again.
            if attempt == attempts:
                raise
            time.sleep(0.1 * attempt)
            table.refresh()
    raise AssertionError("unreachable")


def orphan_files(table: Table, written_before_s: float) -> list[str]:
    """Files under the table's folder (or bucket prefix) that nothing reaches and that are older than the
    safety window, by normalised name (a local path, or s3://bucket/key)."""
    reachable = {normalised(uri) for uri in reachable_files(table)}
    return sorted(
        f.name for f in _files_under(table) if f.name not in reachable and f.mtime_s < written_before_s
    )


def _files_under(table: Table) -> list[StoredFile]:
    return list_files(table.io, table.location())


def _small_file_groups(table: Table, policy: MaintenancePolicy) -> list[list[DataFile]]:
    snapshot = table.current_snapshot()
    if snapshot is None:
        return []
    groups: dict[tuple, list[DataFile]] = defaultdict(list)
    for manifest in snapshot.manifests(table.io):
        for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True):
            data_file = entry.data_file
            if data_file.content != DataFileContent.DATA:
                return []  # delete files: a rewrite would have to apply them; we never write any
            if data_file.file_size_in_bytes < policy.small_file_bytes:
                groups[(data_file.spec_id, tuple(data_file.partition))].append(data_file)
    return [files for files in groups.values() if len(files) >= policy.min_files]


def compact(table: Table, policy: MaintenancePolicy, result: MaintenanceResult) -> None:
    """Rewrite each partition's small files into few, one commit per partition."""
    for files in _small_file_groups(table, policy):
        table.refresh()
        metadata = table.metadata
        tasks = [FileScanTask(f) for f in files]
        data = ArrowScan(metadata, table.io, metadata.schema(), AlwaysTrue()).to_table(tasks)
        if data.num_rows != sum(f.record_count for f in files):
            result.skipped.append(f"partition {files[0].partition}: rows read differ from the manifests")
            continue
        transaction = table.transaction()
        written = 0
        # Iceberg's REPLACE is the exact operation, but pyiceberg 0.12 cannot summarise it; an OVERWRITE with
        # equal added and deleted records, marked as ours, says the same to a reader.
        rewrite = _OverwriteFiles(
            operation=Operation.OVERWRITE,
            transaction=transaction,
            io=table.io,
            branch=MAIN_BRANCH,
            snapshot_properties={COMPACTION_PROPERTY: "compaction"},
        )
        with rewrite:
            for old in files:
                rewrite.delete_data_file(old)
            for new in write_file(table.io, metadata, _write_tasks(metadata, data, uuid.uuid4())):
                rewrite.append_data_file(new)
                written += 1
        try:
            transaction.commit_transaction()
        except CommitFailedException:
            # A load committed meanwhile; its rows are safe, our new files become orphans for the sweep.
            result.skipped.append(f"partition {files[0].partition}: a concurrent commit; left as it was")
            continue
        result.partitions_compacted += 1
        result.files_replaced += len(files)
        result.files_written += written

"""Our small Iceberg writer: append, merge by key, or overwrite, each as one atomic commit.

Load state (which source units are in, the SQL watermark) is written as table properties in the same
commit as the data, so a crash can never leave data committed without its state or the other way round.
Commit conflicts with a concurrent writer are retried against the fresh table.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError, TableAlreadyExistsError
from pyiceberg.expressions import And, GreaterThanOrEqual, In, LessThanOrEqual
from pyiceberg.table import Table, Transaction
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.table.update import ValidatableTableRequirement
from pyiceberg.transforms import DayTransform, HourTransform, IdentityTransform, MonthTransform, YearTransform

from infra.iceberg.append import append_table
from infra.iceberg.docs import COMMENT_PROPERTY, TableDocs, apply_docs, schema_with_docs

TRANSFORMS = {
    "identity": IdentityTransform,
    "day": DayTransform,
    "hour": HourTransform,
    "month": MonthTransform,
    "year": YearTransform,
}
UNITS_PROPERTY = "lakehouse.loaded-units"
WATERMARK_PROPERTY = "lakehouse.watermark"
LAST_LOAD_PROPERTY = "lakehouse.last-load"
MAX_REMEMBERED_UNITS = 5000
# pyiceberg's own commit retry re-applies the old property values and our anti-join after a conflict,
# which would lose another writer's load state; we retry ourselves, recomputing against the fresh table.
TABLE_PROPERTIES = {
    "commit.retry.num-retries": "0",
    # Small dictionary pages: identifier columns (unique per row) fall back to plain encoding after a few
    # thousand values instead of hashing a whole day partition into a dictionary that is then thrown
    # away; category columns (stations, districts) still fit.
    "write.parquet.dict-size-bytes": str(64 * 1024),
    # pyiceberg hands this to pyarrow as write_batch_size; 1024 is pyarrow's own default (Iceberg's
    # 20000 made writes 6% slower here). Pages stay bounded by the 1 MiB page size. bench/ingest.py.
    "write.parquet.page-row-limit": "1024",
}


class AssertReadState(ValidatableTableRequirement):
    """The state a commit was computed from: the main branch's snapshot and the load state. pyiceberg checks a
    commit's requirements against the catalog's current metadata inside the commit (the SQL catalog then swaps
    the metadata location only if no one moved it meanwhile). Its own requirements guard the snapshot only when
    rows are added, so a commit of load state alone (every row a duplicate or quarantined, or a watermark) would
    otherwise be laid over a concurrent load's and drop its units (docs/adr/0018-concurrent-writers.md)."""

    type: Literal["lakehouse-assert-read-state"] = Field(default="lakehouse-assert-read-state")
    snapshot_id: int | None = None
    units: str | None = None
    watermark: str | None = None

    @staticmethod
    def of(table: Table) -> AssertReadState:
        metadata = table.metadata
        return AssertReadState(
            snapshot_id=metadata.current_snapshot_id,
            units=metadata.properties.get(UNITS_PROPERTY),
            watermark=metadata.properties.get(WATERMARK_PROPERTY),
        )

    def validate(self, base_metadata: TableMetadata | None) -> None:
        if base_metadata is None:
            raise CommitFailedException("Requirement failed: current table metadata is missing")
        now = AssertReadState(
            snapshot_id=base_metadata.current_snapshot_id,
            units=base_metadata.properties.get(UNITS_PROPERTY),
            watermark=base_metadata.properties.get(WATERMARK_PROPERTY),
        )
        if now != self:
            raise CommitFailedException(
                "the table changed since it was read (a concurrent load or maintenance)"
            )


@dataclass(frozen=True)
class Partition:
    source: str
    transform: str


@dataclass(frozen=True)
class CommitResult:
    snapshot_id: int | None
    rows_written: int
    duplicates: int
    skipped: bool  # every unit of the load was already committed (by us earlier, or a concurrent writer)


def ensure_table(
    catalog: Catalog,
    identifier: str,
    schema: pa.Schema,
    partitioning: Sequence[Partition] = (),
    key: Sequence[str] = (),
    docs: TableDocs | None = None,
) -> Table:
    """The table, created if missing; ``docs`` (column docs, comment) are set at creation and brought up
    to date on an existing table when they differ."""
    try:
        table = catalog.load_table(identifier)
    except NoSuchTableError:
        properties = dict(TABLE_PROPERTIES)
        if docs is not None and docs.comment:
            properties[COMMENT_PROPERTY] = docs.comment
        create_schema = schema_with_docs(schema, docs) if docs is not None else schema
        try:
            # Created with its key, partitions, properties and docs in one metadata version.
            with catalog.create_table_transaction(
                identifier, schema=create_schema, properties=properties
            ) as tx:
                _declare_layout(tx, partitioning, key)
        except (TableAlreadyExistsError, CommitFailedException):
            pass  # a concurrent load created it first
        table = catalog.load_table(identifier)
    if any(table.properties.get(name) != value for name, value in TABLE_PROPERTIES.items()):
        with table.transaction() as tx:
            tx.set_properties(TABLE_PROPERTIES)
        table = catalog.load_table(identifier)
    if (partitioning or key) and not table.spec().fields and not table.schema().identifier_field_ids:
        with table.transaction() as tx:  # a table made before its contract declared key or partitions
            _declare_layout(tx, partitioning, key)
        table = catalog.load_table(identifier)
    if docs is not None and not docs.empty:
        table = apply_docs(catalog, identifier, docs)
    return table


def _declare_layout(tx: Transaction, partitioning: Sequence[Partition], key: Sequence[str]) -> None:
    if key:
        with tx.update_schema() as update:
            update.set_identifier_fields(*key)
    if partitioning:
        with tx.update_spec() as spec:
            for part in partitioning:
                spec.add_field(part.source, TRANSFORMS[part.transform](), f"{part.source}_{part.transform}")


def loaded_units(table: Table) -> set[str]:
    return set(json.loads(table.properties.get(UNITS_PROPERTY, "[]")))


def watermark(table: Table) -> str | None:
    return table.properties.get(WATERMARK_PROPERTY) or None


def _existing_keys(table: Table, data: pa.Table, key: Sequence[str], window: str | None) -> pa.Table:
    """Keys already in the table, looking only at the batch's time window when the table is partitioned."""
    if table.current_snapshot() is None:
        return pa.table({k: pa.array([], data.schema.field(k).type) for k in key})
    row_filter = None
    if window and data.num_rows:
        low, high = pc.min(data.column(window)).as_py(), pc.max(data.column(window)).as_py()
        if low is not None:
            row_filter = And(GreaterThanOrEqual(window, low), LessThanOrEqual(window, high))
    scan = (
        table.scan(selected_fields=tuple(key), row_filter=row_filter)
        if row_filter
        else table.scan(selected_fields=tuple(key))
    )
    return scan.to_arrow()


def _without_existing(data: pa.Table, existing: pa.Table, key: Sequence[str]) -> pa.Table:
    if existing.num_rows == 0:
        return data
    if len(key) == 1:
        return data.filter(pc.invert(pc.is_in(data.column(key[0]), value_set=existing.column(key[0]))))
    # pyarrow's join returns every field nullable (and may order columns its own way); pyiceberg's schema
    # check then refuses the rows for a table whose key columns are required, so the batch's own schema,
    # nullability included, is put back.
    remaining = data.join(existing, keys=list(key), join_type="left anti")
    return remaining.select(data.schema.names).cast(data.schema)


def commit(
    catalog: Catalog,
    identifier: str,
    data: pa.Table,
    mode: str,
    key: Sequence[str] = (),
    units: Sequence[str] = (),
    new_watermark: str | None = None,
    window: str | None = None,
    last_load: dict | None = None,
    evolve: bool = False,
    attempts: int = 8,
    on_retry: Callable[[int, Exception], None] | None = None,
    summary: dict[str, str] | None = None,
) -> CommitResult:
    """Commit ``data`` once. ``mode``: append (events; keys already present are skipped), merge (entities;
    rows with a key in the batch are replaced), overwrite (whole table, for derived zones). ``summary``: extra
    properties of the snapshot an overwrite commits (``content_digest``)."""
    if mode not in ("append", "merge", "overwrite"):
        raise ValueError(f"unknown write mode {mode!r}")
    if mode == "merge" and len(key) != 1:
        raise ValueError(f"{identifier}: merge needs exactly one key column, got {list(key)}")
    delay = 0.05
    for attempt in range(1, attempts + 1):
        table = catalog.load_table(identifier)
        if evolve and set(data.schema.names) - set(table.schema().column_names):
            with table.update_schema() as update:
                update.union_by_name(data.schema)
            table = catalog.load_table(identifier)
        already = loaded_units(table)
        if units and set(units) <= already:
            return CommitResult(None, 0, 0, skipped=True)
        batch = data
        duplicates = 0
        if mode == "append" and key:
            batch = _without_existing(data, _existing_keys(table, data, key, window), key)
            duplicates = data.num_rows - batch.num_rows
        properties = {}
        if units:
            remembered = [*sorted(already), *units][-MAX_REMEMBERED_UNITS:]
            properties[UNITS_PROPERTY] = json.dumps(remembered)
        if new_watermark is not None:
            properties[WATERMARK_PROPERTY] = new_watermark
        if last_load is not None:
            properties[LAST_LOAD_PROPERTY] = json.dumps(last_load, ensure_ascii=False, default=str)
        try:
            with table.transaction() as tx:
                # Only onto the table the batch and load state above were computed from; else retry below.
                tx._apply((), (AssertReadState.of(table),))
                if mode == "overwrite":
                    tx.overwrite(batch, snapshot_properties=summary or {})
                elif mode == "merge" and key and table.current_snapshot() is not None and batch.num_rows:
                    keys = pc.unique(batch.column(key[0]))
                    with warnings.catch_warnings():
                        # A batch of only new keys deletes nothing; pyiceberg warns about that.
                        warnings.filterwarnings("ignore", "Delete operation did not match any records")
                        tx.delete(In(key[0], keys.to_pylist()))
                    append_table(tx, table.io, batch)
                elif batch.num_rows:
                    append_table(tx, table.io, batch)
                if properties:
                    tx.set_properties(properties)
            table = catalog.load_table(identifier)
            snapshot = table.current_snapshot()
            return CommitResult(snapshot.snapshot_id if snapshot else None, batch.num_rows, duplicates, False)
        except CommitFailedException as exc:
            if attempt == attempts:
                raise
            if on_retry:
                on_retry(attempt, exc)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


CONTENT_DIGEST = "lakehouse.content-digest"


def content_digest(data: pa.Table) -> str:
    """A digest of a table's schema and rows, whatever their order (a table has none; a rebuilt mart returns
    its rows in another): Arrow IPC of the rows sorted by every column, or in their order where a column
    cannot be sorted (a list)."""
    try:
        rows = data.sort_by([(name, "ascending") for name in data.column_names]) if data.num_columns else data
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
        rows = data
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(rows.combine_chunks())
    return hashlib.sha256(sink.getvalue()).hexdigest()


def holds_content(table: Table, digest: str) -> bool:
    """The table's current snapshot was committed with exactly this content (``content_digest``)."""
    snapshot = table.current_snapshot()
    return (
        snapshot is not None and snapshot.summary is not None and snapshot.summary[CONTENT_DIGEST] == digest
    )

"""Append an Arrow table to an Iceberg transaction: partitions split by one sort, files written in parallel.

pyiceberg's ``Transaction.append`` filters the whole batch once per partition value (30 full passes for a
month of day partitions). We sort once by the partition values, gather each column in that order (columns
side by side), hand pyiceberg's writer threads zero-copy slices, and commit every data file in one
fast-append snapshot. The files, their statistics and the snapshot are pyiceberg's own (``write_file``,
``fast_append``); only the split is ours (ADR 0010). pyiceberg is pinned below 0.13 for these names.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.io import FileIO
from pyiceberg.io.pyarrow import _check_pyarrow_schema_compatible, pyarrow_to_schema, write_file
from pyiceberg.partitioning import PartitionFieldValue, PartitionKey
from pyiceberg.table import TableProperties, Transaction, WriteTask
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.utils.properties import property_as_int

from infra.parallel import thread_map


def _gathered(data: pa.Table, order: pa.Array) -> pa.Table:
    """``data`` in ``order``: one gather per column, columns side by side (pyarrow releases the GIL)."""
    return pa.table(thread_map(lambda column: column.take(order), data.columns), schema=data.schema)


def _partition_columns(metadata: TableMetadata, data: pa.Table) -> list[pa.Array]:
    schema = metadata.schema()
    columns = []
    for field in metadata.spec().fields:
        source = schema.find_field(field.source_id)
        name = schema.find_column_name(field.source_id)
        values = data.column(name).combine_chunks()
        columns.append(field.transform.pyarrow_transform(source.field_type)(values))
    return columns


def _run_starts(sorted_keys: list[pa.Array]) -> np.ndarray:
    """Positions where any partition value changes, in keys already sorted (nulls last)."""
    length = len(sorted_keys[0])
    changed = np.zeros(max(length - 1, 0), dtype=bool)
    for keys in sorted_keys:
        after, before = keys.slice(1), keys.slice(0, length - 1)
        differs = pc.fill_null(pc.not_equal(after, before), True)
        both_null = pc.and_(pc.is_null(after), pc.is_null(before))
        step = pc.and_(differs, pc.invert(both_null))
        changed |= step.to_numpy(zero_copy_only=False)
    return np.concatenate([[0], np.flatnonzero(changed) + 1, [length]])


Run = tuple[int, int, PartitionKey | None]  # rows [begin, end) of one partition


def _partition_runs(metadata: TableMetadata, data: pa.Table) -> tuple[pa.Table, list[Run]]:
    """``data`` ordered by partition, and the row range and key of each partition."""
    spec, schema = metadata.spec(), metadata.schema()
    if spec.is_unpartitioned():
        return data, [(0, data.num_rows, None)]
    keys = _partition_columns(metadata, data)
    order = pc.sort_indices(
        pa.table({f"k{i}": k for i, k in enumerate(keys)}),
        sort_keys=[(f"k{i}", "ascending") for i in range(len(keys))],  # nulls last
    )
    sorted_keys = [k.take(order) for k in keys]
    runs: list[Run] = []
    for begin, end in itertools.pairwise(_run_starts(sorted_keys)):
        values = [
            PartitionFieldValue(field, k[int(begin)].as_py())
            for field, k in zip(spec.fields, sorted_keys, strict=True)
        ]
        runs.append(
            (int(begin), int(end), PartitionKey(field_values=values, partition_spec=spec, schema=schema))
        )
    return _gathered(data, order), runs


def _write_tasks(metadata: TableMetadata, data: pa.Table, write_uuid: uuid.UUID) -> Iterator[WriteTask]:
    task_schema = pyarrow_to_schema(
        data.schema, name_mapping=metadata.schema().name_mapping, format_version=metadata.format_version
    )
    target_bytes = property_as_int(
        metadata.properties,
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT,
    )
    rows_per_file = max(1, int(target_bytes / max(1.0, data.nbytes / data.num_rows)))
    ordered, runs = _partition_runs(metadata, data)
    task_id = itertools.count()
    for begin, end, partition_key in runs:
        for low in range(begin, end, rows_per_file):
            yield WriteTask(
                write_uuid=write_uuid,
                task_id=next(task_id),
                record_batches=ordered.slice(low, min(end, low + rows_per_file) - low).to_batches(),
                partition_key=partition_key,
                schema=task_schema,
            )


def append_table(
    tx: Transaction, io: FileIO, data: pa.Table, snapshot_properties: dict[str, str] | None = None
) -> int:
    """Append ``data`` as one snapshot of ``tx``'s table; returns the number of data files written."""
    metadata = tx.table_metadata
    _check_pyarrow_schema_compatible(
        requested_schema=metadata.schema(),
        provided_schema=data.schema,
        format_version=metadata.format_version,
    )
    if data.num_rows == 0:
        return 0
    if any(column.num_chunks > 1 for column in data.columns):
        data = data.combine_chunks()  # gathering rows from many chunks costs several times more
    written = 0
    with tx.update_snapshot(snapshot_properties or {}).fast_append() as append:
        for data_file in write_file(io, metadata, _write_tasks(metadata, data, append.commit_uuid)):
            append.append_data_file(data_file)
            written += 1
    return written

"""Our partition split must give what pyiceberg's own append gives: same rows, same partitions, one snapshot."""

import numpy as np
import pyarrow as pa
import pytest
from pyiceberg.transforms import DayTransform, IdentityTransform

from infra.iceberg.append import append_table

SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("district", pa.string()),
        pa.field("at", pa.timestamp("us")),
        pa.field("note", pa.string()),
    ]
)


def _data(rows: int, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    at = np.datetime64("2026-11-01T00:00:00") + rng.integers(0, 5 * 86_400, rows).astype("timedelta64[s]")
    districts = rng.choice(np.array(["浦东新区", "南汇新城镇", "泥城镇"], dtype=object), rows)
    at_array = pa.array(at.astype("datetime64[us]"), pa.timestamp("us"))
    nulls = rng.random(rows) < 0.1  # rows with no timestamp or district fall in the null partition
    return pa.table(
        {
            "id": pa.array(np.arange(rows), pa.int64()),
            "district": pa.array(
                [None if n else d for n, d in zip(nulls, districts, strict=True)], pa.string()
            ),
            "at": pa.array(
                [None if n else v for n, v in zip(nulls[::-1], at_array.to_pylist(), strict=True)]
            ),
            "note": pa.array([f"第{i}行" for i in range(rows)]),
        },
        schema=SCHEMA,
    )


def _table(catalog, name: str, fields: list[tuple[str, object]], properties: dict | None = None):
    table = catalog.create_table(f"staging.{name}", schema=SCHEMA, properties=properties or {})
    with table.update_spec() as spec:
        for source, transform in fields:
            spec.add_field(source, transform, f"{source}_part")
    return catalog.load_table(f"staging.{name}")


def _files(table) -> list[tuple[tuple, int]]:
    return sorted(
        ((repr(tuple(task.file.partition)), task.file.record_count) for task in table.scan().plan_files()),
    )


@pytest.mark.parametrize(
    "fields",
    [
        [],
        [("at", DayTransform())],
        [("district", IdentityTransform()), ("at", DayTransform())],
    ],
    ids=["unpartitioned", "day", "identity+day"],
)
def test_same_rows_and_partitions_as_pyiceberg_append(catalog, fields):
    data = _data(5_000)
    ours = _table(catalog, "ours", fields)
    theirs = _table(catalog, "theirs", fields)
    with ours.transaction() as tx:
        append_table(tx, ours.io, data)
    theirs.append(data)
    ours, theirs = catalog.load_table("staging.ours"), catalog.load_table("staging.theirs")
    assert len(ours.snapshots()) == 1
    assert _files(ours) == _files(theirs)
    assert ours.scan().to_arrow().sort_by("id").equals(theirs.scan().to_arrow().sort_by("id"))


def test_large_partitions_are_split_into_files_of_the_target_size(catalog):
    table = _table(
        catalog, "small_files", [("at", DayTransform())], {"write.target-file-size-bytes": "20000"}
    )
    data = _data(5_000)
    with table.transaction() as tx:
        files = append_table(tx, table.io, data)
    table = catalog.load_table("staging.small_files")
    partitions = {p for p, _ in _files(table)}
    assert files > len(partitions)
    assert sum(count for _, count in _files(table)) == data.num_rows


def test_an_incompatible_batch_is_refused_before_anything_is_written(catalog):
    table = _table(catalog, "typed", [("at", DayTransform())])
    wrong = _data(10).set_column(0, "id", pa.array([str(i) for i in range(10)]))
    with pytest.raises(ValueError, match="id"), table.transaction() as tx:
        append_table(tx, table.io, wrong)
    assert catalog.load_table("staging.typed").current_snapshot() is None


def test_an_empty_batch_writes_nothing(catalog):
    table = _table(catalog, "empty", [])
    with table.transaction() as tx:
        assert append_table(tx, table.io, SCHEMA.empty_table()) == 0
    assert catalog.load_table("staging.empty").current_snapshot() is None

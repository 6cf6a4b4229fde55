"""An append keyed by several columns: keys already present are skipped by an anti-join, and the rows that
remain keep the table's required fields (pyarrow's join returns every field nullable, which pyiceberg's
schema check refuses for a required column)."""

import pyarrow as pa

from infra.iceberg.writer import Partition, commit, ensure_table

SCHEMA = pa.schema(
    [
        pa.field("station_id", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us"), nullable=False),
        pa.field("vehicles", pa.int64()),
    ]
)
TABLE = "raw_transport.readings"
HOUR = 3_600_000_000


def _rows(keys: list[tuple[str, int]], vehicles: int = 1) -> pa.Table:
    return pa.table(
        {
            "station_id": [station for station, _ in keys],
            "at": pa.array([1_700_000_000_000_000 + hour * HOUR for _, hour in keys], pa.timestamp("us")),
            "vehicles": [vehicles] * len(keys),
        },
        schema=SCHEMA,
    )


def test_append_with_a_two_column_key_skips_present_keys_and_keeps_required_fields(catalog) -> None:
    ensure_table(catalog, TABLE, SCHEMA, [Partition("at", "day")], ["station_id", "at"])
    key = ["station_id", "at"]
    first = commit(catalog, TABLE, _rows([("s1", 0), ("s2", 0)]), "append", key=key, window="at")
    # ("s1", 1) shares a station with a present row and ("s3", 0) an hour: only the pair makes a key.
    second = commit(
        catalog, TABLE, _rows([("s1", 0), ("s1", 1), ("s3", 0)], vehicles=2), "append", key=key, window="at"
    )
    assert (first.rows_written, first.duplicates) == (2, 0)
    assert (second.rows_written, second.duplicates) == (2, 1)
    table = catalog.load_table(TABLE)
    rows = sorted((r["station_id"], r["vehicles"]) for r in table.scan().to_arrow().to_pylist())
    assert rows == [("s1", 1), ("s1", 2), ("s2", 1), ("s3", 2)]
    assert all(table.schema().find_field(name).required for name in ("station_id", "at"))


def test_a_batch_of_only_present_keys_writes_nothing(catalog) -> None:
    ensure_table(catalog, TABLE, SCHEMA, [Partition("at", "day")], ["station_id", "at"])
    key = ["station_id", "at"]
    commit(catalog, TABLE, _rows([("s1", 0)]), "append", key=key)
    again = commit(catalog, TABLE, _rows([("s1", 0)]), "append", key=key)
    assert (again.rows_written, again.duplicates) == (0, 1)
    assert catalog.load_table(TABLE).scan().to_arrow().num_rows == 1

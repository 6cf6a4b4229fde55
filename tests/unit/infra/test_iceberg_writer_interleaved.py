"""A load that commits between our read of the table and our commit (docs/adr/0004-…, 0018-…): whatever our
commit holds (rows, or only the load state when every row was a duplicate), it must not be applied on top of a
table it did not read, or the other load's state (its units) would be overwritten with ours."""

from __future__ import annotations

import pyarrow as pa

from infra.iceberg.writer import commit, ensure_table, loaded_units

SCHEMA = pa.schema([pa.field("reading_id", pa.string(), nullable=False), pa.field("value", pa.int64())])
TABLE = "raw_transport.interleaved"


def _rows(ids: list[str]) -> pa.Table:
    return pa.table({"reading_id": ids, "value": [1] * len(ids)}, schema=SCHEMA)


class _Interleaved:
    """The catalog, with another load committing right after our first read of the table."""

    def __init__(self, catalog, competing) -> None:
        self._catalog, self._competing, self.reads = catalog, competing, 0

    def load_table(self, identifier: str):
        table = self._catalog.load_table(identifier)
        self.reads += 1
        if self._competing is not None:
            competing, self._competing = self._competing, None
            competing()
        return table

    def __getattr__(self, name: str):
        return getattr(self._catalog, name)


def test_a_load_of_only_duplicates_keeps_the_units_a_concurrent_load_committed(catalog) -> None:
    ensure_table(catalog, TABLE, SCHEMA, key=["reading_id"])
    commit(catalog, TABLE, _rows(["a", "b"]), "append", key=["reading_id"], units=["u-first"])
    other = lambda: commit(catalog, TABLE, _rows(["c"]), "append", key=["reading_id"], units=["u-other"])  # noqa: E731
    racing = _Interleaved(catalog, other)
    mine = commit(racing, TABLE, _rows(["a"]), "append", key=["reading_id"], units=["u-mine"])
    assert (mine.rows_written, mine.duplicates) == (0, 1)
    table = catalog.load_table(TABLE)
    assert loaded_units(table) == {"u-first", "u-other", "u-mine"}
    assert table.scan().to_arrow().num_rows == 3


def test_a_keyless_append_retried_after_a_concurrent_load_lands_once(catalog) -> None:
    ensure_table(catalog, TABLE, SCHEMA)
    other = lambda: commit(catalog, TABLE, _rows(["x"]), "append", units=["u-other"])  # noqa: E731
    racing = _Interleaved(catalog, other)
    commit(racing, TABLE, _rows(["y", "z"]), "append", units=["u-mine"])
    table = catalog.load_table(TABLE)
    assert sorted(table.scan().to_arrow().column("reading_id").to_pylist()) == ["x", "y", "z"]
    assert loaded_units(table) == {"u-other", "u-mine"}
    assert racing.reads >= 2  # our first commit was refused and made again against the fresh table


def test_the_same_unit_committed_meanwhile_by_another_load_is_not_loaded_twice(catalog) -> None:
    ensure_table(catalog, TABLE, SCHEMA)
    other = lambda: commit(catalog, TABLE, _rows(["y", "z"]), "append", units=["u-same"])  # noqa: E731
    racing = _Interleaved(catalog, other)
    again = commit(racing, TABLE, _rows(["y", "z"]), "append", units=["u-same"])
    assert again.skipped
    assert catalog.load_table(TABLE).scan().to_arrow().num_rows == 2

"""The dbt plugin's sources (infra.iceberg_source) stream into dbt-duckdb's copy and still serve views a whole
table. The plugin class itself lives in dbt's environment; the dbt builds of the integration tests run it."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from pyiceberg.catalog import Catalog

from infra.iceberg_source import IcebergSources

ROWS = 5000


def _table(catalog: Catalog) -> pa.Table:
    catalog.create_namespace_if_not_exists("staging")
    data = pa.table(
        {"visit_id": pa.array(range(ROWS), pa.int64()), "town": [f"t{i % 7}" for i in range(ROWS)]}
    )
    table = catalog.create_table("staging.visits", schema=data.schema)
    for part in range(4):  # several files, so the stream has several batches
        table.append(data.slice(part * ROWS // 4, ROWS // 4))
    return data


def _copy_as_dbt_duckdb_does(loaded: object, materialization: str) -> duckdb.DuckDBPyConnection:
    # dbt-duckdb's LocalEnvironment.load_source: register, then CREATE OR REPLACE <materialization> AS SELECT *.
    connection = duckdb.connect()
    connection.execute("create schema staging")
    connection.register("staging_visits_df", loaded)
    connection.execute(
        f"create or replace {materialization} staging.visits as select * from staging_visits_df"
    )
    return connection


def test_a_table_source_is_streamed_and_copied_whole(catalog: Catalog) -> None:
    data = _table(catalog)
    loaded = IcebergSources().load("staging.visits", "table")
    assert isinstance(loaded, pa.RecordBatchReader)
    with _copy_as_dbt_duckdb_does(loaded, "table") as connection:
        copied = connection.execute("select * from staging.visits order by visit_id").to_arrow_table()
    assert copied.to_pylist() == data.to_pylist()


def test_a_view_source_gets_a_table_it_can_read_twice(catalog: Catalog) -> None:
    _table(catalog)
    loaded = IcebergSources().load("staging.visits", "view")
    assert isinstance(loaded, pa.Table)
    with _copy_as_dbt_duckdb_does(loaded, "view") as connection:
        counts = [connection.execute("select count(*) from staging.visits").fetchone()[0] for _ in range(2)]
    assert counts == [ROWS, ROWS]


def test_a_describing_compile_registers_sources_empty_even_where_no_table_exists(
    catalog: Catalog, monkeypatch
) -> None:
    """`compiled_manifest`'s own compile (lineage in a home before its first run): no table, no rows read."""
    from infra.dbt_manifest import DESCRIBE_ONLY_ENV

    monkeypatch.setenv(DESCRIBE_ONLY_ENV, "1")
    loaded = IcebergSources().load("staging.visits", "table")
    with _copy_as_dbt_duckdb_does(loaded, "table") as connection:
        assert connection.execute("select count(*) from staging.visits").fetchone()[0] == 0
    monkeypatch.delenv(DESCRIBE_ONLY_ENV)
    _table(catalog)
    assert IcebergSources().load("staging.visits", "table").read_all().num_rows == ROWS

"""What DuckDB is handed for one dbt source: an Iceberg table of our catalog, as a stream or whole.

The dbt-duckdb plugin (``infra/dbt_duckdb_iceberg.py``) calls this from dbt's own environment; it is kept
apart from the plugin so that it imports no dbt and is tested in the project's environment.

dbt-duckdb copies a source once (``CREATE TABLE … AS SELECT * FROM`` what it is handed, its default
materialization), so a table source gets a stream of record batches: the whole table never sits in Arrow
memory beside DuckDB's copy. A source materialized as a view is read again on every cursor, which a
one-shot stream cannot serve, so it still gets the whole Arrow table. No projection or row filter: the
only readers of these sources are the generated staging models, which select every contract column of
every row.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from infra.catalog import open_catalog
from infra.dbt_manifest import DESCRIBE_ONLY_ENV

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog


class IcebergSources:
    """The sources of one dbt run; the catalog is opened at the first source read."""

    def __init__(self) -> None:
        self._catalog: Catalog | None = None

    def load(self, identifier: str, materialization: str) -> pa.Table | pa.RecordBatchReader:
        """``identifier`` (``zone.table``) for a source materialized as ``materialization``."""
        if os.environ.get(DESCRIBE_ONLY_ENV) == "1":
            return _placeholder()
        if self._catalog is None:
            self._catalog = open_catalog()
        scan = self._catalog.load_table(identifier).scan()
        if materialization == "table":
            return scan.to_arrow_batch_reader()
        return scan.to_arrow()


def _placeholder() -> pa.Table:
    """What a describing compile registers for a source: no rows, one column (DuckDB has no table without
    columns). Compiling renders SQL and never reads a source, so neither its rows nor its columns matter."""
    import pyarrow as pa

    return pa.table({"describe_only": pa.array([], type=pa.int8())})

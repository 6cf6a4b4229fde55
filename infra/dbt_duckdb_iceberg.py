"""dbt-duckdb plugin: dbt sources read from our Iceberg catalog (whatever the active profile is).

dbt-duckdb cannot read Iceberg offline by itself (its extension would be downloaded at run time), so
sources marked ``meta: {plugin: iceberg_lakehouse}`` are scanned with pyiceberg and registered.

dbt-duckdb copies a source once (``CREATE TABLE … AS SELECT * FROM`` what ``load`` returns, its default
materialization), so ``load`` hands it a stream of record batches: the whole table never sits in Arrow
memory beside DuckDB's copy. A source materialized as a view is read again on every cursor, which a
one-shot stream cannot serve, so it still gets the whole Arrow table. No projection or row filter: the
only readers of these sources are the generated staging models, which select every contract column of
every row.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from infra.catalog import open_catalog
from infra.dbt_manifest import DESCRIBE_ONLY_ENV

if TYPE_CHECKING:
    import pyarrow as pa


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._catalog = None

    def load(self, source_config: SourceConfig) -> pa.Table | pa.RecordBatchReader:
        if os.environ.get(DESCRIBE_ONLY_ENV) == "1":
            return _placeholder()
        if self._catalog is None:
            self._catalog = open_catalog()
        identifier = (
            source_config.get("iceberg_table") or f"{source_config.schema}.{source_config.identifier}"
        )
        scan = self._catalog.load_table(identifier).scan()
        if source_config.get("materialization", self.default_materialization()) == "table":
            return scan.to_arrow_batch_reader()
        return scan.to_arrow()


def _placeholder() -> pa.Table:
    """What a describing compile registers for a source: no rows, one column (DuckDB has no table without
    columns). Compiling renders SQL and never reads a source, so neither its rows nor its columns matter."""
    import pyarrow as pa

    return pa.table({"describe_only": pa.array([], type=pa.int8())})

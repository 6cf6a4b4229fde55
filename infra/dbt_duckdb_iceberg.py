"""dbt-duckdb plugin: dbt sources read from our Iceberg catalog (whatever the active profile is).

dbt-duckdb cannot read Iceberg offline by itself (its extension would be downloaded at run time), so
sources marked ``meta: {plugin: iceberg_lakehouse}`` are scanned with pyiceberg and registered; what is
registered, a stream or a whole table, is ``infra.iceberg_source``'s business.

Imported only by dbt, in dbt's own environment (infra/dbt_env; docs/adr/0025-…): the project's
environment has no dbt-core to import this from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from infra.iceberg_source import IcebergSources

if TYPE_CHECKING:
    import pyarrow as pa


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._sources = IcebergSources()

    def load(self, source_config: SourceConfig) -> pa.Table | pa.RecordBatchReader:
        identifier = (
            source_config.get("iceberg_table") or f"{source_config.schema}.{source_config.identifier}"
        )
        materialization = source_config.get("materialization", self.default_materialization())
        return self._sources.load(identifier, materialization)

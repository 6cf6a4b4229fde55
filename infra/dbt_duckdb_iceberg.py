"""dbt-duckdb plugin: dbt sources read from our Iceberg catalog (whatever the active profile is).

dbt-duckdb cannot read Iceberg offline by itself (its extension would be downloaded at run time), so
sources marked ``meta: {plugin: iceberg_lakehouse}`` are scanned with pyiceberg into Arrow and registered.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from infra.catalog import open_catalog


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._catalog = None

    def load(self, source_config: SourceConfig):
        if self._catalog is None:
            self._catalog = open_catalog()
        identifier = (
            source_config.get("iceberg_table") or f"{source_config.schema}.{source_config.identifier}"
        )
        return self._catalog.load_table(identifier).scan().to_arrow()

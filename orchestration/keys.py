"""Dagster asset keys of Iceberg tables: ``[zone, table]``, from the ground floor's table names."""

from __future__ import annotations

import dagster as dg

from infra.zones import TableName


def table_key(table: str) -> dg.AssetKey:
    """The asset of a zone-qualified table (``exchange.parks`` → ``exchange/parks``)."""
    return dg.AssetKey(list(TableName.parse(table).identifier))

"""Inventory of the Iceberg tables: what `lakehouse tables` shows."""

from __future__ import annotations

from dataclasses import dataclass

from pyiceberg.catalog import Catalog

from infra.clock import format_china


@dataclass(frozen=True)
class TableInfo:
    namespace: str
    name: str
    rows: int
    snapshot_id: int | None
    last_updated: str | None

    @property
    def identifier(self) -> str:
        return f"{self.namespace}.{self.name}"


def list_tables(catalog: Catalog) -> list[TableInfo]:
    infos = []
    for (namespace,) in sorted(catalog.list_namespaces()):
        for identifier in sorted(catalog.list_tables(namespace)):
            table = catalog.load_table(identifier)
            snapshot = table.current_snapshot()
            rows = (
                int((snapshot.summary or {}).get("total-records", 0)) if snapshot and snapshot.summary else 0
            )
            updated = format_china(snapshot.timestamp_ms) if snapshot else None
            infos.append(
                TableInfo(
                    namespace, identifier[-1], rows, snapshot.snapshot_id if snapshot else None, updated
                )
            )
    return infos

"""Table identifiers written ``schema.table`` (Iceberg namespace and table, Trino schema and table)."""

from __future__ import annotations


class SchemaQualified:
    """For records whose ``table`` field holds ``schema.table``: its two parts by name."""

    table: str

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

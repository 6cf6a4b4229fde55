"""Column and table documentation on Iceberg tables: the field ``doc`` and the ``comment`` property.

Trino's Iceberg connector shows a field's ``doc`` as the column comment (DESCRIBE, SHOW COLUMNS) and the
``comment`` table property as the table comment, so what is set here is what every engine reads. The texts
themselves are governance's (contracts, dbt models); this module only writes them, and only when they
differ from what the table already says, so a republish of unchanged docs adds no metadata version.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import Table

# The table property Trino's Iceberg connector reads as the table comment.
COMMENT_PROPERTY = "comment"
# pyiceberg turns this Arrow field metadata key into the Iceberg field doc when it converts a schema.
ARROW_DOC_KEY = b"doc"


@dataclass(frozen=True)
class TableDocs:
    """What a table says about itself: a comment and a doc per (top-level) column."""

    comment: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.comment and not any(self.columns.values())


def schema_with_docs(schema: pa.Schema, docs: TableDocs) -> pa.Schema:
    """``schema`` with each documented field's doc in its metadata (read by pyiceberg at create time)."""
    fields = []
    for arrow_field in schema:
        doc = docs.columns.get(arrow_field.name)
        if doc:
            metadata = {**(arrow_field.metadata or {}), ARROW_DOC_KEY: doc.encode("utf-8")}
            arrow_field = arrow_field.with_metadata(metadata)
        fields.append(arrow_field)
    return pa.schema(fields, metadata=schema.metadata)


def stale_docs(table: Table, docs: TableDocs) -> tuple[dict[str, str], bool]:
    """(column -> doc for the columns whose doc differs, whether the comment differs).

    Columns the table does not have are ignored (a doc may name a column a release withholds), and an
    empty doc never clears one already set.
    """
    changed = {}
    for iceberg_field in table.schema().fields:  # top level only: docs are per published column
        wanted = docs.columns.get(iceberg_field.name)
        if wanted and iceberg_field.doc != wanted:
            changed[iceberg_field.name] = wanted
    comment_changed = bool(docs.comment) and table.properties.get(COMMENT_PROPERTY) != docs.comment
    return changed, comment_changed


def apply_docs(catalog: Catalog, identifier: str, docs: TableDocs, attempts: int = 8) -> Table:
    """Bring the table's docs and comment up to ``docs`` in one commit, or none when they already match.

    A concurrent writer (two loads of one raw table) may commit first; the docs are then compared again
    against the fresh table and the commit retried.
    """
    delay = 0.05
    for attempt in range(1, attempts + 1):
        table = catalog.load_table(identifier)
        columns, comment_changed = stale_docs(table, docs)
        if not columns and not comment_changed:
            return table
        try:
            with table.transaction() as tx:
                if columns:
                    with tx.update_schema() as update:
                        for name, doc in columns.items():
                            update.update_column(name, doc=doc)
                if comment_changed and docs.comment:
                    tx.set_properties({COMMENT_PROPERTY: docs.comment})
        except CommitFailedException:
            if attempt == attempts:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    return catalog.load_table(identifier)

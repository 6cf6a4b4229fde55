"""Chinese column labels and descriptions for Superset, from governance.column_docs: the same business names
and descriptions the contracts and the dbt yml give the Iceberg tables and Trino's comments."""

from __future__ import annotations

from governance.column_docs import TableDoc, split_label, table_doc
from infra.dbt_manifest import ManifestError


def label(description: str) -> str:
    """The business name in a dbt description: the text before a spaced note."""
    return split_label(description)[0]


def dataset_doc(table: str) -> TableDoc:
    """The docs of a shared table; an empty TableDoc when none can be read (Superset still provisions)."""
    try:
        return table_doc(table)
    except ManifestError:
        return TableDoc(table)


def column_labels(table: str) -> dict[str, str]:
    """column -> business name (Superset's verbose_name); empty for a table nothing documents."""
    return {c.name: c.business_name for c in dataset_doc(table).columns if c.business_name}


def column_descriptions(table: str) -> dict[str, str]:
    """column -> its one-line doc ("业务名: description"), the text Trino shows as the column comment."""
    return dataset_doc(table).texts()


def column_doc_fields(column: str, doc: TableDoc) -> dict[str, str]:
    """What Superset's dataset column takes from the docs: ``verbose_name`` (the business name, shown as the
    column's label) and ``description`` (the doc Trino shows as its comment); nothing for an undocumented one."""
    found = doc.column(column)
    if found is None:
        return {}
    fields = {"verbose_name": found.business_name, "description": found.text}
    return {k: v for k, v in fields.items() if v}

"""Chinese column labels for Superset, taken from the dbt model descriptions (one source of truth)."""

from __future__ import annotations

import re

from infra.dbt_manifest import ManifestError, load_manifest

# "部门 ('all' 为全部)", "法定代表人 (masked 张*)": the label is the text before a spaced note.
_NOTE = re.compile(r"\s+[(（—-].*$")


def label(description: str) -> str:
    return _NOTE.sub("", description.strip()).strip()


def column_labels(table: str) -> dict[str, str]:
    """column -> label for the mart published as `schema.model`; empty for a table no mart publishes."""
    try:
        model = load_manifest().mart(table)
    except ManifestError:
        return {}
    return {c.name: label(c.description) for c in model.columns if c.description}

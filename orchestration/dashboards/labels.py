"""Chinese column labels for Superset, taken from the dbt model descriptions (one source of truth)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
# "部门 ('all' 为全部)", "法定代表人 (masked 张*)": the label is the text before a spaced note.
_NOTE = re.compile(r"\s+[(（—-].*$")


def label(description: str) -> str:
    return _NOTE.sub("", description.strip()).strip()


@cache
def column_labels(table: str, marts: Path = MARTS) -> dict[str, str]:
    """column -> label for `schema.model`; empty if the model has no yml (labels are then the names)."""
    schema, name = table.split(".", 1)
    yml = marts / schema / f"{name}.yml"
    if not yml.is_file():
        return {}
    doc = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
    for model in doc.get("models", []):
        if model.get("name") == name:
            return {
                str(c["name"]): label(str(c["description"]))
                for c in model.get("columns", [])
                if c.get("description")
            }
    return {}

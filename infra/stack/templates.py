"""Config templates under infra/stack/templates/, rendered with string.Template (`${name}`)."""

from __future__ import annotations

from pathlib import Path
from string import Template

from infra.stack.paths import TEMPLATES


def render(name: str, **values: object) -> str:
    """Render templates/<name>; a missing value is an error, never a silent blank."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    return Template(text).substitute({k: str(v) for k, v in values.items()})


def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)

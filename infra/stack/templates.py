"""Config templates under infra/stack/templates/, rendered with string.Template (`${name}`)."""

from __future__ import annotations

import os
from pathlib import Path
from string import Template

from infra.stack.paths import TEMPLATES


def render(name: str, **values: object) -> str:
    """Render templates/<name>; a missing value is an error, never a silent blank."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    return Template(text).substitute({k: str(v) for k, v in values.items()})


def write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a config file; owner-only by default (the servers run as the owner, except PostgreSQL's
    files, which are handed over with chown)."""
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(mode)  # an existing file keeps its old mode through O_TRUNC

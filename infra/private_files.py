"""Files that hold data, secrets or query text: readable by their owner only, from the first byte."""

from __future__ import annotations

import os
from pathlib import Path


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` created 600: never world-readable, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    path.chmod(0o600)  # an existing file keeps its old mode through O_TRUNC

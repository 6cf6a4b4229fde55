"""Advisory per-name file locks, so two maintenance runs never sweep or rewrite one table at once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Busy(RuntimeError):
    """Another process holds the lock; the message names what is locked."""


@contextmanager
def exclusive(folder: Path, name: str, *, wait: bool = False) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Busy(f"{name}: another maintenance run holds {path}") from exc
        yield
    finally:
        os.close(fd)  # closing releases the lock

"""Where the stack keeps its state (under LAKEHOUSE_HOME) and its downloads (under LAKEHOUSE_CACHE)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"


def cache_dir() -> Path:
    """Downloads cache shared by every LAKEHOUSE_HOME, so a second `up` downloads nothing."""
    value = os.environ.get("LAKEHOUSE_CACHE", "").strip()
    return Path(value or "~/.cache/lingang-lakehouse").expanduser().resolve()


@dataclass(frozen=True)
class StackPaths:
    home: Path
    cache: Path

    @classmethod
    def of(cls, settings: Settings) -> StackPaths:
        return cls(home=settings.home, cache=cache_dir())

    @property
    def root(self) -> Path:
        return self.home / "stack"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secrets(self) -> Path:
        return self.home / "secrets"

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"

    @property
    def s3(self) -> Path:
        return self.root / "s3"

    @property
    def trino(self) -> Path:
        return self.root / "trino"

    @property
    def m2(self) -> Path:
        return self.cache / "m2"

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    @property
    def traversable(self) -> tuple[Path, Path]:
        """Folders others may pass through but not list: the PostgreSQL OS user's way to its data dir."""
        return (self.home, self.root)

    def ensure(self) -> None:
        # Search permission only (0711) on the way to PostgreSQL's data dir; everything else is 0700 and
        # the files in it 0600 (the process umask, infra.settings.keep_files_private).
        for folder in self.traversable:
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o711)
        for folder in (self.run, self.logs, self.secrets):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o700)
        self.cache.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def cache_lock(cache: Path) -> Iterator[None]:
    """One installer at a time per cache (two stacks starting together must not unpack over each other)."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Types shared by the stack components."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

Progress = Callable[[str], None]


class StackError(RuntimeError):
    """A component could not be installed, configured or started; the message says where to look."""


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    url: str
    version: str
    healthy: bool
    pid: int | None
    log: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

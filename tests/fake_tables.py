"""An Iceberg table as the run plan's unit tests need it: only its current snapshot's id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FakeSnapshot:
    snapshot_id: int


class FakeTable:
    def __init__(self, snapshot_id: str) -> None:
        self._snapshot = FakeSnapshot(int(snapshot_id))

    def current_snapshot(self) -> FakeSnapshot:
        return self._snapshot

"""What every system generator receives: the population, the run's days and the snapshot cutoff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ingest.simulator.clock import day_seconds
from ingest.simulator.population import Population
from ingest.simulator.rng import stream


@dataclass(frozen=True)
class SimContext:
    population: Population
    seed: int
    scale: float
    days: tuple[date, ...]

    @property
    def last_day(self) -> date:
        return self.days[-1]

    @property
    def cutoff(self) -> np.int64:
        """End of the last simulated day: the moment the systems are exported. Later events do not exist
        yet, so a car still parked has no exit time and an application still in review has no decision."""
        return day_seconds(self.last_day) + 86_400

    def rng(self, dataset: str, day: date | None = None) -> np.random.Generator:
        """The dataset's own stream (one per day for events), so datasets and days never shift each other."""
        return stream(self.seed, dataset) if day is None else stream(self.seed, dataset, day.toordinal())

    def per_day(self, at_scale_1: float, day: date, weekend_factor: float = 1.0) -> int:
        """Events on ``day``: linear in scale, with a weekday/weekend rhythm."""
        factor = weekend_factor if day.weekday() >= 5 else 1.0
        return round(at_scale_1 * self.scale * factor)

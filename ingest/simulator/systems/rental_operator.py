"""共享单车/电动车 rental operator: one CSV of trips per day (UTF-8).

Riders are residents (their mobile is the account); trips run between docking points at road crossings
and landmarks. A trip still running at the export moment has no end.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator.clock import COMMUTE, compact, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.rng import stream
from ingest.simulator.table import Chunk, Table, floats, nullable, sequence_ids, timestamps

DATASETS = ("rental_trips",)
TRIPS_AT_SCALE_1 = 30_000
VEHICLES = ("bike", "ebike", "ev")
VEHICLE_WEIGHTS = (0.55, 0.3, 0.15)
MEDIAN_MINUTES = np.array([12.0, 15.0, 35.0])
SPEED_KMH = np.array([11.0, 18.0, 30.0])


def riders(ctx: SimContext) -> tuple[np.ndarray, np.ndarray]:
    """Residents aged 16-70 with an account (35%), and how often each rides."""
    res = ctx.population.residents
    age = res.age_on(ctx.days[0])
    rng = stream(ctx.seed, "rental_trips", "riders")
    who = np.flatnonzero((age >= 16) & (age <= 70) & (rng.random(len(res)) < 0.35))
    activity = rng.lognormal(0.0, 1.0, len(who))
    return who, activity / activity.sum()


def _trips_day(ctx: SimContext, day: date, who: np.ndarray, activity: np.ndarray) -> Table:
    rng = ctx.rng("rental_trips", day)
    res = ctx.population.residents
    stations = np.array(ctx.population.rental_stations)
    n = ctx.per_day(TRIPS_AT_SCALE_1, day, weekend_factor=1.2)
    user = who[rng.choice(len(who), size=n, p=activity)]
    kind = rng.choice(3, size=n, p=np.array(VEHICLE_WEIGHTS))
    started = times_in_day(rng, day, n, COMMUTE)
    minutes = np.clip(rng.lognormal(np.log(MEDIAN_MINUTES[kind]), 0.6), 2, 600)
    ended = started + (minutes * 60).astype(np.int64)
    running = ended >= ctx.cutoff
    lost = rng.random(n) < 0.01  # the lock lost its GPS fix: no end station reported
    distance = SPEED_KMH[kind] * minutes / 60 * rng.uniform(0.55, 1.0, n)
    return {
        "trip_id": sequence_ids("RT", compact(day), n, 7),
        "vehicle_type": np.array(VEHICLES)[kind],
        "user_mobile": res.mobile[user],
        "start_station": stations[rng.integers(0, len(stations), n)],
        "end_station": nullable(stations[rng.integers(0, len(stations), n)], running | lost),
        "started_at": timestamps(started),
        "ended_at": timestamps(ended, running),
        "distance_km": floats(np.minimum(distance, 200), 2, running),
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    who, activity = riders(ctx)
    return {"rental_trips": [Chunk(day.isoformat(), _trips_day(ctx, day, who, activity)) for day in ctx.days]}

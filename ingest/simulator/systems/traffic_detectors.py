"""交通流量 detectors: five-minute counts per detector, NDJSON files dropped by the detector gateway per day.

Counts follow the commuter rhythm scaled by each detector's road; speed drops as the road fills. The
gateway loses some messages, and an empty interval has no speed.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator.clock import COMMUTE, day_seconds, is_weekend
from ingest.simulator.context import SimContext
from ingest.simulator.table import Chunk, Table, floats, timestamps

DATASETS = ("traffic_flow",)
INTERVALS = 288  # five-minute intervals per day
TRUNK_FREE_SPEED = 60.0
LOCAL_FREE_SPEED = 40.0


def _flow_day(ctx: SimContext, day: date) -> Table:
    rng = ctx.rng("traffic_flow", day)
    det = ctx.population.detectors
    d = len(det)
    slot = np.arange(INTERVALS)
    hourly = COMMUTE / COMMUTE.max()
    weekend = 0.75 if is_weekend(day) else 1.0
    # Interpolate the hourly profile to five-minute slots so counts do not jump on the hour.
    level = np.interp(slot / 12.0, np.arange(24) + 0.5, hourly, period=24) * weekend
    expected = det.base_count[None, :] * level[:, None]
    count = np.minimum(rng.poisson(expected), 2000)
    free = np.where(det.base_count >= 120, TRUNK_FREE_SPEED, LOCAL_FREE_SPEED)
    speed = free[None, :] * (1 - 0.45 * count / (det.base_count[None, :] * 1.3)) + rng.normal(
        0, 3, (INTERVALS, d)
    )
    speed = np.clip(speed, 5, 120)
    keep = rng.random((INTERVALS, d)) >= 0.005
    s, k = np.nonzero(keep)  # ordered by time slot, then detector, as the gateway writes them
    minute = np.char.zfill((s // 12).astype(str), 2)
    minute = np.char.add(minute, np.char.zfill((s % 12 * 5).astype(str), 2))
    return {
        "measurement_id": np.char.add(np.char.add(det.detector_id[k], f"-{day.strftime('%Y%m%d')}"), minute),
        "detector_id": det.detector_id[k],
        "road": det.road[k],
        "direction": det.direction[k],
        "measured_at": timestamps(day_seconds(day) + s * 300),
        "vehicle_count": count[s, k].astype(np.int64),
        "avg_speed_kmh": floats(speed[s, k], 1, count[s, k] == 0),
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    return {"traffic_flow": [Chunk(day.isoformat(), _flow_day(ctx, day)) for day in ctx.days]}

"""建设管理 systems: the BIM building register and the hourly energy metering platform (GB18030 CSV)."""

from __future__ import annotations

import numpy as np

from ingest.simulator.clock import DAYLIGHT, day_seconds, is_weekend
from ingest.simulator.context import SimContext
from ingest.simulator.table import Chunk, Table, floats, timestamps

DATASETS = ("buildings", "energy_readings")


def _energy_day(ctx: SimContext, day) -> Table:
    rng = ctx.rng("energy_readings", day)
    meters = ctx.population.meters
    m = len(meters)
    profile = DAYLIGHT / DAYLIGHT.max() * (0.45 if is_weekend(day) else 1.0) + 0.15  # base load never stops
    hours = np.arange(24)
    kwh = meters.base_kw[:, None] * profile[None, :] * rng.lognormal(0.0, 0.12, (m, 24))
    keep = rng.random((m, 24)) >= 0.004  # a meter sometimes misses a reading (gateway timeouts)
    # Rows ordered by hour, then meter: the order the platform exports them in.
    hour, meter_idx = np.nonzero(keep.T)
    stamp = np.char.add(day.strftime("%Y%m%d"), np.char.zfill(hours.astype(str), 2))
    return {
        "reading_id": np.char.add(np.char.add(meters.meter_id[meter_idx], "-"), stamp[hour]),
        "meter_id": meters.meter_id[meter_idx],
        "building_id": meters.building_id[meter_idx],
        "reading_at": timestamps(day_seconds(day) + hour * 3600),
        "kwh": floats(np.minimum(kwh[meter_idx, hour], 20_000), 2),
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    b = ctx.population.buildings
    rng = ctx.rng("buildings")
    no_address = rng.random(len(b)) < 0.02
    address = b.address.astype(object)
    address[no_address] = None
    buildings = {
        "building_id": b.building_id,
        "bim_id": b.bim_id,
        "park_id": b.park_id,
        "building_name": b.name,
        "address": address,
        "floors": b.floors,
        "floor_area_m2": b.floor_area_m2,
        "completed_year": b.completed_year,
    }
    return {
        "buildings": [Chunk(None, buildings)],
        "energy_readings": [Chunk(day.isoformat(), _energy_day(ctx, day)) for day in ctx.days],
    }

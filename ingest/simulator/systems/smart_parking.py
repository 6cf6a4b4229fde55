"""智慧停车 (smart-parking platform): the lot register and every vehicle stay, served as a paged JSON API.

Residents' cars make most stays (some cars park far more often than others); the rest are visitors from
Shanghai, Jiangsu and Zhejiang. A car still parked at the export moment has no exit, fee or payment yet.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator import identifiers as ids
from ingest.simulator.clock import COMMUTE, LEISURE, compact, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.rng import stream
from ingest.simulator.table import Chunk, Table, floats, nullable, sequence_ids, timestamps

DATASETS = ("parking_lots", "parking_sessions")
SESSIONS_AT_SCALE_1 = 60_000
RESIDENT_SHARE = 0.78
PAYMENTS = ("wechat", "alipay", "etc", "cash", "unpaid")
PAYMENT_WEIGHTS = (0.46, 0.3, 0.11, 0.03, 0.1)
YUAN_PER_HOUR = 4.0
DAILY_CAP = 40.0


def fee(seconds: np.ndarray) -> np.ndarray:
    """Tariff: first 15 minutes free, 4 yuan per started hour, at most 40 yuan per started day."""
    days, rest = np.divmod(seconds, 86_400)
    part = np.minimum(np.ceil(rest / 3600) * YUAN_PER_HOUR, DAILY_CAP)
    return np.where(seconds <= 15 * 60, 0.0, days * DAILY_CAP + part)


def _visitor_plates(rng: np.random.Generator, n: int) -> np.ndarray:
    origin = rng.random(n)
    out = ids.make_plates(rng, n, nev_share=0.25).astype(object)
    su = origin >= 0.5
    zhe = origin >= 0.75
    out[su & ~zhe] = ids.make_plates(rng, int((su & ~zhe).sum()), "苏", ids.VISITOR_PROVINCES["苏"])
    out[zhe] = ids.make_plates(rng, int(zhe.sum()), "浙", ids.VISITOR_PROVINCES["浙"])
    return out


def _sessions_day(ctx: SimContext, day: date, owners: np.ndarray, activity: np.ndarray) -> Table:
    rng = ctx.rng("parking_sessions", day)
    pop = ctx.population
    lots = pop.parking_lots
    n = ctx.per_day(SESSIONS_AT_SCALE_1, day, weekend_factor=1.15)
    lot = rng.choice(len(lots), size=n, p=lots.capacity / lots.capacity.sum())
    resident = (rng.random(n) < RESIDENT_SHARE) & (len(owners) > 0)
    plate = np.empty(n, dtype=object)
    if len(owners):
        plate[resident] = pop.residents.plate[
            owners[rng.choice(len(owners), int(resident.sum()), p=activity)]
        ]
    plate[~resident] = _visitor_plates(rng, int((~resident).sum()))
    entered = np.where(
        rng.random(n) < 0.5, times_in_day(rng, day, n, COMMUTE), times_in_day(rng, day, n, LEISURE)
    )
    stay = np.clip(rng.lognormal(np.log(1.6 * 3600), 1.0, n), 120, 3 * 86_400).astype(np.int64)
    exited = entered + stay
    inside = exited >= ctx.cutoff
    charge = fee(stay)
    payment = rng.choice(np.array(PAYMENTS), size=n, p=np.array(PAYMENT_WEIGHTS))
    order = np.argsort(entered, kind="stable")
    table = {
        "session_id": sequence_ids("PK", compact(day), n, 7),
        "lot_id": lots.lot_id[lot][order],
        "plate": plate[order],
        "entered_at": timestamps(entered[order]),
        "exited_at": timestamps(exited[order], inside[order]),
        "fee_yuan": floats(charge[order], 1, inside[order]),
        "payment_method": nullable(payment[order], (inside | (charge == 0))[order]),  # free stays pay nothing
    }
    return table


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    pop = ctx.population
    lots = pop.parking_lots
    owners = np.flatnonzero(pop.residents.has_plate)
    # How often each car parks in a public lot: a commuter daily, most cars now and then.
    activity = stream(ctx.seed, "parking_sessions", "activity").lognormal(0.0, 1.0, len(owners))
    activity = activity / activity.sum() if len(owners) else activity
    lot_table = {
        "lot_id": lots.lot_id,
        "lot_name": lots.name,
        "town": lots.town,
        "address": lots.address,
        "capacity": lots.capacity,
        "ev_chargers": lots.ev_chargers,
    }
    return {
        "parking_lots": [Chunk(None, lot_table)],
        "parking_sessions": [
            Chunk(day.isoformat(), _sessions_day(ctx, day, owners, activity)) for day in ctx.days
        ],
    }

"""智慧养老 (elderly-care platform): device alerts (falls, SOS, inactivity, heart rate), NDJSON per day.

Only residents aged 65 or more who are enrolled on the platform (a fixed share of the registered elderly)
raise alerts; handling time is minutes, sometimes never recorded, and open at the export moment.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator.clock import ANYTIME, compact, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.rng import stream
from ingest.simulator.table import Chunk, Table, sequence_ids, timestamps

DATASETS = ("elderly_care_alerts",)
ALERTS_AT_SCALE_1 = 300
ALERT_TYPES = ("fall", "sos", "inactivity", "heart_rate")
ALERT_WEIGHTS = (0.15, 0.2, 0.45, 0.2)


def enrolled(ctx: SimContext) -> np.ndarray:
    """Residents with a care device: 35% of the registered residents aged 65+ (fixed per seed)."""
    res = ctx.population.residents
    elderly = np.flatnonzero(res.health_registered & (res.age_on(ctx.days[0]) >= 65))
    pick = stream(ctx.seed, "elderly_care_alerts", "enrolment").random(len(elderly)) < 0.35
    return elderly[pick]


def _alerts_day(ctx: SimContext, day: date, devices: np.ndarray) -> Table:
    rng = ctx.rng("elderly_care_alerts", day)
    res = ctx.population.residents
    n = ctx.per_day(ALERTS_AT_SCALE_1, day) if len(devices) else 0
    who = devices[rng.integers(0, len(devices), n)] if n else np.zeros(0, dtype=np.int64)
    raised = times_in_day(rng, day, n, ANYTIME)
    alert_type = rng.choice(np.array(ALERT_TYPES), size=n, p=np.array(ALERT_WEIGHTS))
    urgent = np.isin(alert_type, ["fall", "sos"])
    delay = rng.lognormal(np.log(np.where(urgent, 6 * 60, 25 * 60)), 0.7).astype(np.int64)
    handled = raised + delay
    unhandled = (rng.random(n) < 0.04) | (handled >= ctx.cutoff)
    return {
        "alert_id": sequence_ids("EA", compact(day), n, 6),
        "resident_id_number": res.id_number[who],
        "alert_type": alert_type,
        "raised_at": timestamps(raised),
        "handled_at": timestamps(handled, unhandled),
        "town": res.town[who],
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    devices = enrolled(ctx)
    return {
        "elderly_care_alerts": [Chunk(day.isoformat(), _alerts_day(ctx, day, devices)) for day in ctx.days]
    }

"""健康小屋 (community health kiosks): self-service blood pressure / glucose checks, one Excel export per day.

Checks are made by registered residents of the kiosk's town, mostly middle-aged and older; readings rise
with age and with a chronic condition, and a check measures blood pressure, glucose, or both.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator.clock import DAYLIGHT, compact, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.systems.health_cloud import registered
from ingest.simulator.table import Chunk, Table, floats, nullable, sequence_ids, timestamps

DATASETS = ("kiosk_checks",)
CHECKS_AT_SCALE_1 = 3_000
TITLE = "健康小屋自助检测数据导出"
# Kiosks are open 07:00-20:00.
OPEN_HOURS = np.where((np.arange(24) >= 7) & (np.arange(24) < 20), DAYLIGHT, 0.0)


def _checks_day(ctx: SimContext, day: date) -> Table:
    rng = ctx.rng("kiosk_checks", day)
    pop = ctx.population
    res = pop.residents
    kiosks = pop.kiosks
    n = ctx.per_day(CHECKS_AT_SCALE_1, day, weekend_factor=1.1)
    pool = registered(ctx)
    age_all = res.age_on(day)
    pool = pool[age_all[pool] >= 30]
    weight = np.where(age_all[pool] >= 60, 4.0, 1.0)
    who = pool[rng.choice(len(pool), size=n, p=weight / weight.sum())]
    # A resident uses a kiosk in their own town.
    kiosk = np.empty(n, dtype=np.int64)
    for town in np.unique(res.town[who]):
        here = np.flatnonzero(kiosks.town == town)
        mask = res.town[who] == town
        kiosk[mask] = here[rng.integers(0, len(here), int(mask.sum()))]
    age = age_all[who]
    systolic = np.clip(rng.normal(108 + 0.55 * age, 14), 80, 230).round().astype(np.int64)
    diastolic = np.clip(systolic * 0.62 + rng.normal(0, 7, n), 45, 140).round().astype(np.int64)
    glucose = np.clip(rng.lognormal(np.log(5.2 + 0.015 * age), 0.18, n), 2.8, 30)
    what = rng.random(n)  # 0..0.55 both, 0.55..0.9 blood pressure only, rest glucose only
    bp_missing = what >= 0.9
    glucose_missing = (what >= 0.55) & (what < 0.9)
    return {
        "check_id": sequence_ids("KC", compact(day), n, 6),
        "kiosk_id": kiosks.kiosk_id[kiosk],
        "resident_id_number": res.id_number[who],
        "checked_at": timestamps(times_in_day(rng, day, n, OPEN_HOURS)),
        "systolic_mmhg": nullable(systolic, bp_missing),
        "diastolic_mmhg": nullable(diastolic, bp_missing),
        "glucose_mmol": floats(glucose, 1, glucose_missing),
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    return {
        "kiosk_checks": [
            Chunk(day.isoformat(), _checks_day(ctx, day), title=f"{TITLE} {day.isoformat()}")
            for day in ctx.days
        ]
    }

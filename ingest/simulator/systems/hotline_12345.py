"""12345 市民热线: tickets exported daily by the grid-management centre (CSV, UTF-8 with BOM).

Callers are residents (their own mobile shows as the calling number); about 30% of complaints quote the
caller's personal data in the free text, as operators type it.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator import places, text
from ingest.simulator.clock import DAYLIGHT, compact, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.table import Chunk, Table, nullable, sequence_ids, timestamps

DATASETS = ("hotline_tickets",)
TICKETS_AT_SCALE_1 = 1_500
CATEGORIES = ("市容环境", "交通出行", "噪声扰民", "物业管理", "公共设施", "医疗卫生", "劳动保障", "其他")
CATEGORY_WEIGHTS = (0.18, 0.17, 0.12, 0.16, 0.12, 0.07, 0.06, 0.12)


def _tickets_day(ctx: SimContext, day: date) -> Table:
    rng = ctx.rng("hotline_tickets", day)
    pop = ctx.population
    res = pop.residents
    n = ctx.per_day(TICKETS_AT_SCALE_1, day, weekend_factor=0.8)
    received = times_in_day(rng, day, n, DAYLIGHT)
    callers = rng.choice(np.flatnonzero(res.age_on(day) >= 16), size=n)
    category = rng.choice(np.array(CATEGORIES), size=n, p=np.array(CATEGORY_WEIGHTS))
    town = res.town[callers]
    road_pick = rng.random(n)
    street = np.array(
        [places.ROADS[t][int(r * len(places.ROADS[t]))] for t, r in zip(town, road_pick, strict=True)]
    )
    no_street = (rng.random(n) < 0.12) | np.isin(category, ["其他", "医疗卫生", "劳动保障"])
    street = nullable(street, no_street)
    car_owners = res.plate[res.has_plate]
    content = text.hotline_contents(
        rng,
        category,
        street,
        {k: getattr(res, k)[callers] for k in ("name", "id_number", "mobile", "address")},
        car_owners if len(car_owners) else np.array(["沪A12345"]),
        pop.enterprises.name,
        places.LANDMARKS,
        places.ALL_ROADS,
    )
    # Handling: most tickets are dispatched and closed within days; some are sent back by the department.
    handle = rng.lognormal(np.log(1.5 * 86_400), 0.8, n).astype(np.int64)
    closed = received + 600 + handle
    returned = rng.random(n) < 0.05
    open_at_cutoff = closed >= ctx.cutoff
    just_received = received + 1800 >= ctx.cutoff
    status = np.where(
        returned, "退单", np.where(open_at_cutoff, np.where(just_received, "受理", "派单"), "办结")
    )
    return {
        "ticket_id": sequence_ids("GD", compact(day), n, 6),
        "received_at": timestamps(received),
        "category": category,
        "town": town,
        "street": street,
        "caller_name": nullable(
            res.name[callers], rng.random(n) < 0.15
        ),  # some callers decline to give a name
        "caller_mobile": res.mobile[callers],
        "content": content,
        "status": status,
        "closed_at": timestamps(closed, status != "办结"),
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    return {"hotline_tickets": [Chunk(day.isoformat(), _tickets_day(ctx, day)) for day in ctx.days]}

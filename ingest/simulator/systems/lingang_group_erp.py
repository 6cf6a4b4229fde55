"""临港集团 ERP exports: the park list and the daily enterprise register (GB18030 CSV)."""

from __future__ import annotations

import numpy as np

from ingest.simulator.context import SimContext
from ingest.simulator.table import Chunk, nullable

DATASETS = ("parks", "enterprises")


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    pop = ctx.population
    parks = pop.parks
    ent = pop.enterprises
    rng = ctx.rng("enterprises")
    # A registry export has gaps: optional fields left blank by the firms that filed them.
    missing = rng.random((len(ent), 3)) < np.array([0.03, 0.05, 0.08])
    enterprises = {
        "uscc": ent.uscc,
        "enterprise_name": ent.name,
        "park_id": ent.park_id,
        "building_id": ent.building_id,
        "industry": nullable(ent.industry, missing[:, 0]),
        "registered_capital_wan": ent.registered_capital_wan,
        "established_on": ent.established_on,
        "employees": nullable(ent.employees, missing[:, 1]),
        "legal_representative": ent.legal_representative,
        "contact_mobile": nullable(ent.contact_mobile, missing[:, 2]),
    }
    return {
        "parks": [
            Chunk(
                None,
                {
                    "park_id": parks.park_id,
                    "park_name": parks.name,
                    "developer": parks.developer,
                    "town": parks.town,
                    "area_hectares": parks.area_hectares,
                },
            )
        ],
        # The register is a full snapshot, exported once, dated the day of export.
        "enterprises": [Chunk(ctx.last_day.isoformat(), enterprises)],
    }

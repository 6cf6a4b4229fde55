"""One module per simulated source system; each turns the shared population into that system's datasets.

Every module exposes ``DATASETS`` (the contract dataset names it produces) and ``generate(ctx)`` returning
``{dataset: [Chunk, ...]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from ingest.simulator.context import SimContext
from ingest.simulator.systems import (
    construction,
    elderly_care_platform,
    health_cloud,
    health_kiosks,
    hotline_12345,
    lingang_group_erp,
    online_service_hall,
    rental_operator,
    smart_parking,
    traffic_detectors,
)
from ingest.simulator.table import Chunk

SYSTEMS: tuple[ModuleType, ...] = (
    lingang_group_erp,
    construction,
    online_service_hall,
    hotline_12345,
    health_cloud,
    health_kiosks,
    elderly_care_platform,
    smart_parking,
    rental_operator,
    traffic_detectors,
)

Generator = Callable[[SimContext], dict[str, list[Chunk]]]

"""Deterministic simulator of Lingang's department systems, writing what they hand over in their own shapes.

``simulate(out, scale, days, seed, start)`` writes every dataset contract's source files (SQLite databases,
GB18030/UTF-8 CSV exports, paged JSON API responses, NDJSON drops, Excel workbooks) under ``out``, exactly
where each contract's ``source`` says. All systems draw from one coherent population (``build_population``),
so the same residents, enterprises and cars appear across departments, as they do in the real district.
"""

from ingest.simulator.population import Population, build_population
from ingest.simulator.run import SimulationSummary, simulate

__all__ = ["Population", "SimulationSummary", "build_population", "simulate"]

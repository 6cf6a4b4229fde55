"""Run every system generator and hand each dataset to the writer its contract's source format names."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from governance.contracts import DatasetContract, load_contracts
from ingest.simulator.bad_rows import planting
from ingest.simulator.clock import run_days
from ingest.simulator.context import SimContext
from ingest.simulator.population import build_population
from ingest.simulator.systems import SYSTEMS
from ingest.simulator.table import Table, concat, rows
from ingest.simulator.writers import FILE_WRITERS, cells, sqlite_db


@dataclass(frozen=True)
class SimulationSummary:
    """What a run wrote: rows and files per contract dataset name, and how long it took."""

    out: Path
    scale: float
    days: int
    seed: int
    start: date
    rows: dict[str, int]
    files: dict[str, tuple[Path, ...]]
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def all_files(self) -> tuple[Path, ...]:
        return tuple(sorted({p for paths in self.files.values() for p in paths}))


def simulate(
    out: Path,
    scale: float = 0.05,
    days: int = 2,
    seed: int = 7,
    start: date = date(2026, 11, 1),
    progress: Callable[[str], None] | None = None,
    bad_rows: float = 0.0,
) -> SimulationSummary:
    """Write every contract's source files under ``out`` for ``days`` days from ``start``.

    ``scale`` 1.0 is a 300,000-resident district; events per day and entities grow linearly with it.
    The same arguments always give byte-identical files. ``bad_rows`` > 0 spoils about that share of the
    rows of each file the way real exports are spoiled (ingest.simulator.bad_rows); 0, the default, writes
    clean data.
    """
    with planting(bad_rows, seed):
        return _simulate(out, scale, days, seed, start, progress)


def _simulate(
    out: Path, scale: float, days: int, seed: int, start: date, progress: Callable[[str], None] | None
) -> SimulationSummary:
    if days < 1:
        raise ValueError("days must be at least 1")
    say = progress or (lambda _msg: None)
    began = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    contracts = load_contracts()
    population = build_population(scale, seed, as_of=start)
    ctx = SimContext(population=population, seed=seed, scale=scale, days=tuple(run_days(start, days)))
    timings = {"population": time.perf_counter() - began}
    say(f"population: {len(population.residents):,} residents, {len(population.enterprises):,} enterprises")

    row_counts: dict[str, int] = {}
    files: dict[str, tuple[Path, ...]] = {}
    databases: dict[Path, list[tuple[DatasetContract, Table]]] = defaultdict(list)
    for system in SYSTEMS:
        t0 = time.perf_counter()
        produced = system.generate(ctx)
        missing = set(system.DATASETS) - set(produced)
        if missing:
            raise RuntimeError(f"{system.__name__} did not produce {sorted(missing)}")
        for name, chunks in produced.items():
            contract = contracts[name]
            row_counts[name] = sum(rows(c.table) for c in chunks)
            if contract.source.format == "sqlite":
                path = out / (contract.source.file or f"{contract.source.system}.db")
                databases[path].append((contract, concat([c.table for c in chunks])))
                files[name] = (path,)
                continue
            cells.clear(out, contract)
            files[name] = tuple(FILE_WRITERS[contract.source.format](out, contract, chunks))
            say(f"{name}: {row_counts[name]:,} rows in {len(files[name])} file(s)")
        timings[system.__name__.rsplit(".", 1)[-1]] = time.perf_counter() - t0
    for path, tables in databases.items():
        t0 = time.perf_counter()
        sqlite_db.write(path, tables)
        timings[path.name] = time.perf_counter() - t0
        for contract, _ in tables:
            say(f"{contract.name}: {row_counts[contract.name]:,} rows in {path.name}:{contract.source.table}")
    unproduced = set(contracts) - set(row_counts)
    if unproduced:
        say(f"no simulator for {sorted(unproduced)}")
    return SimulationSummary(
        out=out,
        scale=scale,
        days=days,
        seed=seed,
        start=start,
        rows=row_counts,
        files=files,
        seconds=time.perf_counter() - began,
        timings=timings,
    )

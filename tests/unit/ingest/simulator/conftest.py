from __future__ import annotations

from pathlib import Path

import pytest
from simulator_checks import START, TINY

from governance.contracts import DatasetContract, load_contracts
from ingest.simulator import SimulationSummary, simulate


@pytest.fixture(scope="session")
def contracts() -> dict[str, DatasetContract]:
    return load_contracts()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    return simulate(tmp_path_factory.mktemp("tiny"), scale=TINY, days=2, seed=7, start=START)


@pytest.fixture(scope="session")
def tiny_out(tiny_run: SimulationSummary) -> Path:
    return tiny_run.out

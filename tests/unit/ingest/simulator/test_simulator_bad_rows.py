"""`simulate(bad_rows=…)` plants the bad rows real exports carry; ingest's own checks reject them, and every
dataset's reject share stays under its contract's `max_reject_share`, so the loads still commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from simulator_checks import START, TINY

from governance.contracts import DatasetContract
from ingest.connectors import iter_units
from ingest.enforce import enforce
from ingest.simulator import SimulationSummary, simulate

SHARE = 0.01


@pytest.fixture(scope="module")
def spoiled_run(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    return simulate(
        tmp_path_factory.mktemp("spoiled"), scale=TINY, days=2, seed=7, start=START, bad_rows=SHARE
    )


def rejected(contract: DatasetContract, out: Path) -> tuple[int, int, list[str]]:
    """Rows read, rows rejected and the reasons, by ingest's enforcement (no catalog needed)."""
    rows = rejects = 0
    reasons: list[str] = []
    for unit in iter_units(contract, out, None):
        enforced = enforce(contract, unit)
        rows += unit.num_rows
        rejects += len(enforced.rejects)
        reasons += enforced.rejects.reasons.to_pylist()
    return rows, rejects, reasons


def test_clean_by_default(tiny_out: Path, contracts: dict[str, DatasetContract]) -> None:
    for name in ("enterprises", "approval_applications", "hotline_tickets", "kiosk_checks"):
        assert rejected(contracts[name], tiny_out)[1] == 0, name


def test_planted_rows_are_quarantined_and_stay_under_each_contracts_limit(
    spoiled_run: SimulationSummary, contracts: dict[str, DatasetContract]
) -> None:
    spoiled = {}
    for name, contract in contracts.items():
        if name not in spoiled_run.rows:
            continue
        rows, rejects, _ = rejected(contract, spoiled_run.out)
        assert rejects <= contract.load.max_reject_share * rows, f"{name}: {rejects} of {rows} rejected"
        if rejects:
            spoiled[name] = rejects
    # reference data with max_reject_share 0 stays clean; the big event and entity datasets get a few each
    assert not {"parks", "buildings", "parking_lots"} & set(spoiled)
    assert {"energy_readings", "parking_sessions", "traffic_flow", "resident_health_records"} <= set(spoiled)


def test_the_kinds_real_exports_carry(
    spoiled_run: SimulationSummary, contracts: dict[str, DatasetContract]
) -> None:
    reasons = " | ".join(
        r
        for name in contracts
        if name in spoiled_run.rows
        for r in rejected(contracts[name], spoiled_run.out)[2]
    )
    for kind in ("fields, header has", "duplicate"):  # ragged CSV row, key exported twice
        assert kind in reasons, kind


def test_same_arguments_same_spoiled_files(tmp_path: Path, spoiled_run: SimulationSummary) -> None:
    again = simulate(tmp_path, scale=TINY, days=2, seed=7, start=START, bad_rows=SHARE)
    for first, second in zip(spoiled_run.all_files, again.all_files, strict=True):
        if first.suffix in (".csv", ".ndjson", ".json"):
            assert first.read_bytes() == second.read_bytes(), first.name

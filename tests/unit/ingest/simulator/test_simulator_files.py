"""Every dataset's files sit where its contract says, read in the declared encoding and shape, and comply."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from simulator_checks import contract_violations, read_dataset

from governance.contracts import DatasetContract, load_contracts
from ingest.simulator import SimulationSummary

DATASETS = sorted(load_contracts())
# Pairs (earlier, later) that must be ordered within a row wherever both are present.
ORDERED = {
    "approval_applications": [("submitted_at", "decided_at"), ("submitted_at", "updated_at")],
    "approval_steps": [("started_at", "finished_at")],
    "hotline_tickets": [("received_at", "closed_at")],
    "elderly_care_alerts": [("raised_at", "handled_at")],
    "parking_sessions": [("entered_at", "exited_at")],
    "rental_trips": [("started_at", "ended_at")],
    "resident_health_records": [("registered_on", "updated_at")],
}


def test_every_contract_is_simulated(
    tiny_run: SimulationSummary, contracts: dict[str, DatasetContract]
) -> None:
    assert set(tiny_run.rows) == set(contracts)
    assert all(n > 0 for name, n in tiny_run.rows.items() if name != "inspection_records")


@pytest.mark.parametrize("name", DATASETS)
def test_files_match_the_contract(
    name: str, tiny_run: SimulationSummary, contracts: dict[str, DatasetContract]
) -> None:
    contract = contracts[name]
    records = read_dataset(tiny_run.out, contract)
    assert len(records) == tiny_run.rows[name]
    assert contract_violations(contract, records) == []
    for earlier, later in ORDERED.get(name, []):
        bad = [r for r in records if r[earlier] and r[later] and str(r[later]) < str(r[earlier])]
        assert not bad, f"{later} before {earlier}: {bad[:2]}"


@pytest.mark.parametrize("name", [n for n in DATASETS if "*" in (load_contracts()[n].source.glob or "")])
def test_event_files_are_one_per_day(
    name: str, tiny_run: SimulationSummary, contracts: dict[str, DatasetContract]
) -> None:
    contract = contracts[name]
    if contract.source.format == "json_pages" or not contract.partitioning:
        return  # pages, and snapshots dated by their export day
    stamp_col = contract.partitioning[0].source
    for path in tiny_run.files[name]:
        day = path.stem.rsplit("_", 1)[-1]
        for record in read_dataset(tiny_run.out, contract, only=path):
            assert str(record[stamp_col]).startswith(day), (path, record[stamp_col])


def test_csv_encodings_are_the_declared_ones(tiny_out: Path) -> None:
    gb = (tiny_out / "development" / "parks.csv").read_bytes()
    assert "园区编号".encode("gb18030") in gb and not gb.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    bom = next((tiny_out / "hotline_12345").glob("tickets_*.csv")).read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    plain = next((tiny_out / "rental").glob("trips_*.csv")).read_bytes()
    assert plain.startswith(b"trip_id,")


def test_workbook_has_a_title_row_above_the_header(tiny_out: Path) -> None:
    path = tiny_out / "health" / "kiosk_checks_2026-11-01.xlsx"
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws["A1"].value == "健康小屋自助检测数据导出 2026-11-01"
    assert all(c.value is None for c in ws[2])
    assert [c.value for c in ws[3]][:3] == ["检测编号", "小屋编号", "身份证号"]
    assert ws.max_row > 3


def test_free_text_quotes_personal_data_in_a_share_of_rows(
    tiny_out: Path, contracts: dict[str, DatasetContract]
) -> None:
    tickets = read_dataset(tiny_out, contracts["hotline_tickets"])
    # Quoted numbers may be spelled as transcribed (ingest.simulator.text.as_typed): count by the labels.
    with_pii = [t for t in tickets if any(label in t["content"] for label in ("身份证", "车牌", "回访电话"))]
    assert any("身份证31" in t["content"] for t in tickets), "some complaints quote an ID number"
    assert 0.15 < len(with_pii) / len(tickets) < 0.45
    assert any("\n" in t["content"] for t in tickets), "operators' remarks add line breaks"
    visits = read_dataset(tiny_out, contracts["clinic_visits"])
    quoted = [v for v in visits if v["note"] and ("患者" in v["note"] or "身份证" in v["note"])]
    assert 0.1 < len(quoted) / len(visits) < 0.3

"""governance.quality_results rows, the last-good row count, and the per-dataset summary."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pyarrow as pa
from click.testing import CliRunner

from governance.contracts import load_contracts
from quality.freshness import evaluate
from quality.report import summarise
from quality.results import RESULTS_SCHEMA, append_freshness, append_outcome, previous_row_count, read_results
from quality.validate import validate_table
from tests.unit.quality.quality_tables import parking_sessions

CONTRACT = load_contracts()["parking_sessions"]


def test_a_validation_appends_one_row_per_expectation(catalog):
    outcome = validate_table(CONTRACT, parking_sessions(), run_id="run-1", snapshot_id=11)
    append_outcome(catalog, outcome)
    rows = read_results(catalog, CONTRACT.raw_table)
    assert rows.schema == RESULTS_SCHEMA
    assert rows.num_rows == len(outcome.results)
    assert set(rows.column("run_id").to_pylist()) == {"run-1"}
    assert set(rows.column("snapshot_id").to_pylist()) == {11}
    assert all(rows.column("success").to_pylist())
    count = next(
        r for r in rows.to_pylist() if r["expectation_type"] == "expect_table_row_count_to_be_between"
    )
    assert count["observed_value"] == "5" and count["element_count"] == 5


def test_failures_record_counts_and_keys_only(catalog):
    sessions = parking_sessions()
    damaged = pa.concat_tables([sessions, sessions.slice(0, 1)])
    append_outcome(catalog, validate_table(CONTRACT, damaged, run_id="run-2"))
    rows = read_results(catalog).to_pylist()
    (failed,) = [r for r in rows if not r["success"]]
    assert failed["expectation"] == "expect_column_values_to_be_unique(session_id)"
    assert failed["unexpected_count"] == 2
    assert json.loads(failed["failing_keys"]) == [{"session_id": "PK000000"}, {"session_id": "PK000000"}]
    assert not any("沪" in str(v) for r in rows for v in r.values())  # no plate anywhere


def test_previous_row_count_is_the_last_passed_validation(catalog):
    assert previous_row_count(catalog, CONTRACT.raw_table) is None
    append_outcome(catalog, validate_table(CONTRACT, parking_sessions(4), run_id="good-1"))
    append_outcome(catalog, validate_table(CONTRACT, parking_sessions(6), run_id="good-2"))
    bad = parking_sessions(6)
    append_outcome(catalog, validate_table(CONTRACT, pa.concat_tables([bad, bad.slice(0, 1)]), run_id="bad"))
    assert previous_row_count(catalog, CONTRACT.raw_table) == 6
    assert previous_row_count(catalog, "raw_transport.traffic_flow") is None


def test_summary_per_dataset(catalog):
    now = datetime(2026, 11, 24, 12, 0)
    append_outcome(catalog, validate_table(CONTRACT, parking_sessions(), run_id="r1"))
    append_freshness(catalog, evaluate(CONTRACT, now - timedelta(hours=3), now=now), "r1")
    rentals = load_contracts()["parks"]
    append_freshness(catalog, evaluate(rentals, now, now=now), "r1")
    sessions = parking_sessions()
    energy = load_contracts()["parking_lots"]
    append_outcome(catalog, validate_table(CONTRACT, pa.concat_tables([sessions, sessions]), run_id="r2"))
    summaries = {s.table: s for s in summarise(catalog)}
    assert len(summaries) == len(load_contracts())
    parking = summaries[CONTRACT.raw_table]
    assert parking.status == "failed" and parking.run_id == "r2" and parking.failed == 1
    assert parking.fresh is False
    assert parking.failures[0]["unexpected_count"] == 10
    assert summaries[energy.raw_table].status == "not validated"
    assert (
        summaries[rentals.raw_table].status == "not validated" and summaries[rentals.raw_table].fresh is True
    )


def test_stale_but_valid_is_reported_as_stale(catalog):
    now = datetime(2026, 11, 24, 12, 0)
    append_outcome(catalog, validate_table(CONTRACT, parking_sessions(), run_id="r1"))
    append_freshness(catalog, evaluate(CONTRACT, now - timedelta(hours=3), now=now), "r1")
    (parking,) = [s for s in summarise(catalog) if s.table == CONTRACT.raw_table]
    assert parking.status == "stale"


def test_report_quality_command(catalog):
    from orchestration.cli import main

    append_outcome(catalog, validate_table(CONTRACT, parking_sessions(), run_id="r1"))
    runner = CliRunner()
    result = runner.invoke(main, ["report", "quality", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    parking = next(d for d in payload["datasets"] if d["table"] == CONTRACT.raw_table)
    assert parking["status"] == "passed" and parking["expectations"] == 18
    assert payload["passed"] == 1 and payload["total"] == len(load_contracts())
    text = runner.invoke(main, ["report", "quality"])
    assert text.exit_code == 1  # 15 datasets were never validated: the command fails
    assert "raw_transport.parking_sessions" in text.output and "1 of 16 datasets passed" in text.output

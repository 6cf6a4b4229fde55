"""Validation outcomes on small Arrow tables: what fails, on how many rows, which keys, and no values."""

from __future__ import annotations

import json
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc

from governance.contracts import load_contracts
from quality.rules import Rule
from quality.validate import validate_mart, validate_rules, validate_table
from tests.factories import dbt_model
from tests.unit.quality.quality_tables import T0

CONTRACT = load_contracts()["parking_sessions"]


def _replace(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.schema.get_field_index(column)
    return table.set_column(
        index, table.schema.field(column), pa.array(values, table.schema.field(column).type)
    )


def _failed(outcome):
    return {f.expectation: f for f in outcome.failures}


def test_clean_table_passes_every_expectation(sessions):
    outcome = validate_table(CONTRACT, sessions, run_id="r1", snapshot_id=42)
    assert outcome.success, outcome.describe()
    assert outcome.row_count == 5
    assert outcome.suite == "raw_transport.parking_sessions"
    assert outcome.snapshot_id == 42 and outcome.run_id == "r1"
    assert len(outcome.results) == 18
    assert all(r.success for r in outcome.results)


def test_duplicate_primary_key_fails_with_both_keys(sessions):
    damaged = pa.concat_tables([sessions, sessions.slice(2, 1)])
    outcome = validate_table("parking_sessions", damaged)
    assert not outcome.success
    failed = _failed(outcome)
    assert list(failed) == ["expect_column_values_to_be_unique(session_id)"]
    unique = failed["expect_column_values_to_be_unique(session_id)"]
    assert unique.unexpected_count == 2
    assert unique.element_count == 6
    assert list(unique.failing_keys) == [{"session_id": "PK000002"}, {"session_id": "PK000002"}]
    assert "expect_column_values_to_be_unique(session_id) failed on 2 of 6 rows" in outcome.describe()
    assert "session_id=PK000002" in outcome.describe()


def test_session_ending_before_it_starts_fails_the_hand_written_rule(sessions):
    damaged = _replace(sessions, "exited_at", 3, T0 - timedelta(hours=1))
    outcome = validate_table(CONTRACT, damaged)
    failed = _failed(outcome)
    assert list(failed) == ["expect_column_pair_values_a_to_be_greater_than_b(exited_at, entered_at)"]
    ordering = next(iter(failed.values()))
    assert ordering.unexpected_count == 1
    assert ordering.failing_keys == ({"session_id": "PK000003"},)
    assert ordering.origin == "custom"
    assert "a parking session ends after it starts" in outcome.describe()


def test_open_session_without_exit_is_fine(sessions):
    outcome = validate_table(CONTRACT, _replace(sessions, "exited_at", 1, None))
    assert outcome.success, outcome.describe()


def test_personal_data_never_appears_in_the_outcome(sessions):
    bad_plate = "沪I99999X"  # not a plate shape: a value the steward must not see in a report
    damaged = _replace(sessions, "plate", 4, bad_plate)
    damaged = _replace(damaged, "payment_method", 0, "bitcoin")
    outcome = validate_table(CONTRACT, damaged)
    failed = _failed(outcome)
    regex = failed["expect_column_values_to_match_regex(plate)"]
    assert regex.unexpected_count == 1
    assert regex.failing_keys == ({"session_id": "PK000004"},)
    assert failed["expect_column_values_to_be_in_set(payment_method)"].failing_keys == (
        {"session_id": "PK000000"},
    )
    text = outcome.describe() + repr(outcome)
    assert bad_plate not in text
    assert "bitcoin" not in text  # values of any column stay out, only keys name the rows


def test_row_count_below_the_last_passed_load_fails(sessions):
    outcome = validate_table(CONTRACT, sessions, previous_rows=7)
    (failure,) = outcome.failures
    assert failure.expectation == "expect_table_row_count_to_be_between [7..]"
    assert failure.observed_value == "5"
    assert validate_table(CONTRACT, sessions, previous_rows=5).success


def test_type_and_missing_column_fail_without_crashing(sessions):
    as_text = sessions.set_column(
        sessions.schema.get_field_index("fee_yuan"),
        "fee_yuan",
        pc.cast(sessions.column("fee_yuan"), pa.string()),
    )
    outcome = validate_table(CONTRACT, as_text.drop_columns(["payment_method"]))
    failed = _failed(outcome)
    assert failed["expect_column_values_to_be_of_type(fee_yuan)"].observed_value == "str"
    assert "expect_table_columns_to_match_set" in failed
    missing = failed["expect_column_values_to_be_in_set(payment_method)"]
    assert missing.error and "payment_method" in missing.error


def test_mart_share_outside_zero_one_fails():
    model = dbt_model(
        "rates",
        [
            ("scope", "varchar", ("unique", "not_null")),
            ("applications", "bigint", ("not_null",)),
            ("online_prereview_rate", "double", ()),
        ],
    )
    table = pa.table(
        {
            "scope": ["all", "A", "B"],
            "applications": pa.array([10, 4, 6], pa.int64()),
            "online_prereview_rate": [0.5, 1.25, 0.0],
        }
    )
    outcome = validate_mart("kpi", "rates", table, model=model)
    (failure,) = outcome.failures
    assert failure.expectation == "expect_column_values_to_be_between(online_prereview_rate) [0..1]"
    assert failure.failing_keys == ({"scope": "A"},)
    assert outcome.layer == "mart" and outcome.dataset == "kpi.rates"


def test_empty_mart_fails():
    model = dbt_model("m", [("scope", "varchar", ("not_null",))])
    outcome = validate_mart("kpi", "m", pa.table({"scope": pa.array([], pa.string())}), model=model)
    assert [f.expectation for f in outcome.failures] == ["expect_table_row_count_to_be_between [1..]"]


def test_data_docs_hold_results_but_no_values(tmp_path, sessions):
    bad_plate = "沪I99999X"
    damaged = _replace(sessions, "plate", 1, bad_plate)
    outcome = validate_table(CONTRACT, damaged, run_id="run-1", snapshot_id=7, docs_root=tmp_path)
    assert not outcome.success
    assert outcome.docs_page is not None and outcome.docs_page.is_file()
    assert (tmp_path / "index.html").is_file()
    assert "raw_transport/parking_sessions" in outcome.docs_page.as_posix()
    stored = list((tmp_path / "gx-store").rglob("*.json"))
    assert any("validations" in p.as_posix() for p in stored)
    for path in [*tmp_path.rglob("*.html"), *stored]:
        assert bad_plate not in path.read_text(encoding="utf-8"), path
    result = json.loads(next(p for p in stored if "uncommitted/validations" in p.as_posix()).read_text())
    regex = next(r for r in result["results"] if r["expectation_config"]["type"].endswith("match_regex"))
    assert regex["result"]["unexpected_count"] == 1
    assert regex["result"]["partial_unexpected_index_list"] == [{"session_id": "PK000001"}]


def test_a_personal_key_column_is_never_sampled(sessions):
    rule = Rule("expect_column_values_to_be_in_set", {"column": "lot_id", "value_set": ["PL0002"]})
    common = dict(dataset="d", table_name="t", suite_name="t", layer="raw", rules=[rule], table=sessions)
    by_plate = validate_rules(**common, key_columns=["plate"], personal_columns=["plate"])
    assert by_plate.failures[0].unexpected_count == 5
    assert by_plate.failures[0].failing_keys == ()
    assert by_plate.key_columns == ()
    by_session = validate_rules(**common, key_columns=["plate", "session_id"], personal_columns=["plate"])
    assert by_session.failures[0].failing_keys[0] == {"session_id": "PK000000"}


def test_data_docs_keep_only_the_newest_results_per_suite(tmp_path, sessions, monkeypatch):
    import quality.docs

    monkeypatch.setattr(quality.docs, "KEEP_PER_SUITE", 2)
    pages = [
        validate_table(CONTRACT, sessions, run_id=f"run-{i}", docs_root=tmp_path).docs_page for i in range(3)
    ]
    assert not pages[0].exists()
    assert pages[1].is_file() and pages[2].is_file()
    stored = list((tmp_path / "gx-store" / "uncommitted" / "validations").rglob("*.json"))
    assert sorted(p.parts[-3] for p in stored) == ["run-1", "run-2"]

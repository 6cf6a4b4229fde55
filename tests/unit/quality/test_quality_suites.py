"""Suites derived from contracts and dbt model ymls (no GX import except the last test)."""

from __future__ import annotations

import re

import pytest

from governance.contracts import load_contracts
from infra.dbt_manifest import load_manifest
from quality.custom_rules import EXTRA_RULES
from quality.suites import (
    contract_rules,
    mart_keys,
    mart_rules,
    raw_suite_name,
    to_gx_suite,
    validator_patterns,
)
from tests.factories import dbt_model, resident_id, uscc


def _find(rules, expectation, **kwargs):
    return [
        r
        for r in rules
        if r.expectation == expectation and all(r.kwargs.get(k) == v for k, v in kwargs.items())
    ]


def test_parking_sessions_suite_says_what_the_contract_says():
    contract = load_contracts()["parking_sessions"]
    rules = contract_rules(contract, previous_rows=120)
    assert raw_suite_name(contract) == "raw_transport.parking_sessions"
    assert _find(rules, "expect_column_values_to_be_unique", column="session_id")
    required = {r.kwargs["column"] for r in _find(rules, "expect_column_values_to_not_be_null")}
    assert required == {"session_id", "lot_id", "plate", "entered_at"}
    (values,) = _find(rules, "expect_column_values_to_be_in_set", column="payment_method")
    assert values.kwargs["value_set"] == ["wechat", "alipay", "etc", "cash", "unpaid"]
    (fee,) = _find(rules, "expect_column_values_to_be_between", column="fee_yuan")
    assert (fee.kwargs["min_value"], fee.kwargs["max_value"]) == (0, 1000)
    (plate,) = _find(rules, "expect_column_values_to_match_regex", column="plate")
    assert plate.kwargs["regex"] == validator_patterns()["cn_plate"]
    types = {
        r.kwargs["column"]: r.kwargs["type_"] for r in _find(rules, "expect_column_values_to_be_of_type")
    }
    assert types == {
        "session_id": "str",
        "lot_id": "str",
        "plate": "str",
        "entered_at": "datetime",
        "exited_at": "datetime",
        "fee_yuan": "float",
        "payment_method": "str",
    }
    (ordering,) = _find(rules, "expect_column_pair_values_a_to_be_greater_than_b")
    assert ordering.kwargs["column_A"] == "exited_at" and ordering.kwargs["or_equal"] is False
    assert ordering.origin == "custom"
    (count,) = _find(rules, "expect_table_row_count_to_be_between")
    assert count.kwargs == {"min_value": 120}


def test_first_load_only_needs_rows():
    rules = contract_rules(load_contracts()["parks"], previous_rows=None)
    (count,) = _find(rules, "expect_table_row_count_to_be_between")
    assert count.kwargs == {"min_value": 1}


@pytest.mark.parametrize("name", sorted(load_contracts()))
def test_every_contract_gets_key_required_and_type_rules(name):
    contract = load_contracts()[name]
    rules = contract_rules(contract)
    (key,) = contract.primary_key
    assert _find(rules, "expect_column_values_to_be_unique", column=key)
    for column in contract.source_columns:
        assert _find(rules, "expect_column_values_to_be_of_type", column=column.name)
        assert bool(_find(rules, "expect_column_values_to_not_be_null", column=column.name)) == (
            column.required or column.primary_key
        )
        if column.valid_values:
            assert _find(rules, "expect_column_values_to_be_in_set", column=column.name)
    labels = [r.label for r in rules]
    assert len(labels) == len(set(labels))


def test_hand_written_rules_name_real_columns():
    contracts = load_contracts()
    for name, rules in EXTRA_RULES.items():
        columns = {c.name for c in contracts[name].source_columns}
        for rule in rules:
            assert set(rule.columns) <= columns, (name, rule.label)


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        ("cn_resident_id", resident_id("31011519850101123"), "31011519850101123"),
        ("cn_uscc", uscc("91310115MA1K4ABCD"), "91310115MA1K4ABCDI"),
        ("cn_mobile", "13812345678", "12812345678"),
        ("cn_plate", "沪AD12345", "沪I12345"),
    ],
)
def test_validator_shapes(validator, good, bad):
    pattern = re.compile(validator_patterns()[validator])
    assert pattern.match(good)
    assert not pattern.match(bad)


@pytest.mark.parametrize(
    ("validator", "written"),
    [
        ("cn_resident_id", " ".join(resident_id("31011519850101123")[i : i + 4] for i in range(0, 18, 4))),
        ("cn_resident_id", resident_id("31011519850101123").replace("1", "１")),
        ("cn_mobile", "+86 138-0013-8000"),
        ("cn_mobile", "138.0013.8000"),
        ("cn_plate", "沪a·D12345"),
    ],
)
def test_the_gate_admits_the_spellings_ingest_admits(validator, written):
    # Raw keeps what ingest accepted as written: the gate must not call those values foreign.
    import pyarrow as pa

    from governance.pii.validators import validate

    assert validate(pa.array([written]), validator).tolist() == [True]
    assert re.match(validator_patterns()[validator], written)


def test_mart_rules_from_model_yml():
    model = dbt_model(
        "m",
        [
            ("scope", "varchar", ("unique", "not_null")),
            ("applications", "bigint", ("not_null",)),
            ("online_prereview_rate", "double", ()),
            ("day", "date", ("relationships",)),
        ],
    )
    rules = mart_rules(model)
    assert _find(rules, "expect_column_values_to_be_unique", column="scope")
    assert {r.kwargs["column"] for r in _find(rules, "expect_column_values_to_not_be_null")} == {
        "scope",
        "applications",
    }
    (rate,) = _find(rules, "expect_column_values_to_be_between", column="online_prereview_rate")
    assert (rate.kwargs["min_value"], rate.kwargs["max_value"]) == (0, 1)
    (count,) = _find(rules, "expect_column_values_to_be_between", column="applications")
    assert count.kwargs == {"column": "applications", "min_value": 0}
    assert _find(rules, "expect_table_columns_to_match_set")[0].kwargs["column_set"] == [
        "scope",
        "applications",
        "online_prereview_rate",
        "day",
    ]
    assert mart_keys(model) == ("scope",)


def test_mart_grain_is_the_not_null_dimensions():
    model = load_manifest().mart("exchange.parking_utilisation_hourly")
    assert mart_keys(model) == ("lot_id", "hour_start")
    assert _find(mart_rules(model), "expect_column_values_to_be_between", column="utilisation")


def test_gx_suite_holds_every_rule():
    contract = load_contracts()["approval_steps"]
    rules = contract_rules(contract)
    suite = to_gx_suite("raw_government.approval_steps", rules)
    assert suite.name == "raw_government.approval_steps"
    assert [e.expectation_type for e in suite.expectations] == [r.expectation for r in rules]
    ordering = [e for e in suite.expectations if e.expectation_type.startswith("expect_column_pair")]
    assert ordering[0].column_A == "finished_at" and ordering[0].column_B == "started_at"

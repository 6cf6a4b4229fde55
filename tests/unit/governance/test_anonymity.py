"""Re-identification check of row-level exchange tables: k-anonymity, l-diversity, minors, fallbacks."""

from datetime import date

import pyarrow as pa
import pytest

from governance.anonymity import class_keys, diversity, possible_minors, prepare_release
from governance.contracts import DatasetContract, load_contracts
from governance.contracts.model import ReidentificationSpec
from governance.privacy_gate import check_dataset
from governance.staging import staged_schema

TODAY = date(2026, 11, 30)
RARE_TOWN = "深海镇"  # a value that must never appear in a verdict or a report


def _contract(name: str, **reidentification) -> DatasetContract:
    contract = load_contracts()[name]
    if not reidentification:
        return contract
    spec = contract.reidentification.model_copy(update=reidentification)
    return contract.model_copy(update={"reidentification": spec})


def _staged(contract: DatasetContract, rows: list[dict]) -> pa.Table:
    schema = staged_schema(contract)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def _residents(classes: list[tuple[str, str, str, int]]) -> list[dict]:
    """``count`` residents per (birth year, sex, town), each with its own pseudonym and a condition."""
    rows = []
    for birth_year, sex, town, count in classes:
        for i in range(count):
            rows.append(
                {
                    "record_id": f"R{len(rows):05d}",
                    "resident_id_number": f"id_{len(rows):05d}",
                    "birth_year": birth_year,
                    "sex": sex,
                    "address": "上海市浦东新区",
                    "town": town,
                    "chronic_conditions": "糖尿病" if i % 2 else None,
                }
            )
    return rows


HEALTHY = [("1960", "女", "泥城镇", 6), ("1960", "男", "泥城镇", 5), ("1975", "女", "书院镇", 7)]
PLANTED = [("1931", "女", RARE_TOWN, 2)]  # two women born 1931 in one town: k = 2


def test_a_planted_class_under_k_blocks_the_exchange_table():
    contract = _contract("resident_health_records", on_failure="block")
    staged = _staged(contract, _residents(HEALTHY + PLANTED))

    release = prepare_release(contract, staged, TODAY)

    assert release.k == 2 and release.k_required == 5
    assert not release.passed
    verdict = release.describe()
    assert "exchange.resident_health_records" in verdict and "k = 2" in verdict
    assert "birth_year, sex, address, town" in verdict
    assert RARE_TOWN not in verdict and "1931" not in verdict


def test_the_privacy_gate_blocks_on_k_even_when_nothing_leaks():
    contract = _contract("resident_health_records", on_failure="block")
    staged = _staged(contract, _residents(HEALTHY + PLANTED))

    gate = check_dataset(contract, staged, staged, today=TODAY)

    assert gate.leak_scan_passed  # no identifier left: masking did its job
    assert not gate.passed
    assert "k = 2" in gate.describe() and RARE_TOWN not in gate.describe()
    healthy = check_dataset(contract, staged.slice(0, 18), staged.slice(0, 18), today=TODAY)
    assert healthy.passed and healthy.release is not None and healthy.release.k == 5


def test_suppress_rows_leaves_out_the_small_classes_counts_them_and_passes():
    contract = _contract("resident_health_records", on_failure="suppress_rows")
    staged = _staged(contract, _residents(HEALTHY + PLANTED))

    release = prepare_release(contract, staged, TODAY)

    assert release.passed
    assert release.before.k == 2 and release.k == 5
    assert release.rows_suppressed == 2
    assert release.table.num_rows == 18
    assert RARE_TOWN not in release.table.column("town").to_pylist()
    assert "2 row(s) of classes under k/l suppressed" in release.describe()


def test_withheld_items_are_not_in_the_release_but_the_pseudonym_is():
    contract = _contract("resident_health_records")
    release = prepare_release(contract, _staged(contract, _residents(HEALTHY)), TODAY)
    assert "chronic_conditions" not in release.table.column_names
    assert "resident_id_number" in release.table.column_names


def test_rows_of_possible_minors_are_withheld_before_k_is_measured():
    contract = _contract("resident_health_records", on_failure="block")
    children = [("2013", "男", "泥城镇", 6), ("2012", "女", "泥城镇", 1), (None, "女", "书院镇", 1)]
    release = prepare_release(contract, _staged(contract, _residents(HEALTHY + children)), TODAY)
    assert release.minors_withheld == 8  # born 2012 may still be 13; unknown age counts as a minor
    assert release.passed and release.k == 5
    years = release.table.column("birth_year").to_pylist()
    assert "2013" not in years and "2012" not in years and None not in years


def _alerts(classes: list[tuple[str, str, int]]) -> list[dict]:
    rows = []
    for town, alert_type, count in classes:
        for _ in range(count):
            n = len(rows)
            rows.append(
                {
                    "alert_id": f"A{n:04d}",
                    "resident_id_number": f"id_{n:04d}",
                    "alert_type": alert_type,
                    "town": town,
                }
            )
    return rows


def test_a_class_where_everyone_shares_the_sensitive_value_fails_l_diversity():
    contract = _contract("elderly_care_alerts", on_failure="block")
    rows = _alerts([("泥城镇", "fall", 3), ("泥城镇", "sos", 3), (RARE_TOWN, "heart_rate", 6)])

    release = prepare_release(contract, _staged(contract, rows), TODAY)

    assert release.k == 6 and release.l == 1  # everyone in one town had the same alert: k does not help
    assert not release.passed
    assert "l = 1 for alert_type" in release.describe() and "heart_rate" not in release.describe()

    suppressing = _contract("elderly_care_alerts", on_failure="suppress_rows")
    release = prepare_release(suppressing, _staged(suppressing, rows), TODAY)
    assert release.passed and release.l == 2 and release.rows_suppressed == 6


def test_a_sensitive_column_without_release_blocks_whatever_the_figures():
    contract = _contract("resident_health_records", on_failure="suppress_rows")
    chronic = contract.column("chronic_conditions").model_copy(update={"sharing_type": None})
    columns = tuple(chronic if c.name == "chronic_conditions" else c for c in contract.columns)
    leaking = contract.model_copy(update={"columns": columns, "sharing_type": "unconditional"})

    release = prepare_release(leaking, _staged(leaking, _residents(HEALTHY)), TODAY)

    assert release.refused == ("chronic_conditions",)
    assert not release.passed
    assert "exchange.resident_health_records.chronic_conditions" in release.describe()


def test_without_quasi_identifiers_k_is_not_judged_but_l_is_over_the_whole_table():
    contract = _contract("kiosk_checks")
    rows = [
        {"check_id": f"K{i}", "systolic_mmhg": 120 + i % 3, "diastolic_mmhg": 80, "glucose_mmol": None}
        for i in range(4)
    ]
    release = prepare_release(contract, _staged(contract, rows), TODAY)
    assert release.quasi_identifiers == ()
    assert release.k is None
    assert release.l == 1  # diastolic is the same for everyone in the table
    assert not release.passed  # kiosk_checks blocks by default (no fallback declared)


def test_null_quasi_identifiers_form_one_class_and_keys_hold_no_value_order_collision():
    table = pa.table({"a": ["x", None, None, "x"], "b": ["1", "2", "2", None]})
    keys = class_keys(table, ("a", "b")).to_pylist()
    assert keys[1] == keys[2] and len(set(keys)) == 3
    found = diversity(table, ("a", "b"), (), 2, 2)
    assert found.k == 1 and len(found.failing_classes) == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pa.array(["2013", "2012", "2011", "19xx", None]), [True, True, False, True, True]),
        (pa.array([2013, 1990], pa.int64()), [True, False]),
        (pa.array([date(2012, 12, 31), date(2000, 1, 1)]), [True, False]),
    ],
)
def test_possible_minors_from_a_birth_year_or_date(values, expected):
    assert possible_minors(values, TODAY).to_pylist() == expected


def test_every_shared_contract_declares_a_reachable_k_and_l():
    for contract in load_contracts().values():
        spec = contract.reidentification
        assert isinstance(spec, ReidentificationSpec)
        assert spec.k >= 5 and spec.l >= 2, contract.id  # nobody lowered the defaults
        for name in contract.quasi_identifiers:
            assert contract.column(name).masking != "drop"

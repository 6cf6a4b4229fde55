"""Counting the rows a row condition matches (issue #14, finding 5): values bound, never spliced."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from governance.access.row_filter import RowConditionError
from governance.access.row_match import condition_columns, count_matching, duckdb_condition

COLUMNS = ("lot_id", "town", "entered_at", "fee")
NOW = datetime.now()
ROWS = pa.table(
    {
        "lot_id": ["PL3101150001", "PL3101150002", "PL3101150001", "P001x", None],
        "town": ["南汇新城镇", "芦潮港镇", "南汇新城镇", "泥城镇", "书院镇"],
        "entered_at": [NOW - timedelta(days=1), NOW - timedelta(days=10), datetime(2025, 1, 1, 8), NOW, NOW],
        "fee": [5, 12, 0, 3, None],
    }
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("lot_id = 'P001'", 0),  # the old docs example: no lot has that id
        ("lot_id = 'PL3101150001'", 2),
        ("town IN ('南汇新城镇', '泥城镇')", 3),
        ("lot_id LIKE 'PL%' AND fee >= 5", 2),
        ("lot_id IS NULL OR fee BETWEEN 1 AND 4", 2),
        ("NOT (town = '南汇新城镇')", 3),
        ("entered_at >= current_timestamp - INTERVAL '3' DAY", 3),
        ("year(entered_at) = 2025", 1),
        ("date_trunc('day', entered_at) = TIMESTAMP '2025-01-01 00:00:00'", 1),
        ("lower(substring(lot_id, 1, 2)) = 'pl' AND fee > -1.5", 3),
        (None, 5),
    ],
)
def test_count_matching(condition, expected) -> None:
    assert count_matching(ROWS, condition, COLUMNS) == expected


@pytest.mark.parametrize(
    "condition",
    [
        "lot_id = 'x'' OR ''1''=''1'",
        "lot_id = 'x''); DROP TABLE grant_rows; --'",
        "town = '南汇新城镇'' OR town <> '''",
    ],
)
def test_a_quote_in_a_value_stays_in_the_value(condition) -> None:
    where, values = duckdb_condition(condition, COLUMNS)
    assert "'" not in where.replace("'DAY'", "")  # no literal text reaches DuckDB's SQL
    assert any("'" in str(v) for v in values)
    assert count_matching(ROWS, condition, COLUMNS) == 0


def test_columns_are_quoted_identifiers_and_values_placeholders() -> None:
    where, values = duckdb_condition("town = '南汇新城镇' AND fee > 3", COLUMNS)
    assert where == '"town" = $1 AND "fee" > $2'
    assert values == ["南汇新城镇", 3]


def test_what_the_validator_refuses_is_not_counted() -> None:
    for bad in ("lot_id IN (SELECT 1)", "current_user = 'x'", "plate = 'x'"):
        with pytest.raises(RowConditionError):
            count_matching(ROWS, bad, COLUMNS)


def test_only_the_condition_columns_are_scanned() -> None:
    assert condition_columns("town = 'a' OR fee > 1", COLUMNS) == ["fee", "town"]
    assert condition_columns(None, COLUMNS) == []

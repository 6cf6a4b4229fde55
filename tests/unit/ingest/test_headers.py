"""Header cells as exports write them: padded, with invisible or full-width characters, in another case."""

import pyarrow as pa
import pytest

from ingest.connectors import SourceError, SourceUnit
from ingest.headers import header_key, match_headers

CONTRACT = ("统一社会信用代码", "企业名称", "注册资本(万元)", "alertId")


def _unit(*headers: str) -> SourceUnit:
    table = pa.table({f"c{i}": pa.array(["x"]) for i in range(len(headers))}).rename_columns(list(headers))
    return SourceUnit("enterprises_2026-11-21.csv", "fp", table, None)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (" 企业名称 ", "企业名称"),
        ("企业名称\u3000", "企业名称"),
        ("\u00a0企业名称", "企业名称"),
        ("\u200b统一社会信用代码", "统一社会信用代码"),
        ("\ufeff统一社会信用代码", "统一社会信用代码"),
        ("注册资本（万元）", "注册资本(万元)"),
        ("注册资本 (万元)", "注册资本(万元)"),
        ("AlertID", "alertId"),
    ],
)
def test_a_header_written_otherwise_is_read_under_the_contracts_name(written, meant):
    unit = match_headers(_unit(written, "备注"), CONTRACT)
    assert unit.table.column_names == [meant, "备注"]
    (note,) = unit.notes
    assert repr(written) in note and f"'{meant}'" in note


def test_headers_as_the_contract_writes_them_change_nothing():
    unit = _unit(*CONTRACT)
    assert match_headers(unit, CONTRACT) is unit


@pytest.mark.parametrize("second", ["企业名称", " 企业名称", "企业名称\u3000"])
def test_a_column_named_twice_is_refused_with_both_places(second):
    with pytest.raises(SourceError, match=r"names a column twice \('企业名称' in columns 2, 3\)"):
        match_headers(_unit("统一社会信用代码", "企业名称", second), CONTRACT)


def test_two_contract_names_that_fold_alike_are_matched_only_as_written():
    unit = match_headers(_unit(" Name", "name"), ("Name", "NAME"))
    assert unit.table.column_names == [" Name", "name"]


def test_folding_keeps_what_tells_names_apart():
    assert header_key("车流量(辆)") != header_key("车流量(次)")
    assert header_key("alert_id") != header_key("alertId")

import datetime as dt

import pyarrow as pa
import pytest

from ingest.coerce import coerce


@pytest.mark.parametrize(
    "text",
    [
        "2019年3月5日 8:05",
        "2019/3/5 8:05",
        "2019-03-05T08:05:00",
        "2019-03-05 08:05",
        "２０１９-０３-０５ ０８:０５",
    ],
)
def test_chinese_and_iso_timestamps_parse(text):
    values, failed = coerce(pa.array([text]), "timestamp", pa.timestamp("us"))
    assert values.to_pylist() == [dt.datetime(2019, 3, 5, 8, 5)]
    assert failed.to_pylist() == [False]


@pytest.mark.parametrize("others", [[], ["2019年3月5日 8时"]])
def test_fractional_seconds_are_kept_whichever_path_parses_them(others):
    # All-ISO columns take Arrow's parser at once; a column with one Chinese date takes the per-cell path.
    values, failed = coerce(
        pa.array(["2019-03-05 08:05:00.25", "2019-03-05T08:05:00.123456", *others]),
        "timestamp",
        pa.timestamp("us"),
    )
    assert values.to_pylist()[:2] == [
        dt.datetime(2019, 3, 5, 8, 5, 0, 250000),
        dt.datetime(2019, 3, 5, 8, 5, 0, 123456),
    ]
    assert others == [] or values.to_pylist()[2] == dt.datetime(2019, 3, 5, 8, 0)
    assert not any(failed.to_pylist())


def test_impossible_timestamps_are_flagged_on_both_paths():
    iso_only = ["2019-02-30 08:00:00", "2019-02-28 24:00:00", "2019-02-28 08:00:00"]
    for cells in (iso_only, [*iso_only, "2019年3月5日"]):
        _, failed = coerce(pa.array(cells), "timestamp", pa.timestamp("us"))
        assert failed.to_pylist()[:3] == [True, True, False], cells


@pytest.mark.parametrize("text", ["2019年3月5日", "20190305", "2019.3.5", "2019-03-05"])
def test_dates_parse(text):
    values, _ = coerce(pa.array([text]), "date", pa.date32())
    assert values.to_pylist() == [dt.date(2019, 3, 5)]


@pytest.mark.parametrize("token", ["", "—", "无", "NULL", "N/A", "  "])
def test_null_tokens_are_absent_values_not_failures(token):
    values, failed = coerce(pa.array([token]), "integer", pa.int64())
    assert values.to_pylist() == [None]
    assert failed.to_pylist() == [False]


def test_unreadable_cells_are_flagged():
    values, failed = coerce(pa.array(["1,234", "１２", "3.5", "abc", None]), "integer", pa.int64())
    assert values.to_pylist() == [1234, 12, None, None, None]
    assert failed.to_pylist() == [False, False, True, True, False]


def test_impossible_dates_are_flagged():
    _, failed = coerce(pa.array(["2019-02-30", "2019-13-01", "2019-12-31"]), "date", pa.date32())
    assert failed.to_pylist() == [True, True, False]


def test_booleans_in_chinese():
    values, failed = coerce(pa.array(["是", "否", "1", "0", "maybe"]), "boolean", pa.bool_())
    assert values.to_pylist() == [True, False, True, False, None]
    assert failed.to_pylist()[-1] is True


def test_native_numbers_pass_through():
    values, failed = coerce(pa.array([1, 2, None]), "number", pa.float64())
    assert values.to_pylist() == [1.0, 2.0, None]
    assert not any(failed.to_pylist())


def test_text_columns_are_trimmed_and_null_tokens_become_null():
    values, failed = coerce(pa.array(["  申港大道 ", "", "—", "无"]), "string", pa.string())
    assert values.to_pylist() == ["申港大道", None, None, None]
    assert not any(failed.to_pylist())


def test_typed_temporal_sources_are_cast_not_reparsed():
    seconds = pa.array([0, 86_400], pa.timestamp("s"))
    values, failed = coerce(seconds, "timestamp", pa.timestamp("us"))
    assert values.type == pa.timestamp("us") and values.to_pylist()[1] == dt.datetime(1970, 1, 2)
    assert not any(failed.to_pylist())


def test_iso_t_separator_parses_beside_chinese_dates() -> None:
    """A column mixing ISO cells with "T" and Chinese dates: the ISO cell parses as on the typed path."""
    import datetime as dt

    import pyarrow as pa

    from ingest.coerce import parse_timestamp

    parsed, failed = parse_timestamp(pa.array(["2026-11-02T08:00:00", "2026年11月2日 9时", None]))
    assert parsed.to_pylist() == [dt.datetime(2026, 11, 2, 8, 0), dt.datetime(2026, 11, 2, 9, 0), None]
    assert not any(failed.to_pylist())

"""Vectorised parsing of what Chinese department exports write into typed Arrow columns.

Each parser returns the typed array plus a mask of cells that held a value but could not be read,
so enforcement can quarantine exactly those rows with a reason.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

NULL_TOKENS = (
    "",
    "—",
    "——",
    "-",
    "--",
    "无",
    "空",
    "NULL",
    "null",
    "Null",
    "N/A",
    "n/a",
    "NA",
    "None",
    "nan",
)
_NULL_TOKENS = pa.array(NULL_TOKENS)
_LONGEST_TOKEN = max(len(t.encode("utf-8")) for t in NULL_TOKENS)
_TRUE = ("1", "true", "True", "TRUE", "t", "T", "y", "Y", "yes", "是", "有")
_FALSE = ("0", "false", "False", "FALSE", "f", "F", "n", "N", "no", "否", "无")
_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H", "%Y-%m-%d")
_INTEGER = r"^[+-]?\d+(\.0+)?$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def as_text(array: pa.Array | pa.ChunkedArray, narrow: bool = False) -> pa.Array:
    """Any source column as trimmed text with null tokens as nulls.

    ``narrow`` folds full-width digits and punctuation to ASCII (NFKC) for values that will be parsed as
    numbers, dates or booleans; free text and names keep their characters as written.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    array = pc.utf8_trim_whitespace(array)
    if narrow and not pc.all(pc.string_is_ascii(array)).as_py():
        array = pc.utf8_trim_whitespace(pc.utf8_normalize(array, form="NFKC"))
    # Tokens are short: a column of longer values (IDs, names, addresses) skips the set lookup.
    if not pc.any(pc.less_equal(pc.binary_length(array), _LONGEST_TOKEN)).as_py():
        return array
    is_token = pc.is_in(array, value_set=_NULL_TOKENS)
    if not pc.any(is_token).as_py():
        return array
    return pc.if_else(is_token, pa.scalar(None, pa.string()), array)


def _failed(text: pa.Array, parsed: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(text), pc.is_null(parsed))


def parse_integer(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    digits = pc.replace_substring(text, ",", "")
    ok = pc.match_substring_regex(digits, _INTEGER)
    cleaned = pc.if_else(ok, pc.replace_substring_regex(digits, r"\.0+$", ""), pa.scalar(None, pa.string()))
    parsed = pc.cast(cleaned, pa.int64())
    return parsed, _failed(text, parsed)


def parse_number(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    digits = pc.replace_substring(text, ",", "")
    ok = pc.match_substring_regex(digits, _NUMBER)
    parsed = pc.cast(pc.if_else(ok, digits, pa.scalar(None, pa.string())), pa.float64())
    return parsed, _failed(text, parsed)


def parse_boolean(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    is_true = pc.is_in(text, value_set=pa.array(_TRUE))
    is_false = pc.is_in(text, value_set=pa.array(_FALSE))
    parsed = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    return parsed, _failed(text, parsed)


def _normalise_datetime_text(text: pa.Array) -> pa.Array:
    # 2019年3月5日 8时05分 / 2019/3/5 8:05 / 2019.03.05 / 2019-03-05T08:05:00(.123) / 20190305 -> ISO-ish.
    out = pc.replace_substring_regex(text, r"^(\d{4})(\d{2})(\d{2})($|[ T].*)", r"\1-\2-\3\4")
    out = pc.replace_substring_regex(out, r"^(\d{4})[年/.](\d{1,2})[月/.](\d{1,2})", r"\1-\2-\3")
    out = pc.replace_substring_regex(out, r"月", "-")
    out = pc.replace_substring_regex(out, r"日", "")
    out = pc.replace_substring_regex(out, r"[时点]", ":")
    out = pc.replace_substring_regex(out, r"分", ":")
    out = pc.replace_substring_regex(out, r"秒", "")
    out = pc.replace_substring_regex(out, r"T", " ")
    out = pc.replace_substring_regex(out, r"(\d{2}:\d{2}:\d{2})\.\d+$", r"\1")
    out = pc.replace_substring_regex(out, r":$", "")
    out = pc.replace_substring_regex(out, r"\s+", " ")
    return pc.utf8_trim_whitespace(out)


def _calendar_consistent(norm: pa.Array, parsed: pa.Array) -> pa.Array:
    """strptime rolls impossible dates over (2019-02-30 -> 2019-03-02); the written fields must survive."""
    fields = pc.extract_regex(norm, r"^\d{4}-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?: (?P<hour>\d{1,2}))?")
    same = pc.and_(
        pc.equal(pc.cast(pc.struct_field(fields, "month"), pa.int64()), pc.month(parsed)),
        pc.equal(pc.cast(pc.struct_field(fields, "day"), pa.int64()), pc.day(parsed)),
    )
    hour_text = pc.struct_field(fields, "hour")
    hour_ok = pc.or_(
        pc.equal(hour_text, ""),
        pc.equal(pc.cast(pc.if_else(pc.equal(hour_text, ""), "0", hour_text), pa.int64()), pc.hour(parsed)),
    )
    return pc.fill_null(pc.and_(same, hour_ok), False)


_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}(:\d{2}(:\d{2})?)?)?$"
_FRACTION = r":\d{2}\.(?P<fraction>\d+)$"


def _with_fraction(text: pa.Array, parsed: pa.Array) -> pa.Array:
    """strptime reads whole seconds; put back the written fraction (08:00:00.25 -> .250000)."""
    digits = pc.struct_field(pc.extract_regex(text, _FRACTION), "fraction")
    micros = pc.cast(pc.utf8_slice_codeunits(pc.utf8_rpad(digits, 6, "0"), 0, 6), pa.int64())
    return pc.add(parsed, pc.cast(pc.fill_null(micros, 0), pa.duration("us")))


def parse_timestamp(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    try:
        # Arrow's ISO 8601 parser checks the calendar itself (no 2019-02-30) and keeps fractions; it is
        # also what the typed CSV read uses, so a file parses the same whichever path it takes.
        return pc.cast(text, pa.timestamp("us")), no_failures(len(text))
    except pa.ArrowInvalid:
        pass
    # Some cells are not ISO: normalise only those, then parse cell by cell (vectorised).
    iso = pc.fill_null(pc.match_substring_regex(text, _ISO), True)
    # ISO cells may separate date and time with "T": the same cell must parse here as on the typed path.
    norm = pc.replace_substring(text, "T", " ")
    if not pc.all(iso).as_py():
        other = pc.invert(iso)
        norm = pc.replace_with_mask(norm, other, _normalise_datetime_text(text.filter(other)))
    parsed = pc.strptime(norm, format=_TIMESTAMP_FORMATS[0], unit="us", error_is_null=True)
    for fmt in _TIMESTAMP_FORMATS[1:]:
        missing = pc.and_(pc.is_null(parsed), pc.is_valid(norm))
        if not pc.any(missing).as_py():
            break
        attempt = pc.strptime(norm.filter(missing), format=fmt, unit="us", error_is_null=True)
        parsed = pc.replace_with_mask(parsed, missing, attempt)
    parsed = pc.if_else(_calendar_consistent(norm, parsed), parsed, pa.scalar(None, pa.timestamp("us")))
    if pc.any(pc.match_substring_regex(text, _FRACTION)).as_py():
        parsed = _with_fraction(text, parsed)
    return parsed, _failed(text, parsed)


def parse_date(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    stamps, failed = parse_timestamp(text)
    return pc.cast(stamps, pa.date32()), failed


def parse_string(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    return text, no_failures(len(text))


PARSERS = {
    "string": parse_string,
    "integer": parse_integer,
    "number": parse_number,
    "boolean": parse_boolean,
    "date": parse_date,
    "timestamp": parse_timestamp,
}


def coerce(
    array: pa.Array | pa.ChunkedArray, logical_type: str, target: pa.DataType
) -> tuple[pa.Array, pa.Array]:
    """Parse a source column into ``target``; returns (values, cells that could not be read)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type == target and logical_type != "string":
        return array, no_failures(len(array))
    if pa.types.is_integer(array.type) and logical_type in ("integer", "number"):
        return pc.cast(array, target), no_failures(len(array))
    if pa.types.is_floating(array.type) and logical_type == "number":
        return pc.cast(array, target), no_failures(len(array))
    if pa.types.is_temporal(array.type) and logical_type in ("timestamp", "date"):
        return pc.cast(array, target), no_failures(len(array))
    return PARSERS[logical_type](as_text(array, narrow=logical_type != "string"))


def no_failures(length: int) -> pa.Array:
    return pa.nulls(length, pa.bool_()).fill_null(False)

"""Vectorised identifier validators named by contracts (``validator: cn_resident_id`` …).

Each returns a boolean array: True where the value is valid or null (absence is the job of ``required``).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE = r"^(\+?86|0086)?1[3-9]\d{9}$"
_PLATE = (
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z]([A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{5}[DF])$"
)


def _weighted_sum(values: pa.Array, weights: tuple[int, ...], lookup: pa.Array | None = None) -> pa.Array:
    total = pa.nulls(len(values), pa.int64()).fill_null(0)
    for position, weight in enumerate(weights):
        char = pc.utf8_slice_codeunits(values, position, position + 1)
        digit = pc.index_in(char, value_set=lookup) if lookup is not None else pc.cast(char, pa.int64())
        total = pc.add(total, pc.multiply(pc.cast(digit, pa.int64()), weight))
    return total


def _remainder(values: pa.Array, divisor: int) -> pa.Array:
    # Arrow has no modulo kernel; integer division truncates, which is exact for non-negative sums.
    return pc.subtract(values, pc.multiply(pc.divide(values, divisor), divisor))


def resident_id(values: pa.Array) -> pa.Array:
    """GB 11643: 18 characters, 17 digits + check character, a real birth date inside."""
    upper = pc.utf8_upper(values)
    shaped = pc.match_substring_regex(upper, r"^\d{17}[\dX]$")
    candidate = pc.if_else(shaped, upper, pa.scalar("00000000000000000X"))
    check = pc.take(pa.array(list(_ID_CHECK)), _remainder(_weighted_sum(candidate, _ID_WEIGHTS), 11))
    check_ok = pc.equal(pc.utf8_slice_codeunits(candidate, 17, 18), check)
    birth = pc.strptime(
        pc.utf8_slice_codeunits(candidate, 6, 14), format="%Y%m%d", unit="s", error_is_null=True
    )
    ok = pc.and_(pc.and_(shaped, check_ok), pc.is_valid(birth))
    return pc.or_(pc.is_null(values), pc.fill_null(ok, False))


def uscc(values: pa.Array) -> pa.Array:
    """GB 32100 unified social credit code: 18 characters from a 31-letter alphabet, check character last."""
    upper = pc.utf8_upper(values)
    shaped = pc.match_substring_regex(upper, r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    candidate = pc.if_else(shaped, upper, pa.scalar("000000000000000000"))
    alphabet = pa.array(list(_USCC_ALPHABET))
    total = _weighted_sum(candidate, _USCC_WEIGHTS, lookup=alphabet)
    remainder = _remainder(total, 31)
    check_index = pc.subtract(31, remainder)
    check_index = pc.if_else(pc.equal(check_index, 31), 0, check_index)
    check_ok = pc.equal(pc.utf8_slice_codeunits(candidate, 17, 18), pc.take(alphabet, check_index))
    return pc.or_(pc.is_null(values), pc.fill_null(pc.and_(shaped, check_ok), False))


def mobile(values: pa.Array) -> pa.Array:
    compact = pc.replace_substring_regex(values, r"[\s-]", "")
    return pc.or_(pc.is_null(values), pc.match_substring_regex(compact, _MOBILE))


def plate(values: pa.Array) -> pa.Array:
    compact = pc.utf8_upper(pc.replace_substring_regex(values, r"[\s·•-]", ""))
    return pc.or_(pc.is_null(values), pc.match_substring_regex(compact, _PLATE))


VALIDATORS: dict[str, tuple[Callable[[pa.Array], pa.Array], str]] = {
    "cn_resident_id": (
        resident_id,
        "不是有效的18位身份证号 (GB 11643 校验位或出生日期错误) / not a valid resident ID",
    ),
    "cn_uscc": (uscc, "不是有效的统一社会信用代码 (GB 32100 校验位错误) / not a valid USCC"),
    "cn_mobile": (mobile, "不是有效的手机号 / not a valid mainland mobile number"),
    "cn_plate": (plate, "不是有效的车牌号 / not a valid plate"),
}

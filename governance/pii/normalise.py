"""Vectorised canonical forms per PII class (pyarrow.compute, RE2 regexes).

Pseudonyms are computed over these forms so that ``310115 1990 0101 123x``, ``３１０１１５…123X``
and ``310115199001011234`` of one person give one token, and masks see clean input.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from governance.pii import patterns
from governance.pii.classes import (
    BANK_CARD,
    CN_LANDLINE,
    CN_MOBILE,
    CN_PLATE,
    CN_RESIDENT_ID,
    CN_USCC,
    EMAIL,
    PASSPORT,
    PERSON_NAME,
)

ArrayLike = pa.Array | pa.ChunkedArray


# ASCII and the CJK Unified Ideographs block have no NFKC decompositions: text made only of them is
# already normalised. Anything else (full-width forms, ideographic space, compatibility ideographs,
# circled digits…) is normalised, value by value.
_MAY_CHANGE_UNDER_NFKC = r"[^\x00-\x7F\x{4E00}-\x{9FFF}]"


def as_string(values: ArrayLike) -> ArrayLike:
    """Cast to string (ints holding phone numbers are common); NFKC maps full-width to ASCII."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return values
    changing = pc.fill_null(pc.match_substring_regex(values, _MAY_CHANGE_UNDER_NFKC), False)
    if not pc.any(changing).as_py():
        return values
    return pc.replace_with_mask(values, changing, pc.utf8_normalize(values.filter(changing), form="NFKC"))


def _strip(values: ArrayLike, chars_regex: str) -> ArrayLike:
    return pc.replace_substring_regex(values, pattern=chars_regex, replacement="")


# Values already in these forms are fixed points of ``normalise`` (only ASCII and CJK unified ideographs,
# which NFKC leaves alone; no separators it would strip; the case it would set): one regex pass tells,
# instead of NFKC plus the rewrites. Most system exports write them so. Landlines have no such form.
_HAN = r"\x{4E00}-\x{9FFF}"
_CANONICAL = {
    CN_RESIDENT_ID: patterns.whole(patterns.resident_id()),
    CN_USCC: patterns.whole(patterns.uscc()),
    PASSPORT: patterns.whole(patterns.passport() + "|" + patterns.passport_official()),
    CN_MOBILE: patterns.whole(patterns.mobile()),
    BANK_CARD: patterns.whole(patterns.bank_card()),
    CN_PLATE: patterns.whole(patterns.plate()),
    PERSON_NAME: r"^[" + _HAN + r"]+$",
    EMAIL: r"^[a-z0-9._%+@\-]+$",
}
# Every other class is only trimmed: no whitespace at either end, nothing outside ASCII and CJK.
_TRIMMED = r"^(?:[" + _HAN + r"!-~](?:[" + _HAN + r" -~]*[" + _HAN + r"!-~])?)$"


def normalise(values: ArrayLike, pii_class: str | None) -> ArrayLike:
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    if pii_class == CN_LANDLINE:
        return _normalised(values, pii_class)
    pattern = _CANONICAL.get(pii_class or "", _TRIMMED)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    other = pc.invert(pc.fill_null(pc.match_substring_regex(values, pattern), True))
    written_otherwise = pc.sum(other).as_py() or 0
    if written_otherwise == 0:
        return values
    if written_otherwise == len(values):
        return _normalised(values, pii_class)
    return pc.replace_with_mask(values, other, _normalised(values.filter(other), pii_class))


def _normalised(values: ArrayLike, pii_class: str | None) -> ArrayLike:
    s = as_string(values)
    if pii_class in (CN_RESIDENT_ID, PASSPORT, CN_USCC):
        return pc.utf8_upper(_strip(s, patterns.SEPARATOR_RUN))
    if pii_class == CN_MOBILE:
        s = _strip(s, f"[{patterns.SEPARATOR_CHARS}()]+")
        country, mobile = patterns.country_code(), patterns.mobile_number()
        return pc.replace_substring_regex(s, pattern=f"^(?:{country}|86)({mobile})$", replacement=r"\1")
    if pii_class == CN_LANDLINE:
        # One canonical form for (021) 5800 1234 / 021-58001234 / +86 21 58001234: digits, "-ext" kept.
        s = _strip(s, r"[\s()]+")
        s = pc.replace_substring_regex(s, pattern=f"^{patterns.country_code()}-?0?", replacement="0")
        area = patterns.area_code()
        s = pc.replace_substring_regex(s, pattern=f"^({area})-", replacement=r"\1")
        # A grouped local number (5888-1234 after the area code): its separator goes, an extension stays.
        separator = patterns.chars("", literal=patterns.GROUP_SEPARATORS)
        grouped = f"^({area})([2-8][0-9]{{2,3}}){separator}([0-9]{{4}})((?:-[0-9]{{1,5}})?)$"
        return pc.replace_substring_regex(s, pattern=grouped, replacement=r"\1\2\3\4")
    if pii_class == BANK_CARD:
        return _strip(s, patterns.SEPARATOR_RUN)
    if pii_class == CN_PLATE:
        return pc.utf8_upper(_strip(s, patterns.SEPARATOR_RUN))
    if pii_class == EMAIL:
        # As typed (zhangsan @ qq。com) or written out (zhangsan(at)qq dot com): one @, plain dots.
        s = pc.replace_substring_regex(pc.utf8_trim_whitespace(s), patterns.email_dot(patterns.FOLDED), ".")
        s = pc.replace_substring_regex(s, patterns.email_at(patterns.FOLDED), "@")
        return pc.utf8_lower(s)
    if pii_class == PERSON_NAME:
        return _strip(s, r"[\s·•]+")
    return pc.utf8_trim_whitespace(s)

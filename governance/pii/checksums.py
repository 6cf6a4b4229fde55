"""Check digits of Chinese identifiers: GB 11643 resident ID, GB 32100 USCC, Luhn for bank cards.

Pure functions with no Presidio import, so ingest validators can use them cheaply. The ``*_mask``
variants validate a whole pyarrow array at once (numpy over fixed-width bytes) for column
classification and scans, where a Python call per value would dominate the cost.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from governance.pii import patterns

# Full-width digits/letters and the separators people type inside ids.
_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}
_FULLWIDTH.update({0xFF21 + i: 0x41 + i for i in range(26)})
_FULLWIDTH.update({0xFF41 + i: 0x61 + i for i in range(26)})
_FULLWIDTH[0x3000] = 0x20  # ideographic space
# Whole full-width ASCII block (！..～) -> ASCII: one char for one char, so offsets stay valid and
# recognizers can match ASCII patterns on a translated copy of the text.
_FULLWIDTH_ALL = {0xFF01 + i: 0x21 + i for i in range(94)}
_FULLWIDTH_ALL[0x3000] = 0x20
# The group separators in either width, and other spaces and dashes people paste in.
_STRIP_SEPARATORS = {ord(c): None for c in patterns.GROUP_SEPARATORS + "\u3000\u00a0－．—"}
_INVISIBLE_RE = re.compile(f"[{patterns.INVISIBLE}]")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes; 81/82/83 are the HK/Macau/Taiwan residence permits (same format).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}
USCC_RE = re.compile(patterns.uscc())

_ID18 = patterns.whole(patterns.resident_id_18())
_ID15 = patterns.whole(patterns.resident_id_15())
_ID18_RE, _ID15_RE = re.compile(_ID18), re.compile(_ID15)
MIN_BIRTH_YEAR = 1900


def normalise_digits(value: str) -> str:
    """Map full-width digits/letters and the ideographic space to ASCII; nothing else changes."""
    return value.translate(_FULLWIDTH)


def normalise_fullwidth(value: str) -> str:
    """Map the whole full-width ASCII block (digits, letters, ＠, （）, ：) to ASCII, 1:1 in length."""
    return value.translate(_FULLWIDTH_ALL)


def normalise_id(value: str) -> str:
    """Canonical form of an identifier typed by a person: ASCII, no spaces/hyphens/invisibles, upper case."""
    return _INVISIBLE_RE.sub("", normalise_digits(value)).translate(_STRIP_SEPARATORS).upper()


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _valid_birth_date(year: int, month: int, day: int, today: dt.date | None = None) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return year >= MIN_BIRTH_YEAR and born <= (today or dt.date.today())


def _id18_region_and_date_valid(s: str) -> bool:
    """An 18-character ID (normalised) with a valid province and birth date, whatever its check character."""
    return (
        len(s) == 18
        and _ID18_RE.fullmatch(s) is not None
        and int(s[:2]) in PROVINCE_CODES
        and _valid_birth_date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    )


def is_mistyped_resident_id(value: str | None) -> bool:
    """True for an 18-character ID with a valid province and birth date whose check character is wrong:
    one digit mistyped, most likely, and still a person's number (region, birth date, sequence)."""
    s = normalise_id(value or "")
    return _id18_region_and_date_valid(s) and resident_id_check_char(s[:17]) != s[17]


def is_valid_resident_id(value: str | None) -> bool:
    """True for an 18-digit ID with a valid province, birth date and check digit, or a 15-digit
    legacy ID (before 1999, no check digit) with a valid province and birth date.

    Accepts full-width digits, lower-case x and spaces/hyphens inside (``310115 1990 0101 123X``).
    """
    if not value:
        return False
    s = normalise_id(value)
    if len(s) == 18:
        return _id18_region_and_date_valid(s) and resident_id_check_char(s[:17]) == s[17]
    if len(s) == 15 and _ID15_RE.fullmatch(s):
        return int(s[:2]) in PROVINCE_CODES and _valid_birth_date(
            1900 + int(s[6:8]), int(s[8:10]), int(s[10:12])
        )
    return False


def upgrade_legacy_id(value: str) -> str:
    """15-digit legacy ID -> its 18-digit form (insert century 19, append check digit).

    Lets pseudonyms of one person agree whichever form a source system stored.
    """
    s = normalise_id(value)
    if len(s) != 15:
        return s
    first17 = s[:6] + "19" + s[6:]
    return first17 + resident_id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(value: str | None) -> bool:
    """GB 32100 unified social credit code (统一社会信用代码): charset, region digits, check character."""
    if not value:
        return False
    s = normalise_id(value)
    if len(s) != 18 or not USCC_RE.fullmatch(s):
        return False
    return uscc_check_char(s[:17]) == s[17]


def luhn_ok(value: str | None) -> bool:
    """Luhn (mod 10) check over the digits of ``value``; separators are ignored, other chars fail."""
    if not value:
        return False
    s = normalise_id(value)
    if not s.isascii() or not s.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ---------------------------------------------------------------------------------------------
# Vectorised variants over pyarrow string arrays (used by classify/scan on samples and columns).
# ---------------------------------------------------------------------------------------------


def normalise_id_array(values: pa.Array) -> pa.Array:
    """Vectorised :func:`normalise_id`: NFKC (full-width -> ASCII), drop spaces/hyphens, upper case."""
    s = pc.utf8_normalize(values.cast(pa.string()), form="NFKC")
    s = pc.replace_substring_regex(s, pattern=patterns.SEPARATOR_RUN, replacement="")
    return pc.utf8_upper(s)


def _fixed_width_codes(values: pa.Array, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of ASCII codes, read straight from the Arrow data buffer.

    Every value must be non-null ASCII of exactly ``width`` bytes (callers filter by regex first).
    """
    arr = values.cast(pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(-1, width)


def _mask_where(n: int, shape_ok: np.ndarray, check: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[np.flatnonzero(shape_ok)] = check
    return out


def resident_id_mask(values: pa.Array) -> np.ndarray:
    """Boolean mask: which cells hold a valid 18-digit resident ID (checksum + date + province).

    Cells are normalised first. 15-digit legacy IDs are not included (see ``legacy_id_mask``).
    """
    norm = normalise_id_array(values)
    shape = pc.fill_null(pc.match_substring_regex(norm, _ID18), False)
    shape_np = shape.to_numpy(zero_copy_only=False)
    picked = norm.filter(shape)
    if len(picked) == 0:
        return np.zeros(len(values), dtype=bool)
    codes = _fixed_width_codes(picked, 18)
    digits = codes[:, :17].astype(np.int64) - 48
    total = digits @ np.array(ID_WEIGHTS, dtype=np.int64)
    expected = np.frombuffer(ID_CHECK_CHARS.encode(), dtype=np.uint8)[total % 11]
    ok = expected == codes[:, 17]
    province = digits[:, 0] * 10 + digits[:, 1]
    ok &= np.isin(province, list(PROVINCE_CODES))
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    ok &= _dates_valid(year, month, day)
    return _mask_where(len(values), shape_np, ok)


def legacy_id_mask(values: pa.Array) -> np.ndarray:
    """Boolean mask of valid 15-digit legacy IDs (province + birth date; they carry no check digit)."""
    norm = normalise_id_array(values)
    shape = pc.fill_null(pc.match_substring_regex(norm, _ID15), False)
    picked = norm.filter(shape)
    if len(picked) == 0:
        return np.zeros(len(values), dtype=bool)
    digits = _fixed_width_codes(picked, 15).astype(np.int64) - 48
    ok = np.isin(digits[:, 0] * 10 + digits[:, 1], list(PROVINCE_CODES))
    year = 1900 + digits[:, 6] * 10 + digits[:, 7]
    ok &= _dates_valid(year, digits[:, 8] * 10 + digits[:, 9], digits[:, 10] * 10 + digits[:, 11])
    return _mask_where(len(values), shape.to_numpy(zero_copy_only=False), ok)


def _dates_valid(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Vectorised calendar check (leap years included), not after today, not before 1900."""
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (year >= MIN_BIRTH_YEAR)
    dim = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 1, 12) - 1]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = dim + ((month == 2) & leap)
    ok &= day <= dim
    today = dt.date.today()
    ok &= (year * 10000 + month * 100 + day) <= today.year * 10000 + today.month * 100 + today.day
    return ok


def luhn_mask(values: pa.Array, min_len: int = 16, max_len: int = 19) -> np.ndarray:
    """Boolean mask: digit strings (after normalising) of ``min_len..max_len`` passing Luhn."""
    norm = normalise_id_array(values)
    out = np.zeros(len(values), dtype=bool)
    lengths = pc.fill_null(pc.utf8_length(norm), 0)
    is_digits = pc.fill_null(pc.match_substring_regex(norm, r"^[0-9]+$"), False)
    for width in range(min_len, max_len + 1):
        sel = pc.and_(is_digits, pc.equal(lengths, width))
        picked = norm.filter(sel)
        if len(picked) == 0:
            continue
        d = _fixed_width_codes(picked, width).astype(np.int64) - 48
        d = d[:, ::-1].copy()
        doubled = d[:, 1::2] * 2
        d[:, 1::2] = np.where(doubled > 9, doubled - 9, doubled)
        ok = d.sum(axis=1) % 10 == 0
        out[np.flatnonzero(sel.to_numpy(zero_copy_only=False))] = ok
    return out


def uscc_mask(values: pa.Array) -> np.ndarray:
    """Boolean mask of valid GB 32100 credit codes."""
    norm = normalise_id_array(values)
    shape = pc.fill_null(pc.match_substring_regex(norm, patterns.whole(USCC_RE.pattern)), False)
    picked = norm.filter(shape)
    if len(picked) == 0:
        return np.zeros(len(values), dtype=bool)
    codes = _fixed_width_codes(picked, 18)
    lut = np.full(128, -1, dtype=np.int64)
    for i, c in enumerate(USCC_CHARS):
        lut[ord(c)] = i
    vals = lut[codes]
    total = vals[:, :17] @ np.array(USCC_WEIGHTS, dtype=np.int64)
    ok = (31 - total % 31) % 31 == vals[:, 17]
    return _mask_where(len(values), shape.to_numpy(zero_copy_only=False), ok)

"""Whole-cell validators over pyarrow string arrays, one per PII class (RE2 + numpy checksums).

Used by column classification and the leak scan on samples; no Presidio, no per-value Python.
``strict`` validators are specific enough on values alone; ``loose`` ones (8-digit local phone
numbers, official passports) count only when the column name says what the column holds.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from governance.pii import checksums
from governance.pii.classes import (
    ADDRESS,
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
from governance.pii.lexicon import COMPOUND_SURNAMES, SINGLE_SURNAMES
from governance.pii.normalise import normalise
from governance.pii.recognizers import PLATE_PROVINCES

AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
_REGEX = {
    CN_MOBILE: r"^1[3-9][0-9]{9}$",
    CN_LANDLINE: r"^" + AREA + r"[2-8][0-9]{6,7}(?:-[0-9]{1,5})?$",
    CN_PLATE: r"^[" + PLATE_PROVINCES + r"][A-HJ-NP-Z](?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]|"
    r"[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])$",
    EMAIL: r"^[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$",
    PASSPORT: r"^(?:[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7})$",
    PERSON_NAME: r"^(?:(?:" + "|".join(COMPOUND_SURNAMES) + r")|[" + SINGLE_SURNAMES + r"])\p{Han}{1,2}$",
    ADDRESS: r"\p{Han}{2}.*?(?:省|市|区|县|镇|乡|街道|路|街|大道|巷|村|弄)[0-9]+(?:号|弄|室|栋|幢)",
}
_LOOSE_REGEX = {
    CN_LANDLINE: r"^[2-8][0-9]{6,7}$",
    PASSPORT: r"^[DSP][0-9]{7,8}$",
}
# Two or three Han characters starting with a surname are often places or organisations instead.
_NOT_A_NAME = r"(?:镇|区|市|县|省|路|街|局|委|院|站|园|司|心|村|所|厅|馆|场|店|楼|湖|港|城|部|处|科|队|组)$"


def _to_np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


# Classes whose pattern only matches ASCII values that normalising leaves as they are: a column where every
# value already matches needs no normalising at all.
_MATCH_AS_WRITTEN = (CN_MOBILE, CN_LANDLINE, EMAIL, PASSPORT)


def validate(values: pa.Array, pii_class: str, loose: bool = False) -> np.ndarray:
    """Boolean mask: which cells hold a value of ``pii_class`` (whole cell, after normalising)."""
    if pii_class in _MATCH_AS_WRITTEN and (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
    ):
        as_written = pc.match_substring_regex(values, _REGEX[pii_class])
        if (pc.sum(as_written).as_py() or 0) == len(values) - values.null_count:
            return _to_np(as_written)
    if pii_class == CN_RESIDENT_ID:
        norm = normalise(values, CN_RESIDENT_ID)
        return checksums.resident_id_mask(norm) | checksums.legacy_id_mask(norm)
    if pii_class == CN_USCC:
        return checksums.uscc_mask(normalise(values, CN_USCC))
    if pii_class == BANK_CARD:
        norm = normalise(values, BANK_CARD)
        issuer = _to_np(pc.match_substring_regex(norm, r"^[3-6]"))
        # 10% of resident IDs also pass Luhn: an ID is never counted as a card.
        return checksums.luhn_mask(norm) & issuer & ~checksums.resident_id_mask(norm)
    norm = normalise(values, pii_class)
    ok = _to_np(pc.match_substring_regex(norm, _REGEX[pii_class]))
    if pii_class == CN_PLATE:
        ok &= _to_np(pc.greater_equal(pc.count_substring_regex(norm, r"[0-9]"), 3))
    elif pii_class == PERSON_NAME:
        ok &= ~_to_np(pc.match_substring_regex(norm, _NOT_A_NAME))
    if loose and pii_class in _LOOSE_REGEX:
        ok |= _to_np(pc.match_substring_regex(norm, _LOOSE_REGEX[pii_class]))
    return ok


STRUCTURED_CLASSES = (
    CN_RESIDENT_ID,
    CN_USCC,
    BANK_CARD,
    CN_MOBILE,
    CN_LANDLINE,
    CN_PLATE,
    EMAIL,
    PASSPORT,
    PERSON_NAME,
    ADDRESS,
)

"""Whole-cell validators over pyarrow string arrays, one per PII class (RE2 + numpy checksums).

Used by column classification and the leak scan on samples; no Presidio, no per-value Python.
``strict`` validators are specific enough on values alone; ``loose`` ones (8-digit local phone
numbers, official passports) count only when the column name says what the column holds.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from governance.pii import checksums, patterns
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
from governance.pii.normalise import as_string, normalise

# Whole cells, after normalising: the canonical spelling of each shape.
_REGEX = {
    CN_MOBILE: patterns.whole(patterns.mobile()),
    CN_LANDLINE: patterns.whole(patterns.landline()),
    CN_PLATE: patterns.whole(patterns.plate()),
    EMAIL: patterns.whole(patterns.email()),
    PASSPORT: patterns.whole(patterns.passport()),
    PERSON_NAME: r"^(?:(?:" + "|".join(COMPOUND_SURNAMES) + r")|[" + SINGLE_SURNAMES + r"])\p{Han}{1,2}$",
    ADDRESS: r"\p{Han}{2}.*?(?:省|市|区|县|镇|乡|街道|路|街|大道|巷|村|弄)[0-9]+(?:号|弄|室|栋|幢)",
}
_LOOSE_REGEX = {
    CN_LANDLINE: patterns.whole(patterns.local_number()),
    PASSPORT: patterns.whole(patterns.passport_official()),
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
        issuer = _to_np(pc.match_substring_regex(norm, patterns.whole(patterns.bank_card())))
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
    if loose and pii_class == PERSON_NAME:
        # In a column named for names, two to four words in Latin letters are a name too (Zhang San):
        # alone they are any words, so only the column's name makes them one.
        written = pc.utf8_trim_whitespace(as_string(values))
        ok |= _to_np(pc.match_substring_regex(written, patterns.whole(patterns.LATIN_NAME)))
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

"""Masking policies applied to whole pyarrow columns (no per-cell Python except the keyed-digest loop,
which runs once per *distinct* value after dictionary encoding).

``apply_policy(array, policy, pii_class, key, option)`` returns the masked array, or ``None`` for
``drop``. Nulls stay null. A value that does not have the expected shape of its class is never
passed through: masks turn it into ``***``, generalisations into null.
"""

from __future__ import annotations

import hashlib

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
from governance.pii.lexicon import COMPOUND_SURNAMES
from governance.pii.normalise import ArrayLike, as_string, normalise

POLICIES = ("keep", "mask", "redact", "generalise", "pseudonym", "drop")
REDACTED = "***"
TOKEN_HEX_CHARS = 16  # 64 bits: collisions negligible for city-scale populations
PSEUDONYM_PREFIX = {
    CN_RESIDENT_ID: "id_",
    CN_MOBILE: "mob_",
    CN_LANDLINE: "tel_",
    PERSON_NAME: "nm_",
    EMAIL: "em_",
    CN_PLATE: "plt_",
    BANK_CARD: "card_",
    PASSPORT: "pp_",
    ADDRESS: "adr_",
    CN_USCC: "org_",
}
DEFAULT_PREFIX = "p_"
# Whole normalised values of the right shape (``governance.pii.patterns``): only these are masked
# partially or generalised; anything else becomes ``***`` or null.
_SHAPE = {
    CN_RESIDENT_ID: patterns.whole(patterns.resident_id()),
    CN_MOBILE: patterns.whole(patterns.mobile()),
    CN_LANDLINE: patterns.whole(patterns.landline()),
    CN_PLATE: patterns.whole(patterns.plate()),
    BANK_CARD: patterns.whole(patterns.bank_card()),
}
_LOCAL_LANDLINE = patterns.whole(patterns.local_number() + "(?:" + patterns.extension() + ")?")


def apply_policy(
    array: ArrayLike, policy: str, pii_class: str | None, key: bytes, option: str | None = None
) -> ArrayLike | None:
    """Apply ``policy`` to ``array``; ``None`` means the column is dropped.

    Policies: keep, mask (class-aware partial mask), redact (``***``), generalise (class-specific:
    resident ID -> birth year, option ``region`` or ``age_band:<year>``; address -> district, option
    ``town``), pseudonym (keyed HMAC-SHA256 over the normalised value), drop.
    """
    if policy == "keep":
        return array
    if policy == "drop":
        return None
    if policy == "redact":
        return pc.if_else(pc.is_null(array), pa.scalar(None, pa.string()), REDACTED)
    if policy == "mask":
        return mask(array, pii_class)
    if policy == "generalise":
        return generalise(array, pii_class, option)
    if policy == "pseudonym":
        return pseudonymise(array, pii_class, key)
    raise ValueError(f"unknown masking policy {policy!r}; allowed: {', '.join(POLICIES)}")


# --------------------------------------------------------------------------------------------- mask


def _matches(values: ArrayLike, regex: str) -> ArrayLike:
    return pc.match_substring_regex(values, regex)


def _sub(values: ArrayLike, regex: str, replacement: str) -> ArrayLike:
    return pc.replace_substring_regex(values, pattern=regex, replacement=replacement)


def _or_redacted(ok: ArrayLike, masked: ArrayLike) -> ArrayLike:
    """``masked`` where the shape check passed, ``***`` elsewhere (nulls stay null)."""
    return pc.if_else(ok, masked, REDACTED)


def _stars(n: ArrayLike) -> ArrayLike:
    n = pc.max_element_wise(n, 0)
    return pc.binary_repeat(pa.scalar("*"), n.cast(pa.int64()))


def _keep_head_star_rest(values: ArrayLike, head: int) -> ArrayLike:
    rest = pc.subtract(pc.utf8_length(values), head)
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, head), _stars(rest), "")


def _head_stars_tail(values: ArrayLike, head: int, tail: int) -> ArrayLike:
    """First ``head`` and last ``tail`` characters, a star for each one between."""
    middle = _stars(pc.subtract(pc.utf8_length(values), head + tail))
    ends = (pc.utf8_slice_codeunits(values, 0, head), pc.utf8_slice_codeunits(values, -tail))
    return pc.binary_join_element_wise(ends[0], middle, ends[1], "")


def _shaped(values: ArrayLike, pii_class: str) -> ArrayLike:
    return _matches(values, _SHAPE[pii_class])


def mask(array: ArrayLike, pii_class: str | None) -> ArrayLike:
    s = normalise(array, pii_class)
    if pii_class == CN_RESIDENT_ID:
        # Region and the last four kept: 310115********123X, legacy 310115*****1234.
        return _or_redacted(_shaped(s, pii_class), _head_stars_tail(s, 6, 4))
    if pii_class == CN_MOBILE:
        return _or_redacted(_shaped(s, pii_class), _head_stars_tail(s, 3, 4))
    if pii_class == CN_LANDLINE:
        # Area code and the last two digits of the number kept: 021-******34; a local number: ******34.
        area, last_two = "(" + patterns.area_code() + ")", r"[0-9]*([0-9]{2})(?:-[0-9]+)?$"
        with_area = _shaped(s, pii_class)
        masked = _or_redacted(with_area, _sub(s, "^" + area + last_two, r"\1-******\2"))
        local = pc.and_(pc.invert(with_area), _matches(s, _LOCAL_LANDLINE))
        if pc.any(local).as_py():  # usually none: one export writes one form
            masked = pc.if_else(local, _sub(s, "^" + last_two, r"******\1"), masked)
        return masked
    if pii_class == PERSON_NAME:
        compound = pc.match_substring_regex(s, "^(?:" + "|".join(COMPOUND_SURNAMES) + ").")
        masked = pc.if_else(compound, _keep_head_star_rest(s, 2), _keep_head_star_rest(s, 1))
        return _or_redacted(pc.greater(pc.utf8_length(s), 0), masked)
    if pii_class == EMAIL:
        rx = r"^([^@])[^@]*(@[^@]+)$"
        return _or_redacted(_matches(s, rx), _sub(s, rx, r"\1***\2"))
    if pii_class == CN_PLATE:
        return _or_redacted(_shaped(s, pii_class), _keep_head_star_rest(s, 2))
    if pii_class == BANK_CARD:
        last_four = pc.utf8_slice_codeunits(s, -4)
        masked = pc.binary_join_element_wise(_stars(pc.subtract(pc.utf8_length(s), 4)), last_four, "")
        return _or_redacted(_shaped(s, pii_class), masked)
    if pii_class == PASSPORT:
        rx = r"^([A-Z])[A-Z0-9]{4,}([0-9]{2})$"
        return _or_redacted(_matches(s, rx), _sub(s, rx, r"\1******\2"))
    if pii_class == ADDRESS:
        area = _address_prefix(s, town=False)
        return pc.if_else(pc.is_valid(area), pc.binary_join_element_wise(area, REDACTED, ""), REDACTED)
    # Unknown or non-personal class: first character only, length hidden.
    rx = r"^(.).{3,}$"
    return _or_redacted(_matches(s, rx), _sub(s, rx, r"\1***"))


# --------------------------------------------------------------------------------------- generalise


def _where(ok: ArrayLike, values: ArrayLike) -> ArrayLike:
    """``values`` where ``ok``, null elsewhere."""
    return pc.if_else(ok, values, pa.scalar(None, pa.string()))


def _struct_group(values: ArrayLike, regex: str) -> ArrayLike:
    """First capture group of ``regex`` (named ``g``) or null where it does not match."""
    extracted = pc.extract_regex(values, regex)
    group = pc.struct_field(extracted, [0])
    return pc.if_else(pc.is_valid(extracted), group, pa.scalar(None, pa.string()))


def _address_prefix(s: ArrayLike, town: bool) -> ArrayLike:
    """Cut after the first 区/县 (or 镇/乡/街道 with ``town``), else after the city; null otherwise.

    One RE2 pass: alternatives are tried leftmost-first, so the finer cut wins when present.
    小区 (a residential compound) is not an administrative 区 and is skipped.
    """
    district = r".*?(?:[^小]区|县|镇|乡|街道)"
    finer = r".*?(?:镇|乡|街道)|" + district if town else district
    return _struct_group(s, r"^(?P<g>" + finer + r"|.*?市)")


def _birth_year(s: ArrayLike) -> ArrayLike:
    is18 = _matches(s, patterns.whole(patterns.resident_id_18()))
    is15 = _matches(s, patterns.whole(patterns.resident_id_15()))
    y18 = pc.utf8_slice_codeunits(s, 6, 10)
    y15 = pc.binary_join_element_wise("19", pc.utf8_slice_codeunits(s, 6, 8), "")
    null = pa.scalar(None, pa.string())
    return pc.if_else(is18, y18, pc.if_else(is15, y15, null))


def _age_band(year: ArrayLike, option: str) -> ArrayLike:
    try:
        reference = int(option.split(":", 1)[1])
    except (IndexError, ValueError):
        raise ValueError(
            f"generalise option {option!r}: give the reference year, e.g. 'age_band:2026' "
            "(a fixed year keeps reruns reproducible)"
        ) from None
    age = pc.subtract(pa.scalar(reference), year.cast(pa.int64()))
    low = pc.multiply(pc.divide(age, 10), 10)
    band = pc.binary_join_element_wise(low.cast(pa.string()), pc.add(low, 9).cast(pa.string()), "-")
    return pc.if_else(pc.less(age, 0), pa.scalar(None, pa.string()), band)


def generalise(array: ArrayLike, pii_class: str | None, option: str | None = None) -> ArrayLike:
    s = normalise(array, pii_class)
    if pii_class == CN_RESIDENT_ID:
        year = _birth_year(s)
        if option in (None, "birth_year"):
            return year
        if option == "region":
            return pc.if_else(pc.is_valid(year), pc.utf8_slice_codeunits(s, 0, 6), year)
        if option.startswith("age_band"):
            return _age_band(year, option)
        raise ValueError(
            f"generalise {pii_class}: unknown option {option!r} (birth_year, region, age_band:<year>)"
        )
    if pii_class == ADDRESS:
        return _address_prefix(s, town=option == "town")
    if pii_class == CN_MOBILE:  # the carrier's segment: 138
        return _where(_shaped(s, pii_class), pc.utf8_slice_codeunits(s, 0, 3))
    if pii_class == CN_LANDLINE:  # the area code: 021
        return _where(_shaped(s, pii_class), _struct_group(s, "^(?P<g>" + patterns.area_code() + ")"))
    if pii_class == CN_PLATE:  # province and city: 沪A
        return _where(_shaped(s, pii_class), pc.utf8_slice_codeunits(s, 0, 2))
    if pii_class == EMAIL:
        return _struct_group(s, r"^[^@]+(?P<g>@[^@]+)$")
    if pii_class == BANK_CARD:  # the issuer (BIN): 622202
        return _where(_shaped(s, pii_class), pc.utf8_slice_codeunits(s, 0, 6))
    raise ValueError(f"generalise is not defined for pii_class {pii_class!r}")


# ---------------------------------------------------------------------------------------- pseudonym


# Hex digits spelled with the letters g-p: a token can never contain a run of digits that a leak scan
# would mistake for a phone, card or ID number. Same 64 bits as 16 hex characters.
_NIBBLE_LETTERS = np.frombuffer(b"ghijklmnopabcdef", dtype=np.uint8)  # nibble 0-9 -> g-p, 10-15 -> a-f


class KeyedDigest:
    """HMAC-SHA256 (RFC 2104) of many short messages under one key and one domain prefix.

    The key's inner and outer pad blocks (and the domain) are hashed once; each message then costs one
    copy-update of each state, about half of what ``hmac.digest`` spends re-deriving the pads per call.
    """

    def __init__(self, key: bytes, domain: bytes) -> None:
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._inner.update(domain)
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def digests(self, messages: list[bytes]) -> bytes:
        """The 32-byte digests of ``messages``, concatenated."""
        # A plain loop: chaining ``map`` over the hash methods keeps every context alive at once and
        # measured slower (cache misses) than reusing two at a time.
        inner, outer, out = self._inner, self._outer, []
        for message in messages:
            first = inner.copy()
            first.update(message)
            second = outer.copy()
            second.update(first.digest())
            out.append(second.digest())
        return b"".join(out)


def _token_strings(digests: bytes, count: int, prefix: str) -> pa.Array:
    """``prefix`` + the first 64 bits of each digest as hex spelled in letters, built without a loop."""
    head = np.frombuffer(digests, dtype=np.uint8).reshape(count, 32)[:, : TOKEN_HEX_CHARS // 2]
    nibbles = np.empty((count, TOKEN_HEX_CHARS), dtype=np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = head >> 4, head & 0x0F
    lead = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    chars = np.empty((count, len(lead) + TOKEN_HEX_CHARS), dtype=np.uint8)
    chars[:, : len(lead)] = lead
    chars[:, len(lead) :] = _NIBBLE_LETTERS[nibbles]
    offsets = np.arange(0, (count + 1) * chars.shape[1], chars.shape[1], dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def _upgrade_legacy_ids(values: pa.Array) -> pa.Array:
    legacy = pc.equal(pc.utf8_length(values), 15)
    if not pc.any(legacy).as_py():
        return values
    upgraded = [checksums.upgrade_legacy_id(v) for v in values.filter(legacy).to_pylist()]
    return pc.replace_with_mask(values, legacy, pa.array(upgraded, pa.string()))


def pseudonymise(array: ArrayLike, pii_class: str | None, key: bytes) -> ArrayLike:
    """``<prefix><16 letters>`` = HMAC-SHA256(key, "<class>:<normalised value>"), hex spelled in letters.

    The class is part of the message so equal digits in different classes never share a token;
    legacy 15-digit IDs are upgraded to 18 digits first so one person has one token.
    """
    if not key:
        raise ValueError("pseudonym needs a non-empty key (see governance.masking.keys)")
    s = normalise(array, pii_class)
    if isinstance(s, pa.ChunkedArray):
        s = s.combine_chunks()
    encoded = pc.dictionary_encode(s)
    distinct = encoded.dictionary
    if pii_class == CN_RESIDENT_ID:
        distinct = _upgrade_legacy_ids(distinct)
    prefix = PSEUDONYM_PREFIX.get(pii_class or "", DEFAULT_PREFIX)
    # The one unavoidable Python loop: one keyed digest per distinct value.
    hasher = KeyedDigest(key, f"{pii_class or 'generic'}:".encode())
    digests = hasher.digests(distinct.cast(pa.binary()).to_pylist())
    return pc.take(_token_strings(digests, len(distinct), prefix), encoded.indices)


__all__ = ["POLICIES", "apply_policy", "as_string", "generalise", "mask", "pseudonymise"]

"""Independent generators of valid identifiers for the governance tests (no fixture blobs).

Deliberately re-implements the check digits from the standards instead of importing ours.
"""

from __future__ import annotations

GB11643_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(region: str = "310115", birth: str = "19900101", seq: str = "123") -> str:
    body = region + birth + seq
    total = sum(int(d) * w for d, w in zip(body, GB11643_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def resident_id_ending_x(region: str = "310115", birth: str = "19850612") -> str:
    for n in range(1000):
        value = resident_id(region, birth, f"{n:03d}")
        if value.endswith("X"):
            return value
    raise AssertionError("no X check digit found")


def wrong_check_digit(valid: str) -> str:
    last = valid[-1]
    return valid[:-1] + ("0" if last != "0" else "1")


def uscc(body: str = "91310115MA1H7ABCD") -> str:
    weights = [3**i % 31 for i in range(17)]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body`` + digit pass Luhn (ISO/IEC 7812)."""
    for d in "0123456789":
        digits = [int(c) for c in reversed(body + d)]
        total = sum(x if i % 2 == 0 else (x * 2 - 9 if x * 2 > 9 else x * 2) for i, x in enumerate(digits))
        if total % 10 == 0:
            return d
    raise AssertionError("unreachable")


def luhn_card(prefix: str = "622202", length: int = 16) -> str:
    body = prefix + "1" * (length - len(prefix) - 1)
    return body + luhn_check_digit(body)


def to_fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)

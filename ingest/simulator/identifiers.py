"""Valid Chinese identifiers: resident ID numbers, mobiles, USCCs and plates, with their check characters.

Written independently of the validators in ``governance.pii.checksums`` on purpose: tests cross-check the
two implementations against each other, so a shared bug cannot hide.
"""

from __future__ import annotations

import numpy as np

from ingest.simulator.clock import ymd

# GB 11643-1999: weights 2^(17-i) mod 11; the remainder of the weighted sum picks the check character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# GB 32100-2015: 31 characters (no I, O, S, V, Z), weights 3^i mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714-1997 organisation code: 8 body characters, one check character.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Mainland mobile number segments in use (China Mobile, Unicom, Telecom, Broadnet).
MOBILE_PREFIXES = (
    *range(130, 140),
    *(150, 151, 152, 153, 155, 156, 157, 158, 159),
    *range(180, 190),
    *(191, 193, 195, 196, 197, 198, 199),
)

# Plate letters never use I or O (confusable with 1 and 0).
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SHANGHAI_PLATE_CITY = "ABCDEFGHJKLMN"  # 沪A–沪N
VISITOR_PROVINCES = {"苏": "ABCDEFGHJKLMN", "浙": "ABCDEFGHJKL"}

PUDONG = "310115"
# Other Shanghai districts, for residents who moved to Lingang (黄浦, 徐汇, 长宁, 静安, 普陀, 虹口, 杨浦, 闵行,
# 宝山, 嘉定, 金山, 松江, 青浦, 奉贤, 崇明).
OTHER_SHANGHAI_REGIONS = (
    "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
    "310113", "310114", "310116", "310117", "310118", "310120", "310151",
)  # fmt: skip


def resident_id_check(body17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    if len(body17) != 17 or not body17.isdigit():
        raise ValueError(f"expected 17 digits, got {body17!r}")
    total = sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (digits or capitals)."""
    if len(body8) != 8:
        raise ValueError(f"expected 8 characters, got {body8!r}")
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def uscc_check(body17: str) -> str:
    """GB 32100 check character of the first 17 characters of a unified social credit code."""
    if len(body17) != 17:
        raise ValueError(f"expected 17 characters, got {body17!r}")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def _unique_resample(rng: np.random.Generator, values: np.ndarray, redraw) -> np.ndarray:
    """Redraw entries that repeat an earlier one until all are distinct (rare: a handful per 100k)."""
    while True:
        _, first = np.unique(values, return_index=True)
        dup = np.ones(len(values), dtype=bool)
        dup[first] = False
        if not dup.any():
            return values
        values[dup] = redraw(rng, np.flatnonzero(dup))


def make_resident_ids(
    rng: np.random.Generator, birth_dates: np.ndarray, male: np.ndarray, regions: np.ndarray
) -> np.ndarray:
    """Distinct 18-character ID numbers: region, birth date, sequence (odd for men), check character."""
    y, m, d = ymd(birth_dates)
    ymd_int = y * 10000 + m * 100 + d
    prefix = regions.astype(np.int64) * 10**11 + ymd_int * 1000
    sex_bit = male.astype(np.int64)

    def draw(r: np.random.Generator, idx: np.ndarray) -> np.ndarray:
        # Sequence codes 002..999; the parity of the last one encodes sex.
        return prefix[idx] + r.integers(1, 500, size=len(idx)) * 2 + sex_bit[idx]

    body = _unique_resample(rng, draw(rng, np.arange(len(prefix))), draw)
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    check = np.array(list(ID_CHECK))[(digits @ np.array(ID_WEIGHTS)) % 11]
    return np.char.add(body.astype("U17"), check)


def make_mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct 11-digit mainland mobile numbers."""
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)

    def draw(r: np.random.Generator, idx: np.ndarray) -> np.ndarray:
        return r.choice(prefixes, size=len(idx)) * 10**8 + r.integers(0, 10**8, size=len(idx))

    return _unique_resample(rng, draw(rng, np.arange(n)), draw).astype("U11")


def make_usccs(rng: np.random.Generator, n: int, division: str = PUDONG) -> np.ndarray:
    """Distinct enterprise USCCs ``9 1 <division> <org code + check> <check>``.

    Since 2015 new organisation codes in a USCC start with ``MA``; older firms kept numeric codes.
    """
    alnum = np.array(list(USCC_CHARSET[:30]))  # no Y: keeps bodies in GB 11714's alphabet too
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        modern = rng.random() < 0.75
        tail = rng.choice(alnum, size=6 if modern else 8)
        body8 = (
            ("MA" + "".join(tail)) if modern else "".join(str(int(d) % 10) for d in rng.integers(0, 10, 8))
        )
        org = body8 + org_code_check(body8)
        if any(c not in USCC_CHARSET for c in org):
            continue
        body17 = "91" + division + org
        code = body17 + uscc_check(body17)
        if code not in seen:
            seen.add(code)
            out.append(code)
    return np.array(out)


def _plate_tail(rng: np.random.Generator, n: int) -> list[str]:
    """Five-character serials: mostly digits, sometimes one or two letters, as Shanghai issues them."""
    digits = rng.integers(0, 10, size=(n, 5)).astype("U1")
    letters = np.array(list(PLATE_LETTERS))[rng.integers(0, len(PLATE_LETTERS), size=(n, 5))]
    use_letter = rng.random((n, 5)) < np.array([0.35, 0.15, 0.05, 0.05, 0.05])
    use_letter &= np.cumsum(use_letter, axis=1) <= 2  # a serial never holds more than two letters
    chars = np.where(use_letter, letters, digits)
    return ["".join(row) for row in chars]


def make_plates(
    rng: np.random.Generator,
    n: int,
    province: str = "沪",
    cities: str = SHANGHAI_PLATE_CITY,
    nev_share: float = 0.2,
) -> np.ndarray:
    """Distinct plates; ``nev_share`` of them green new-energy plates (8 characters, D/F + 5 digits)."""

    def draw(r: np.random.Generator, idx: np.ndarray) -> np.ndarray:
        k = len(idx)
        city = np.array(list(cities))[r.integers(0, len(cities), size=k)]
        nev = r.random(k) < nev_share
        classic = _plate_tail(r, k)
        nev_tail = [
            ("D" if r_ < 0.7 else "F") + f"{num:05d}"
            for r_, num in zip(r.random(k), r.integers(0, 100000, k), strict=True)
        ]
        tails = np.where(nev, np.array(nev_tail, dtype="U6"), np.array(classic, dtype="U6"))
        return np.char.add(np.char.add(province, city), tails).astype(object)

    return _unique_resample(rng, draw(rng, np.arange(n)), draw)


def is_valid_resident_id(value: str) -> bool:
    return len(value) == 18 and value[:17].isdigit() and resident_id_check(value[:17]) == value[17]


def is_valid_uscc(value: str) -> bool:
    return (
        len(value) == 18
        and all(c in USCC_CHARSET for c in value)
        and org_code_check(value[8:16]) == value[16]
        and uscc_check(value[:17]) == value[17]
    )

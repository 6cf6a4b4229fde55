"""Presidio recognizers for Chinese personal data (language "zh"), usable on their own.

Identifier recognizers match the shapes of ``governance.pii.patterns`` (as typed: separators, either
case, full-width folded) and then check what they matched (check digits, dates, context words).
Entity types are the glossary identifiers exactly (``cn_resident_id`` …).
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern

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
)
from governance.pii.lexicon import CONTEXT
from governance.pii.names import ChineseNameRecognizer
from governance.pii.patterns import CJK, PLATE_SEPARATORS
from governance.pii.recognizer_base import (
    LANGUAGE,
    NOT_AFTER_DIGIT,
    NOT_AFTER_LETTER,
    NOT_BEFORE_ALNUM,
    NOT_BEFORE_DIGIT,
    Shaped,
    ZhPatternRecognizer,
    shaped,
)

__all__ = ["LANGUAGE", "ChineseNameRecognizer", "all_recognizers"]


class ResidentIdRecognizer(ZhPatternRecognizer):
    """18-digit GB 11643 resident ID: region, birth date and check digit all valid; or, after an ID word
    (身份证, 证件号 …), with a wrong check character: a mistyped ID still names its person."""

    MISTYPED = 0.3  # below the threshold: only a context word lifts it

    def __init__(self) -> None:
        super().__init__(
            CN_RESIDENT_ID,
            # Checked by date and check character: it may stand glued to letters (ID310115…, No.…).
            [shaped("cn_resident_id_18", patterns.resident_id_18, 1.0, NOT_AFTER_DIGIT, NOT_BEFORE_DIGIT)],
            CONTEXT[CN_RESIDENT_ID],
        )

    def check(self, value: str, score: float) -> float | None:
        if checksums.is_valid_resident_id(value):
            return 1.0
        return self.MISTYPED if checksums.is_mistyped_resident_id(value) else None

    def context_score(self, text: str, start: int, score: float) -> float:
        scored = super().context_score(text, start, score)
        # A checksum-valid id stays above threshold even next to an "order number" label.
        return max(0.7, scored) if score >= 1.0 else scored


class LegacyResidentIdRecognizer(ZhPatternRecognizer):
    """15-digit legacy ID (pre-1999): no check digit, so region + date only and context decides."""

    def __init__(self) -> None:
        super().__init__(
            CN_RESIDENT_ID,
            [shaped("cn_resident_id_15", patterns.resident_id_15, 0.4)],
            CONTEXT["cn_resident_id_legacy"],
        )

    def check(self, value: str, score: float) -> float | None:
        return score if checksums.is_valid_resident_id(value) else None


class MobileRecognizer(ZhPatternRecognizer):
    """Mainland mobile, maybe after +86/0086, grouped 3-4-4, 4-3-4 or 4-4-3 by spaces, hyphens, dots, slashes or
    underscores (``patterns.GROUP_SEPARATORS``), also glued to letters (tel13812345678, Tel:…): a serial
    number of exactly a mobile's shape after letters (SN13812345678) is masked too, as leaking one is worse."""

    def __init__(self) -> None:
        # Not after "+" either: +1 3812345678 is a foreign number.
        pattern = shaped("cn_mobile", patterns.mobile, 0.7, r"(?<![0-9+])", NOT_BEFORE_DIGIT)
        super().__init__(CN_MOBILE, [pattern], CONTEXT[CN_MOBILE])


class LandlineRecognizer(ZhPatternRecognizer):
    """Landline: area code (010, 02x, 0xxx) in brackets or followed by a space or hyphen, 7–8 digit
    number (maybe grouped 4-4), maybe an extension. Without a separator it looks like any 11–12 digit
    number: a context word must then lift its low score. Without an area code, only right after its
    label (电话58881234)."""

    def __init__(self) -> None:
        super().__init__(
            CN_LANDLINE,
            [
                shaped("cn_landline", patterns.landline, 0.6),
                shaped("cn_landline_bare", patterns.landline_bare, 0.3),
                # Its label is its context: the number alone (group v) is masked.
                shaped(
                    "cn_landline_local",
                    patterns.labelled_local_number,
                    0.6,
                    NOT_AFTER_LETTER,
                    NOT_BEFORE_ALNUM,
                ),
            ],
            CONTEXT[CN_LANDLINE],
        )


class PlateRecognizer(ZhPatternRecognizer):
    """Vehicle plate: province + letter + 5 (or new-energy 6) characters, special suffixes 挂学警港澳领."""

    _SEPARATORS = re.compile("[" + re.escape(PLATE_SEPARATORS) + "]")

    def __init__(self) -> None:
        super().__init__(CN_PLATE, [shaped("cn_plate", patterns.plate, 0.75)], CONTEXT[CN_PLATE], ())

    def check(self, value: str, score: float) -> float | None:
        serial = self._SEPARATORS.sub("", value)[2:]
        digits = sum(c.isdigit() for c in serial)
        # Real serials carry at least 3 digits; this rejects 沪ADOBE, 京ABCDE and similar words.
        return score if digits >= 3 else None


class BankCardRecognizer(ZhPatternRecognizer):
    """Bank card: 16–19 digits (grouped by 4 or not), Luhn-valid, issuer prefix 3–6."""

    def __init__(self) -> None:
        # Luhn-checked: it may stand glued to letters (card6222…).
        card = shaped("bank_card", patterns.bank_card, 0.8, NOT_AFTER_DIGIT, NOT_BEFORE_DIGIT)
        super().__init__(BANK_CARD, [card], CONTEXT[BANK_CARD])

    def check(self, value: str, score: float) -> float | None:
        digits = checksums.normalise_id(value)
        if not 16 <= len(digits) <= 19 or not checksums.luhn_ok(digits):
            return None
        # An 18-digit value that is a valid resident ID is an ID (10% of IDs also pass Luhn).
        return None if checksums.is_valid_resident_id(digits) else score


class UsccRecognizer(ZhPatternRecognizer):
    """GB 32100 unified social credit code. Enterprise id: recognised, never treated as personal."""

    def __init__(self) -> None:
        super().__init__(CN_USCC, [shaped("cn_uscc", patterns.uscc, 0.95)], CONTEXT[CN_USCC], ())

    def check(self, value: str, score: float) -> float | None:
        return score if checksums.is_valid_uscc(value) else None


class PassportRecognizer(ZhPatternRecognizer):
    """PRC passports: E/G + 8 digits, E + letter + 7 digits; D/S/P (official) and the travel permits to Hong
    Kong, Macau and Taiwan and home-return permits need a context word."""

    def __init__(self) -> None:
        super().__init__(
            PASSPORT,
            [
                shaped("passport", patterns.passport, 0.6),
                shaped("passport_official", patterns.passport_official, 0.3),
                shaped("travel_permit", patterns.travel_permit, 0.3),
            ],
            CONTEXT[PASSPORT],
        )


class EmailRecognizer(ZhPatternRecognizer):
    """Own e-mail pattern: Presidio's needs tldextract, which tries the network once."""

    def __init__(self) -> None:
        pattern = shaped(
            "email", patterns.email, 0.9, before=r"(?<![A-Za-z0-9._%+-])", after=r"(?![A-Za-z0-9-])"
        )
        super().__init__(EMAIL, [pattern], CONTEXT[EMAIL], ())


class AddressRecognizer(ZhPatternRecognizer):
    """Address down to a house number: [省][市][区/县][镇/街道][路/街/弄…][小区/苑…] + 88号/5弄/1201室.

    A place name without a house number (申港大道, 滴水湖地铁站) is not personal and not matched. The house
    number may be read out in numerals (八十八弄五号), spaced (88 弄 5 号), end in a bare room number
    (12号402), or be written the Shanghai way as 弄-号-室 right after a road (申港大道88-5-1201).
    """

    # House-number units; 组 is the villagers' group of a rural address (新建村13组85号).
    UNITS = ("号楼", "弄", "号", "栋", "幢", "单元", "室", "层", "楼", "组")
    ROAD_SUFFIXES = ("公路", "大道", "路", "街", "道", "巷", "村", "弄")
    # A housing estate named without its road (滴水湖馨苑11号楼502, 港城新天地小区3号): what residents give as
    # where they live. Not 园 or 城 alone: 产业园, 体育城 and the like hold no one's home.
    ESTATE_SUFFIXES = ("小区", "花园", "家园", "公寓", "新村", "苑", "宿舍", "公馆", "邸", "庄园")
    PLACE_SUFFIXES = ("省", "自治区", "市", "区", "县", "镇", "乡", "街道", *ROAD_SUFFIXES, *ESTATE_SUFFIXES)
    # Characters that end an address run: verbs/labels around addresses in sentences. Not 和: roads are
    # named with it (万和路, 和平路); "A路和B路8号" is masked a little wider instead.
    _C = r"(?:(?![住址是的于及与电话身份证手机姓患者称反映投诉在，。；：,;:\s])" + CJK + r")"
    NUMERALS = "〇零一二两三四五六七八九十百千"
    _SPACE = "[ \u3000]?"
    _ROAD = "(?:" + "|".join(ROAD_SUFFIXES) + ")"
    _ESTATE = "(?:" + "|".join(ESTATE_SUFFIXES) + ")"
    _ROAD_OR_ESTATE = "(?:" + _ROAD + "|" + _ESTATE + ")"
    _NUMBER = "(?:[0-9]+(?:-[0-9]+)?|[" + NUMERALS + "]+)"  # 3-5号 is a range of house numbers
    _UNIT = "(?:" + "|".join(UNITS) + ")"
    # An estate's phase before its building (新苑3期12号楼): only so, as 二期 alone names no home.
    _PHASE = f"(?:{_NUMBER}{_SPACE}期{_SPACE})?"
    HOUSE = (
        f"{_PHASE}{_NUMBER}{_SPACE}{_UNIT}(?:(?:[-之]|{_SPACE}){_NUMBER}{_SPACE}{_UNIT}){{0,4}}"
        r"(?:-?[0-9]{1,4}(?![0-9]))?"
    )
    DASHED = r"[0-9]+(?:-[0-9]+){1,3}(?![0-9])(?!" + _SPACE + _UNIT + ")"
    REGEX = (
        f"(?P<v>(?:{_C}{{1,6}}(?:省|自治区))?(?:{_C}{{1,6}}市)?(?:{_C}{{1,8}}(?:区|县))?"
        f"(?:{_C}{{1,6}}(?:镇|乡|街道))?(?:{_C}{{1,10}}{_ROAD})?(?:{_C}{{1,10}}{_ESTATE})?"
        f"{_SPACE}(?:{HOUSE}|{DASHED}))"
    )
    # Every match holds a house number: a digit (either width) before a unit, numerals before a unit
    # right after a road (not 路一直, 道两旁: they would send every other sentence to Presidio), or a dashed
    # number right after a road.
    _WRITTEN_DIGIT = patterns.chars("0-9", patterns.WRITTEN)
    TRIGGER = "|".join(
        (
            _WRITTEN_DIGIT + _SPACE + _UNIT,
            _ROAD + _SPACE + "[" + NUMERALS + "]+" + _SPACE + _UNIT,
            _ROAD_OR_ESTATE + _SPACE + _WRITTEN_DIGIT + "+" + patterns.lit("-", patterns.WRITTEN),
        )
    )
    _DASHED_AFTER = (*ROAD_SUFFIXES, *ESTATE_SUFFIXES)
    # The value split into its place and its house number: the shortest place the rest is a house of.
    _SPLIT = re.compile("(?P<place>.+?)" + _SPACE + "(?:(?P<house>" + HOUSE + ")|(?P<dashed>" + DASHED + "))")

    def __init__(self) -> None:
        super().__init__(
            ADDRESS, [Shaped(Pattern("address", self.REGEX, 0.7), self.TRIGGER)], CONTEXT[ADDRESS], ()
        )

    def check(self, value: str, score: float) -> float | None:
        split = self._SPLIT.fullmatch(value)
        # A house number alone (1号线, 302室, 三号楼) is not an address; a place part must precede it, and
        # a dashed number (88-5-1201, 12-502) counts only right after a road or an estate.
        if split is None or len(split.group("place")) < 2:
            return None
        suffixes = self._DASHED_AFTER if split.group("dashed") else self.PLACE_SUFFIXES
        return score if split.group("place").endswith(suffixes) else None


def all_recognizers() -> list[EntityRecognizer]:
    """One instance of every recognizer, in priority order (checksummed ids first)."""
    return [
        ResidentIdRecognizer(),
        LegacyResidentIdRecognizer(),
        BankCardRecognizer(),
        UsccRecognizer(),
        PassportRecognizer(),
        MobileRecognizer(),
        LandlineRecognizer(),
        EmailRecognizer(),
        PlateRecognizer(),
        ChineseNameRecognizer(),
        AddressRecognizer(),
    ]

"""Identifier shapes of Chinese personal data, written down once.

What a resident ID, mobile, landline, plate, bank card, USCC, passport or e-mail address looks like is
said here and nowhere else: the free-text recognizers, the batch masker's RE2 prefilter, the whole-cell
validators, the normalisers, the masks and the quality gate all render the same shapes, so a spelling
accepted in one place is accepted in all of them.

Each shape renders in one of three spellings:

* ``CANONICAL``: what the normalisers write (ASCII, no separators, upper case). Anchor it with
  :func:`whole` to check a cell.
* ``FOLDED``: what a person types, seen after full-width characters are folded 1:1 to ASCII (the
  recognizers' view of a text): a separator between digit groups, letters in either case.
* ``WRITTEN``: what a person types, as stored: ``FOLDED`` plus the full-width forms of every ASCII
  character in it. Whatever ``FOLDED`` matches in the folded text, ``WRITTEN`` matches in the text
  itself, which is why the prefilter (RE2, on raw cells) never drops a cell a recognizer would flag.

Sources use only syntax that RE2 (pyarrow.compute), Python's ``re`` and ``regex`` read alike: no
lookarounds, no ``\\d`` (Unicode digits in ``re``), no ``\\p{..}``. No Presidio and no pyarrow here:
importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, StrEnum


class PiiClass(StrEnum):
    """The personal-data classes of the glossary (``infra.vocabulary.PII_CLASSES``; a test checks)."""

    PERSON_NAME = "person_name"
    CN_RESIDENT_ID = "cn_resident_id"
    CN_MOBILE = "cn_mobile"
    CN_LANDLINE = "cn_landline"
    ADDRESS = "address"
    CN_PLATE = "cn_plate"
    BANK_CARD = "bank_card"
    EMAIL = "email"
    PASSPORT = "passport"
    FREE_TEXT = "free_text"
    NOT_PERSONAL = "not_personal"


class Spelling(Enum):
    CANONICAL = "canonical"
    FOLDED = "folded"
    WRITTEN = "written"


CANONICAL, FOLDED, WRITTEN = Spelling.CANONICAL, Spelling.FOLDED, Spelling.WRITTEN

# Typed between digit groups (3101 1519 9003 0712 34, 138-0013-8000, 310115.1990…, 138/1234/5678,
# 138_1234_5678 as form fields and file names join them), once folded; and a line break, where a text box
# or a spreadsheet cell (Alt+Enter) wrapped the number: 310115199003⏎071234.
GROUP_SEPARATORS = " \t.-/_\r\n"
# Format characters that render as nothing (soft hyphen, zero-width space and joiners, word joiner,
# direction marks, byte-order mark): pasted in with a value from a web page or a Word file, never part of
# it. A character-class body, RE2 and ``re`` alike.
INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
# What normalisers remove inside an identifier, after NFKC: the group separators, other spaces and
# dashes, the dots printed on plates, invisible characters. RE2 and ``re`` alike.
SEPARATOR_CHARS = r"\s.\-/_—·・•" + INVISIBLE
SEPARATOR_RUN = f"[{SEPARATOR_CHARS}]+"
# Han characters (CJK unified ideographs, extension A, compatibility ideographs) as literal ranges.
CJK = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# A letter of a name in Latin letters: ASCII or full width, and the accented Latin of pinyin's tone marks.
LATIN_LETTER = "[A-Za-z\uff21-\uff3a\uff41-\uff5a\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]"
# A name in Latin letters (pinyin, maybe with tone marks, or a foreign name), two to four words: Zhang San,
# ZHANG Xiaoming, Wang Xiao-ming, Zhāng Sān.
LATIN_NAME = LATIN_LETTER + "{2,}(?:[ \u3000-]" + LATIN_LETTER + "{2,}){1,3}"

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "A-HJ-NP-Z"  # no I or O: they read as 1 and 0
PLATE_SUFFIXES = "挂学警港澳领"  # trailer, learner, police, Hong Kong, Macau, consulate
PLATE_SEPARATORS = "·・•- "  # 沪A·12345 as printed on the plate
USCC_CHARS = "0-9A-HJ-NPQRTUWXY"  # GB 32100: no I, O, S, V, Z

_FULL_WIDTH_OFFSET = 0xFEE0  # U+FF01..U+FF5E are U+0021..U+007E shifted by this


def _wide(c: str) -> str:
    if c == " ":
        return "\u3000"
    return chr(ord(c) + _FULL_WIDTH_OFFSET) if "!" <= c <= "~" else c


def _escaped(c: str) -> str:
    return "\\" + c if c in "\\]^-[" else c


def chars(ranges: str, spelling: Spelling = CANONICAL, literal: str = "") -> str:
    """A character class of ``ranges`` such as ``0-9A-HJ-NP-Z`` (a ``-`` always makes a range) and
    ``literal`` characters. ``FOLDED`` adds lower case, ``WRITTEN`` also the full-width forms."""
    items = _class_items(ranges) + list(literal)
    if spelling is not CANONICAL:
        items += [item.lower() for item in items]
    if spelling is WRITTEN:
        items += ["".join(c if len(item) == 3 and c == "-" else _wide(c) for c in item) for item in items]
    return "[" + "".join(_escaped(i) if len(i) == 1 else i for i in dict.fromkeys(items)) + "]"


def _class_items(ranges: str) -> list[str]:
    """``"0-9XA-C"`` -> ``["0-9", "X", "A-C"]``."""
    items, i = [], 0
    while i < len(ranges):
        step = 3 if ranges[i + 1 : i + 2] == "-" else 1
        items.append(ranges[i : i + step])
        i += step
    return items


def lit(text: str, spelling: Spelling = CANONICAL) -> str:
    """``text`` matched literally (in either width when ``WRITTEN``)."""
    if spelling is WRITTEN:
        return "".join("[" + _escaped(c) + _wide(c) + "]" if c.isascii() else c for c in text)
    return "".join("\\" + c if c in "\\.+*?()[]{}|^$" else c for c in text)


def separator(spelling: Spelling, allowed: str = GROUP_SEPARATORS) -> str:
    """An optional separator between two groups (nothing in ``CANONICAL``)."""
    if spelling is CANONICAL:
        return ""
    one = chars("", spelling, allowed)
    # Windows ends a wrapped line with CR LF: two characters, one separator.
    return "(?:\r\n|" + one + ")?" if "\n" in allowed else one + "?"


def grouped(spelling: Spelling, *groups: str) -> str:
    """``groups`` in a row, with an optional separator between any two of them."""
    return separator(spelling).join(groups)


def whole(shape: str) -> str:
    """``shape`` anchored to a whole cell."""
    return "^(?:" + shape + ")$"


def _digits(spelling: Spelling, count: str = "", ranges: str = "0-9") -> str:
    return chars(ranges, spelling) + count


# ------------------------------------------------------------------------------------------ shapes


def resident_id_18(spelling: Spelling = CANONICAL) -> str:
    """GB 11643 ID, 18 characters. As typed, a separator may stand between any two of them (6-8-4,
    6-4-4-4, 4-4-4-4-2, 3-3-4-4-4, … 123 X): the date and check character, which the validators check,
    keep two numbers typed side by side from reading as one."""
    head = _digits(spelling, ranges="1-8")
    return grouped(spelling, head, *[_digits(spelling)] * 16, chars("0-9X", spelling))


def resident_id_15(spelling: Spelling = CANONICAL) -> str:
    """Legacy 15-digit ID (before 1999): grouped 6-6-3 or 4-4-4-3."""
    d = _digits(spelling, "{2}")
    head = _digits(spelling, ranges="1-8") + _digits(spelling, "{3}")
    return grouped(spelling, head, d, d, d, d, _digits(spelling, "{3}"))


def resident_id(spelling: Spelling = CANONICAL) -> str:
    return "(?:" + resident_id_18(spelling) + "|" + resident_id_15(spelling) + ")"


def country_code(spelling: Spelling = CANONICAL) -> str:
    return "(?:" + lit("+86", spelling) + "|" + lit("0086", spelling) + ")"


def mobile_number(spelling: Spelling = CANONICAL) -> str:
    """Mainland mobile, 11 digits from 13x to 19x, grouped 3-4-4, 4-3-4 or 4-4-3 (as a caller reads it out);
    as typed, maybe with its first group bracketed as a landline's area code is: (138)1234 5678."""
    head = lit("1", spelling) + _digits(spelling, ranges="3-9") + _digits(spelling)
    one, three = _digits(spelling), _digits(spelling, "{3}")
    rest = (one, three, one, three)
    if spelling is CANONICAL:
        return grouped(spelling, head, *rest)
    bracketed = lit("(", spelling) + head + lit(")", spelling) + separator(spelling, " ")
    return "(?:" + grouped(spelling, head, *rest) + "|" + bracketed + grouped(spelling, *rest) + ")"


def mobile(spelling: Spelling = CANONICAL) -> str:
    """A mobile number; as typed, maybe after +86, 0086 or a bare 86 (an export's E.164 without its +)."""
    if spelling is CANONICAL:
        return mobile_number(spelling)
    prefix = "(?:" + country_code(spelling) + "|" + lit("86", spelling) + ")"
    return "(?:" + prefix + separator(spelling) + ")?" + mobile_number(spelling)


def area_code(spelling: Spelling = CANONICAL) -> str:
    """010, 02x, or 0 + three digits from 3."""
    d = _digits(spelling)
    others = (lit("10", spelling), lit("2", spelling) + d, _digits(spelling, ranges="3-9") + d + "{2}")
    return lit("0", spelling) + "(?:" + "|".join(others) + ")"


def local_number(spelling: Spelling = CANONICAL) -> str:
    """7–8 digits from 2–8; as typed, maybe grouped 3-4 or 4-4 (5888 1234, 5888-1234)."""
    if spelling is CANONICAL:
        return _digits(spelling, ranges="2-8") + _digits(spelling, "{6,7}")
    return (
        _digits(spelling, ranges="2-8")
        + _digits(spelling, "{2,3}")
        + separator(spelling)
        + _digits(spelling, "{4}")
    )


# The labels a local number (no area code) is given after in a text: 电话58881234, 座机：5888 1234,
# 电话号码 58881234, Tel: 5888-1234 (the Latin ones in either case).
LOCAL_NUMBER_LABELS = ("电话", "座机", "固话", "传真")
LOCAL_NUMBER_LATIN_LABELS = ("tel", "fax")


def labelled_local_number(spelling: Spelling = CANONICAL) -> str:
    """A local number right after its label (and maybe 号码, a colon or 是/为), the number in group ``v``."""
    latin = [_word(word, spelling) + lit(".", spelling) + "?" for word in LOCAL_NUMBER_LATIN_LABELS]
    label = "(?:(?:" + "|".join(LOCAL_NUMBER_LABELS) + ")(?:号码)?|" + "|".join(latin) + ")"
    between = "(?:" + lit(":", spelling) + "|是|为)?" + chars("", spelling, " ") + "?"
    number = local_number(spelling)
    return label + between + (number if spelling is WRITTEN else "(?P<v>" + number + ")")


def extension(spelling: Spelling = CANONICAL) -> str:
    return lit("-", spelling) + _digits(spelling, "{1,5}")


def landline(spelling: Spelling = CANONICAL) -> str:
    """Area code + local number (+ extension). As typed, the area code is bracketed or followed by a
    space or hyphen: ``(021)58001234``, ``021-5800123-806``, ``+86 021 58001234``."""
    area, number = area_code(spelling), local_number(spelling)
    if spelling is CANONICAL:
        return area + number + "(?:" + extension(spelling) + ")?"
    space_or_hyphen = chars("", spelling, " -")
    prefix = "(?:" + lit("+86", spelling) + space_or_hyphen + "?)?"
    bracketed = lit("(", spelling) + area + lit(")", spelling) + chars("", spelling, " ") + "?"
    return f"{prefix}(?:{bracketed}|{area}{space_or_hyphen}){number}(?:{extension(spelling)})?"


def landline_bare(spelling: Spelling = CANONICAL) -> str:
    """Area code and number run together: looks like any 11–12 digit number."""
    return area_code(spelling) + local_number(spelling)


def plate(spelling: Spelling = CANONICAL) -> str:
    """Province + city letter + serial: 5 characters (the last may be 挂学警港澳领), or new energy
    6: D/F + letter or digit + 4 digits (small cars), 5 digits + D/F (large vehicles)."""
    letter, d = chars(PLATE_LETTERS, spelling), _digits(spelling)
    alnum = chars(PLATE_LETTERS + "0-9", spelling)
    energy = chars("DF", spelling)
    last = chars(PLATE_LETTERS + "0-9", spelling, PLATE_SUFFIXES)
    serial = f"(?:{energy}{alnum}{d}{{4}}|{d}{{5}}{energy}|{alnum}{{4}}{last})"
    province = "[" + PLATE_PROVINCES + "]"
    return province + separator(spelling, " ") + letter + separator(spelling, PLATE_SEPARATORS) + serial


def bank_card(spelling: Spelling = CANONICAL) -> str:
    """Card number: 16–19 digits from an issuer prefix 3–6; as typed, grouped by four, or 6-10 … 6-13 as
    some banks print a 19-digit debit card (622202 1234567890128)."""
    head = _digits(spelling, ranges="3-6")
    if spelling is CANONICAL:
        return head + _digits(spelling, "{15,18}")
    sep, d = separator(spelling), _digits(spelling)
    return f"{head}(?:{d}{{3}}(?:{sep}{d}{{4}}){{3}}(?:{sep}{d}{{1,3}})?|{d}{{5}}{sep}{d}{{10,13}})"


def uscc(spelling: Spelling = CANONICAL) -> str:
    """GB 32100 unified social credit code: registration office, division code, organisation code."""
    c = chars(USCC_CHARS, spelling)
    return c + "{2}" + _digits(spelling, "{6}") + c + "{10}"


def passport(spelling: Spelling = CANONICAL) -> str:
    """Ordinary PRC passports: E/G + 8 digits, E + letter + 7 digits."""
    d = _digits(spelling)
    series = chars("EG", spelling) + d + "{8}"
    lettered = chars("E", spelling) + chars(PLATE_LETTERS, spelling) + d + "{7}"
    return f"(?:{series}|{lettered})"


def passport_official(spelling: Spelling = CANONICAL) -> str:
    """Diplomatic, service and public-affairs passports (D/S/P): too short to tell without context."""
    return chars("DSP", spelling) + _digits(spelling, "{7,8}")


def travel_permit(spelling: Spelling = CANONICAL) -> str:
    """Travel permits a resident shows instead of a passport: to Hong Kong and Macau (C + 8 digits, C +
    letter + 7), to Taiwan (L + 8), the Hong Kong and Macau residents' home-return permit (H/M + 8 or 10).
    A letter and digits like any code: only a context word tells."""
    d = _digits(spelling)
    to_hong_kong_or_taiwan = chars("CL", spelling) + d + "{8}"
    lettered = chars("C", spelling) + chars(PLATE_LETTERS, spelling) + d + "{7}"
    home_return = chars("HM", spelling) + d + "{8}(?:" + d + "{2})?"
    return f"(?:{to_hong_kong_or_taiwan}|{lettered}|{home_return})"


# How an address is written to keep it from harvesters: ``zhangsan(at)qq(dot)com``, ``zhangsan [at] qq.com``,
# ``zhangsan at qq dot com``, ``zhangsan#qq.com`` (#换成@), ``zhangsan艾特qq.com``; the words in either case.
OBFUSCATION_BRACKETS = ("()", "[]", "{}", "<>")
AT_OBFUSCATIONS = ("#", "艾特")


def _word(text: str, spelling: Spelling) -> str:
    """An ASCII word in either case (when typed), in either width (when ``WRITTEN``)."""
    return "".join(chars(c.upper(), spelling) for c in text) if spelling is not CANONICAL else lit(text)


def _obfuscated(word: str, spelling: Spelling) -> str:
    """``word`` bracketed (maybe spaced inside and out) or between spaces: (at), [ dot ], ' at '."""
    space = chars("", spelling, " ")
    w = _word(word, spelling)
    bracketed = [
        lit(o, spelling) + space + "*" + w + space + "*" + lit(c, spelling) for o, c in OBFUSCATION_BRACKETS
    ]
    return "(?:" + space + "*(?:" + "|".join(bracketed) + ")" + space + "*|" + space + "+" + w + space + "+)"


def email_at(spelling: Spelling = CANONICAL) -> str:
    """What stands for the @ of an address: as typed, maybe spaced, or written out (``AT_OBFUSCATIONS``,
    :func:`_obfuscated`)."""
    if spelling is CANONICAL:
        return lit("@")
    at = separator(spelling, " ") + lit("@", spelling) + separator(spelling, " ")
    written_out = [lit(a, spelling) for a in AT_OBFUSCATIONS] + [_obfuscated("at", spelling)]
    return "(?:" + "|".join([at, *written_out]) + ")"


def email_dot(spelling: Spelling = CANONICAL) -> str:
    """What stands for a dot of an address: as typed, maybe the Chinese full stop an input method puts
    (qq。com), or written out: (dot), [dot], ' dot '."""
    if spelling is CANONICAL:
        return lit(".")
    return "(?:" + lit(".", spelling) + "|。|" + _obfuscated("dot", spelling) + ")"


def email(spelling: Spelling = CANONICAL) -> str:
    """An address, its @ and dots as :func:`email_at` and :func:`email_dot` read them."""
    local_char = chars("A-Za-z0-9", spelling, "._%+-")
    label = chars("A-Za-z0-9", spelling, "-") + "+"
    dot = email_dot(spelling)
    local = chars("A-Za-z0-9", spelling) + local_char + "*"
    if spelling is not CANONICAL:
        local += "(?:" + _obfuscated("dot", spelling) + local_char + "+)*"
    return (
        local + email_at(spelling) + f"{label}(?:{dot}{label})*{dot}" + chars("A-Za-z", spelling) + "{2,24}"
    )


# The shape of each identifier a contract validator or the quality gate names.
SHAPES: dict[str, Callable[[Spelling], str]] = {
    PiiClass.CN_RESIDENT_ID: resident_id,
    PiiClass.CN_MOBILE: mobile,
    PiiClass.CN_LANDLINE: landline,
    PiiClass.CN_PLATE: plate,
    PiiClass.BANK_CARD: bank_card,
    PiiClass.PASSPORT: passport,
    PiiClass.EMAIL: email,
    "cn_uscc": uscc,
}

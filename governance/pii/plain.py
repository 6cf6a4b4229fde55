"""Free text as the recognizers must read it: what hides personal data from a pattern without anyone meaning to.

* Invisible characters (zero-width space, soft hyphen, word joiner, byte-order mark, direction marks), pasted
  from a web page, a Word file or a chat message, split an ID number in two for any pattern: removed.
* Look-alike spaces (no-break, thin, figure, narrow no-break …) between digit groups are not the space a
  pattern allows: made ASCII spaces. Dashes (hyphen, en and em dash, minus sign) between two digits: made
  ``-``. Elsewhere a dash stays (``——`` is Chinese punctuation).
* Numbers written in Chinese numerals, as 12345 hotline operators transcribe a caller reading out a phone
  or ID number (一三八…, 幺三八…, 壹叁捌…), wholly or in part (1381234五六七八): a run of digits and
  numerals (one space, hyphen, dash, dot, slash or underscore, in either width, may stand between two)
  with at least ``MIN_NUMERAL_RUN`` characters is written in Arabic digits. Shorter runs (二〇二六年, 三号楼) stay as
  written. A numeral or two glued to either end of a number may be a word's (the 三 of 张三 before a mobile
  read out, 三楼 after it): when the run is no personal number's shape (``_SHAPE_TIERS``: an ID number, a
  mobile, a card number, a landline) but is one without them, they stay as written and the number keeps
  its edge. A number in digits with no more than that glued to it (张三13812345678) is left as typed.
* Digits of other scripts and styles (Arabic-Indic ٣١٠…, Devanagari, Mongolian, mathematical bold 𝟑𝟏𝟎…,
  circled ③①⓪…, superscript …): a run of digits in which they stand, with at least ``MIN_NUMERAL_RUN``
  digits, is written in Arabic digits. Alone or in a short run (50m², a list's ⑴) they stay as written.
* An ID number's check character typed as a look-alike of X (×, Ⅹ, ✕ …) after 17 digits: written ``X``.
* A number typed digit by digit with a separator after each (3 1 0 1 1 5 …, 1-3-8-…): a run of at least
  ``MIN_SPACED_RUN`` single digits (an ID number's final X included) is written without the separators.
  Grouped numbers (138 1234 5678) are the recognizers' business and stay as typed.

Every path that looks for personal data in free text reads the plain text (the batch masker and the
per-cell one, the leak scan, the column classifier), and the masked text written to the shared zone is the
plain text: what this changes is invisible, or reads the same. Nothing else is normalised here: full-width
forms are folded 1:1 by the recognizers themselves, so Chinese punctuation is written back unchanged.

:func:`plain_texts` finds the cells that need any of this with one RE2 pass (``NEEDS_WORK``, a superset:
a test holds it to that) and rewrites only those, with :func:`plain_text`: one implementation for a cell
and an array.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from governance.pii import patterns
from governance.pii.checksums import is_valid_resident_id, luhn_ok
from governance.pii.patterns import INVISIBLE

# Spaces other than ASCII's. The ideographic space (U+3000) is full-width: the recognizers fold it.
SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f"
DASHES = "\u2010-\u2015\u2212\ufe58\ufe63"
DIGITS = "0-9\uff10-\uff19"  # ASCII and full-width
NUMERAL_VALUES = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "幺": "1",  # "yao", how 1 is read out in a number
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "壹": "1",  # the financial capitals, written on forms and receipts
    "贰": "2",
    "叁": "3",
    "肆": "4",
    "伍": "5",
    "陆": "6",
    "柒": "7",
    "捌": "8",
    "玖": "9",
}
NUMERALS = "".join(NUMERAL_VALUES)
# The zeros of Unicode's decimal-digit blocks (category Nd, 0–9 in order) other than ASCII and full-width.
_DECIMAL_ZEROS = (
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
    0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50,
    0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136,
    0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50,
    0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0,
    0x1E950, 0x1FBF0,
)  # fmt: skip
# Characters that are a digit but no decimal digit (superscripts, subscripts, circled, parenthesised, with
# a full stop, dingbats …): every one Unicode gives a digit value, as inclusive ranges.
_STYLED_DIGIT_RANGES = (
    (0xB2, 0xB3), (0xB9, 0xB9), (0x1369, 0x1371), (0x19DA, 0x19DA), (0x2070, 0x2070), (0x2074, 0x2079),
    (0x2080, 0x2089), (0x2460, 0x2468), (0x2474, 0x247C), (0x2488, 0x2490), (0x24EA, 0x24EA),
    (0x24F5, 0x24FD), (0x24FF, 0x24FF), (0x2776, 0x277E), (0x2780, 0x2788), (0x278A, 0x2792),
    (0x10A40, 0x10A43), (0x10E60, 0x10E68), (0x11052, 0x1105A), (0x1F100, 0x1F10A),
)  # fmt: skip
OTHER_DIGIT_VALUES = {
    **{chr(zero + d): str(d) for zero in _DECIMAL_ZEROS for d in range(10)},
    **{
        chr(cp): str(unicodedata.digit(chr(cp)))
        for first, last in _STYLED_DIGIT_RANGES
        for cp in range(first, last + 1)
    },
}
# The same characters as a character-class body, RE2 and Python alike.
OTHER_DIGITS = "".join(
    [f"{chr(zero)}-{chr(zero + 9)}" for zero in _DECIMAL_ZEROS]
    + [f"{chr(first)}-{chr(last)}" for first, last in _STYLED_DIGIT_RANGES]
)
# What may stand between two digits of a number read out or typed: one space, hyphen, dash, dot, slash or
# underscore, in either width (the recognizers' group separators, ``patterns.GROUP_SEPARATORS``, and more).
NUMBER_SEPARATORS = (
    " .-/_\u3000\uff0d\uff0e\uff0f\uff3f\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
)
# What is typed for that X when the keyboard offers none: the multiplication sign, Roman ten, crosses.
LOOKALIKE_X = "×Ⅹⅹ✕✗╳"
# The shortest run rewritten: a landline without its area code has 7 digits.
MIN_NUMERAL_RUN = 7
# How many numerals glued to either end of a number may belong to a word: 张三, 王五六 (a name), 三楼.
MAX_GLUED = 2
# What a run read in digits may be: the recognizers' shapes, the two most asked for first (a name's 五
# before an ID number read out would otherwise make a card number's shape), each with the check that a
# run without the numerals glued to it must also pass to count as one (a number's edge is not moved on a
# shape alone: a card number read out would lose its first digit to a 15-digit ID's shape).
_SHAPE_TIERS: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        re.compile(f"(?:{patterns.resident_id()})|(?:{patterns.mobile_number()})"),
        lambda digits: len(digits) == 11 or is_valid_resident_id(digits),
    ),
    (
        re.compile(
            f"(?:{patterns.bank_card()})|(?:{patterns.landline_bare()})|(?:{patterns.local_number()})"
        ),
        lambda digits: len(digits) < 16 or luhn_ok(digits),
    ),
)
# Numerals left as written at the (head, tail) of a run, fewest first.
_TRIMS = sorted(
    ((head, tail) for head in range(MAX_GLUED + 1) for tail in range(MAX_GLUED + 1) if head or tail),
    key=lambda trim: (sum(trim), trim[1]),
)

# The shortest run of single spaced-out digits rewritten: a mobile number has 11.
MIN_SPACED_RUN = 11

_SEPARATOR = "[" + NUMBER_SEPARATORS.replace("-", "\\-") + "]"  # RE2 and Python alike
# Any cell plain_text would change matches this (RE2 and Python alike): a run of 7 with a numeral has a
# numeral beside a numeral or a digit, and a spaced-out run three digits with a separator after each, so
# the last two alternatives are cheap and never miss one.
NEEDS_WORK = (
    f"[{INVISIBLE}]|[{SPACES}]|[{OTHER_DIGITS}]|[{DIGITS}][{DASHES}][{DIGITS}]"
    f"|[{NUMERALS}]{_SEPARATOR}?[{DIGITS}{NUMERALS}]|[{DIGITS}]{_SEPARATOR}?[{NUMERALS}]"
    f"|[{DIGITS}{NUMERALS}]{_SEPARATOR}[{DIGITS}{NUMERALS}]{_SEPARATOR}[{DIGITS}{NUMERALS}]"
    f"|[{DIGITS}]{_SEPARATOR}?[{LOOKALIKE_X}]"
)

_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]+")
_SPACES_RE = re.compile(f"[{SPACES}]")
_DASH_RE = re.compile(f"(?<=[{DIGITS}])[{DASHES}](?=[{DIGITS}])")
_CHECK_X = "Xx\uff38\uff58"  # an ID number's last character, in either width
_RUN_RE = re.compile(
    f"[{DIGITS}{NUMERALS}](?:{_SEPARATOR}?[{DIGITS}{NUMERALS}])*(?:{_SEPARATOR}?[{_CHECK_X}])?"
)
_OTHER_DIGIT_RE = re.compile(f"[{OTHER_DIGITS}]")
_OTHER_RUN_RE = re.compile(f"[{DIGITS}{OTHER_DIGITS}](?:{_SEPARATOR}?[{DIGITS}{OTHER_DIGITS}])*")
_OTHER_TO_DIGITS = str.maketrans(OTHER_DIGIT_VALUES)
_TO_DIGITS = str.maketrans(NUMERAL_VALUES)
# Numerals, full-width digits and the check X as ASCII: how a run is compared with the shapes.
_AS_ASCII = str.maketrans(
    {**NUMERAL_VALUES, **{chr(0xFF10 + d): str(d) for d in range(10)}, **dict.fromkeys(_CHECK_X, "X")}
)
_SPACED_RE = re.compile(
    f"(?<![{DIGITS}])[{DIGITS}](?:{_SEPARATOR}[{DIGITS}]){{{MIN_SPACED_RUN - 1},}}"
    f"(?:{_SEPARATOR}[{_CHECK_X}])?(?![{DIGITS}])"
)
_SEPARATOR_RE = re.compile(_SEPARATOR)
# 17 digits and a look-alike of X: an ID number whose check character was typed with what was at hand.
_LOOKALIKE_CHECK_RE = re.compile(
    f"(?<![{DIGITS}])([{DIGITS}](?:{_SEPARATOR}?[{DIGITS}]){{16}}{_SEPARATOR}?)[{LOOKALIKE_X}]"
)


def _numerals_as_digits(run: re.Match[str]) -> str:
    """A run of digits and numerals (and single separators) with its numerals written in digits, but for
    a word's numerals glued to either end of a number (see the module's docstring)."""
    text = run.group()
    places = [i for i, c in enumerate(text) if c not in NUMBER_SEPARATORS]
    numerals = [i for i in places if text[i] in NUMERAL_VALUES]
    if not numerals or len(places) < MIN_NUMERAL_RUN:
        return text
    digits = "".join(text[i] for i in places).translate(_AS_ASCII)
    for shape, valid in _SHAPE_TIERS:
        if shape.fullmatch(digits):
            return text.translate(_TO_DIGITS)
        for head, tail in _TRIMS:
            glued = places[:head] + places[len(places) - tail :]
            inner = digits[head : len(digits) - tail]
            if all(text[i] in NUMERAL_VALUES for i in glued) and shape.fullmatch(inner) and valid(inner):
                start, end = places[head], places[len(places) - tail - 1] + 1
                return text[:start] + text[start:end].translate(_TO_DIGITS) + text[end:]
    edges = set(places[:MAX_GLUED] + places[-MAX_GLUED:])
    if len(numerals) < len(places) and set(numerals) <= edges:
        return text  # a number in digits with a word's numerals beside it
    return text.translate(_TO_DIGITS)


def _other_digits_as_digits(run: re.Match[str]) -> str:
    """A run of digits with other scripts' or styled digits in it, written in Arabic digits when it is long
    enough to be a number (``MIN_NUMERAL_RUN``)."""
    text = run.group()
    places = sum(c not in NUMBER_SEPARATORS for c in text)
    return text.translate(_OTHER_TO_DIGITS) if places >= MIN_NUMERAL_RUN else text


def plain_text(text: str) -> str:
    """``text`` without invisible characters, with ASCII spaces and digit dashes, numbers in Arabic digits
    and without separators between single digits."""
    text = _INVISIBLE_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    if _OTHER_DIGIT_RE.search(text):
        text = _OTHER_RUN_RE.sub(_other_digits_as_digits, text)
    text = _RUN_RE.sub(_numerals_as_digits, text)
    text = _DASH_RE.sub("-", text)
    text = _LOOKALIKE_CHECK_RE.sub(r"\1X", text)
    return _SPACED_RE.sub(lambda run: _SEPARATOR_RE.sub("", run.group()), text)


def plain_texts(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A string array's cells in plain text (nulls stay null); the array itself when no cell needs it."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    needs = pc.fill_null(pc.match_substring_regex(values, NEEDS_WORK), False)
    if not pc.any(needs).as_py():
        return values
    rewritten = [plain_text(text) for text in values.filter(needs).to_pylist()]
    return pc.replace_with_mask(values, needs, pa.array(rewritten, type=values.type))

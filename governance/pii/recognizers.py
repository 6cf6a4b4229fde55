"""Presidio recognizers for Chinese personal data (language "zh"), usable on their own.

Why not Presidio's stock behaviour:
* ``\\b`` does not work next to Chinese characters, so every pattern uses ASCII letter/digit
  lookarounds instead.
* Presidio's context enhancer needs lemmas from an NLP model; we run without one, so context words
  are scored on a raw character window before the match (and a negative window for order numbers).
* Full-width input (３１０１１５…, ＠) is translated 1:1 to ASCII before matching, so offsets stay
  valid for the original text.

Entity types are the glossary identifiers exactly (``cn_resident_id`` …).
"""

from __future__ import annotations

import functools

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

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
from governance.pii.lexicon import (
    COMPOUND_SURNAMES,
    CONTEXT,
    HONORIFICS,
    NAME_LABELS,
    NAME_STOPS,
    NEGATIVE_CONTEXT,
    SINGLE_SURNAMES,
)

LANGUAGE = "zh"
# Case-sensitive on purpose: letters in ids/plates are matched explicitly where case may vary.
_FLAGS = re.DOTALL | re.MULTILINE
_NB = r"(?<![0-9A-Za-z])"  # not preceded by an ASCII letter/digit (replaces \b)
_NA = r"(?![0-9A-Za-z])"  # not followed by one
_SEP = r"[ \t-]?"
CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


@functools.lru_cache(maxsize=16)
def _ascii_view(text: str) -> str:
    # Every recognizer of one analyze call needs the same translation: compute it once.
    return checksums.normalise_fullwidth(text)


class ZhPatternRecognizer(PatternRecognizer):
    """Pattern recognizer with raw-window context scoring and a per-match validator.

    Subclasses override :meth:`check` (return ``None`` to reject, or a base score) instead of
    Presidio's ``validate_result``, which can only force 0 or 1.
    """

    WINDOW = 12  # characters before the match searched for context words
    BOOST = 0.35
    PENALTY = 0.5

    def __init__(
        self,
        entity: str,
        patterns: list[Pattern],
        context: tuple[str, ...] = (),
        negative_context: tuple[str, ...] = NEGATIVE_CONTEXT,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_entity=entity,
            name=name or type(self).__name__,
            supported_language=LANGUAGE,
            patterns=patterns,
            context=list(context),
            global_regex_flags=_FLAGS,
        )
        self.negative_context = tuple(negative_context)
        self._compiled = [(p, re.compile(p.regex, _FLAGS)) for p in self.patterns]

    def check(self, value: str, score: float) -> float | None:
        """Validate a normalised match; return its base score or ``None`` to drop it."""
        return score

    def context_score(self, text: str, start: int, score: float) -> float:
        """Raise/lower ``score`` by the context word nearest before ``start`` within the window."""
        window = text[max(0, start - self.WINDOW) : start].lower()
        pos = max((window.rfind(w) + len(w) for w in self.context or () if w in window), default=-1)
        neg = max((window.rfind(w) + len(w) for w in self.negative_context if w in window), default=-1)
        if pos < 0 and neg < 0:
            return score
        return min(1.0, score + self.BOOST) if pos >= neg else max(0.0, score - self.PENALTY)

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        norm = _ascii_view(text)
        results: list[RecognizerResult] = []
        for pattern, compiled in self._compiled:
            for m in compiled.finditer(norm):
                start, end = m.span("v") if "v" in compiled.groupindex else m.span()
                base = self.check(norm[start:end], pattern.score)
                if base is None:
                    continue
                score = self.context_score(norm, start, base)
                if score <= 0:
                    continue
                results.append(
                    RecognizerResult(
                        entity_type=self.supported_entities[0],
                        start=start,
                        end=end,
                        score=score,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return EntityRecognizer.remove_duplicates(results)


class ResidentIdRecognizer(ZhPatternRecognizer):
    """18-digit GB 11643 resident ID: region, birth date and check digit must all be valid."""

    REGEX = (
        _NB
        + r"[1-8][0-9]{5}"
        + _SEP
        + r"(?:19|20)[0-9]{2}"
        + _SEP
        + r"[01][0-9][0-3][0-9]"
        + _SEP
        + r"[0-9]{3}[0-9Xx]"
        + _NA
    )

    def __init__(self) -> None:
        super().__init__(
            CN_RESIDENT_ID, [Pattern("cn_resident_id_18", self.REGEX, 1.0)], CONTEXT[CN_RESIDENT_ID]
        )

    def check(self, value: str, score: float) -> float | None:
        # A checksum-valid id stays above threshold even next to an "order number" label.
        return 1.0 if checksums.is_valid_resident_id(value) else None

    def context_score(self, text: str, start: int, score: float) -> float:
        return max(0.7, super().context_score(text, start, score))


class LegacyResidentIdRecognizer(ZhPatternRecognizer):
    """15-digit legacy ID (pre-1999): no check digit, so region + date only and context decides."""

    REGEX = _NB + r"[1-8][0-9]{5}" + _SEP + r"[0-9]{2}[01][0-9][0-3][0-9]" + _SEP + r"[0-9]{3}" + _NA

    def __init__(self) -> None:
        super().__init__(
            CN_RESIDENT_ID, [Pattern("cn_resident_id_15", self.REGEX, 0.4)], CONTEXT["cn_resident_id_legacy"]
        )

    def check(self, value: str, score: float) -> float | None:
        return score if checksums.is_valid_resident_id(value) else None


class MobileRecognizer(ZhPatternRecognizer):
    """Mainland mobile: 1[3-9]x xxxx xxxx, optional +86/0086, spaces or hyphens between groups."""

    REGEX = (
        r"(?<![0-9A-Za-z+])(?:(?:\+86|0086)[ \t-]?)?1[3-9][0-9]"
        + _SEP
        + r"[0-9]{4}"
        + _SEP
        + r"[0-9]{4}"
        + _NA
    )

    def __init__(self) -> None:
        super().__init__(CN_MOBILE, [Pattern("cn_mobile", self.REGEX, 0.7)], CONTEXT[CN_MOBILE])


class LandlineRecognizer(ZhPatternRecognizer):
    """Landline: area code (010, 02x, 0xxx) in brackets or followed by a hyphen, 7–8 digit number."""

    AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
    REGEX = (
        _NB
        + r"(?:\+86[ -]?)?(?:\("
        + AREA
        + r"\)[ ]?|"
        + AREA
        + r"[ -])[2-8][0-9]{6,7}(?:-[0-9]{1,5})?"
        + _NA
    )
    # Without a separator it looks like any 11–12 digit number: needs a context word.
    BARE = _NB + AREA + r"[2-8][0-9]{6,7}" + _NA

    def __init__(self) -> None:
        super().__init__(
            CN_LANDLINE,
            [Pattern("cn_landline", self.REGEX, 0.6), Pattern("cn_landline_bare", self.BARE, 0.3)],
            CONTEXT[CN_LANDLINE],
        )


class PlateRecognizer(ZhPatternRecognizer):
    """Vehicle plate: province + letter + 5 (or new-energy 6) characters, special suffixes 挂学警港澳."""

    L = r"[A-HJ-NP-Za-hj-np-z]"
    REGEX = (
        _NB + r"[" + PLATE_PROVINCES + r"]" + L + r"[·・• ]?"
        r"(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9][0-9]{4}|[0-9]{5}[DFdf]|[A-HJ-NP-Za-hj-np-z0-9]{4}"
        r"[A-HJ-NP-Za-hj-np-z0-9挂学警港澳])" + _NA
    )

    def __init__(self) -> None:
        super().__init__(CN_PLATE, [Pattern("cn_plate", self.REGEX, 0.75)], CONTEXT[CN_PLATE], ())

    def check(self, value: str, score: float) -> float | None:
        serial = re.sub(r"[·・• ]", "", value)[2:]
        digits = sum(c.isdigit() for c in serial)
        # Real serials carry at least 3 digits; this rejects 沪ADOBE, 京ABCDE and similar words.
        return score if digits >= 3 else None


class BankCardRecognizer(ZhPatternRecognizer):
    """Bank card: 16–19 digits (grouped by 4 or not), Luhn-valid, issuer prefix 3–6."""

    REGEX = _NB + r"(?:[3-6][0-9]{15,18}|[3-6][0-9]{3}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?)" + _NA

    def __init__(self) -> None:
        super().__init__(BANK_CARD, [Pattern("bank_card", self.REGEX, 0.8)], CONTEXT[BANK_CARD])

    def check(self, value: str, score: float) -> float | None:
        digits = checksums.normalise_id(value)
        if not 16 <= len(digits) <= 19 or not checksums.luhn_ok(digits):
            return None
        # An 18-digit value that is a valid resident ID is an ID (10% of IDs also pass Luhn).
        return None if checksums.is_valid_resident_id(digits) else score


class UsccRecognizer(ZhPatternRecognizer):
    """GB 32100 unified social credit code. Enterprise id: recognised, never treated as personal."""

    REGEX = _NB + r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}" + _NA

    def __init__(self) -> None:
        super().__init__(CN_USCC, [Pattern("cn_uscc", self.REGEX, 0.95)], CONTEXT[CN_USCC], ())

    def check(self, value: str, score: float) -> float | None:
        return score if checksums.is_valid_uscc(value) else None


class PassportRecognizer(ZhPatternRecognizer):
    """PRC passports: E/G + 8 digits, E + letter + 7 digits; D/S/P (official) need a context word."""

    REGEX = _NB + r"(?:[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7})" + _NA
    OFFICIAL = _NB + r"[DSP][0-9]{7,8}" + _NA

    def __init__(self) -> None:
        super().__init__(
            PASSPORT,
            [Pattern("passport", self.REGEX, 0.6), Pattern("passport_official", self.OFFICIAL, 0.3)],
            CONTEXT[PASSPORT],
        )


class EmailRecognizer(ZhPatternRecognizer):
    """Own e-mail pattern: Presidio's needs tldextract, which tries the network once."""

    REGEX = (
        r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
        r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
    )

    def __init__(self) -> None:
        super().__init__(EMAIL, [Pattern("email", self.REGEX, 0.9)], CONTEXT[EMAIL], ())


class AddressRecognizer(ZhPatternRecognizer):
    """Address down to a house number: [省][市][区/县][镇/街道][路/街/弄…] + 88号/5弄/1201室.

    A place name without a house number (申港大道, 滴水湖地铁站) is not personal and not matched.
    """

    # Characters that end an address run: verbs/labels around addresses in sentences.
    _C = r"(?:(?![住址是的于和及与电话身份证手机姓患者称反映投诉在，。；：,;:\s])" + CJK + r")"
    _NUM = r"[0-9]+"
    REGEX = (
        r"(?P<v>(?:" + _C + r"{1,6}(?:省|自治区))?(?:" + _C + r"{1,6}市)?(?:" + _C + r"{1,8}(?:区|县))?"
        r"(?:" + _C + r"{1,6}(?:镇|乡|街道))?(?:" + _C + r"{1,10}(?:公路|大道|路|街|道|巷|村|弄))?"
        r"(?:" + _NUM + r"(?:号楼|弄|号|栋|幢|单元|室|层|楼)[-之]?){1,5})"
    )

    def __init__(self) -> None:
        super().__init__(ADDRESS, [Pattern("address", self.REGEX, 0.7)], CONTEXT[ADDRESS], ())

    def check(self, value: str, score: float) -> float | None:
        head = re.match(r"\D*", value).group(0)
        # A house number alone (1号线, 302室) is not an address; a place part must precede it.
        if len(head) < 2 or not re.search(
            r"(?:省|自治区|市|区|县|镇|乡|街道|公路|大道|路|街|道|巷|村|弄)$", head
        ):
            return None
        return score


SPEECH_VERBS = "(?:来电|致电|反映|投诉|举报|报称|表示|称)"
# Words a surname character can start that are not names ("来电反映", "市民反映").
NOT_NAMES = frozenset(
    {"来电", "致电", "市民", "居民", "群众", "来访", "有人", "司机", "车主", "业主", "商户"}
)


class ChineseNameRecognizer(EntityRecognizer):
    """Chinese person names: a surname (compound first) + 1–2 given characters, accepted only when a
    label (姓名/患者/申请人/联系人…) sits within a small raw character window before it, or an
    honorific (先生/女士…) follows it. No NER model: this is deliberately precision-first.
    """

    WINDOW_SEPARATORS = r"(?:[ \t:：,，、(（]|为|是|叫|名叫){0,3}"

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[PERSON_NAME], name="ChineseNameRecognizer", supported_language=LANGUAGE
        )
        surname = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SINGLE_SURNAMES + "])"
        labels = "|".join(sorted(NAME_LABELS, key=len, reverse=True))
        honor = "|".join(HONORIFICS)
        self._labelled = re.compile(
            r"(?:" + labels + r")" + self.WINDOW_SEPARATORS + r"(?P<v>" + surname + CJK + r"{0,2})", _FLAGS
        )
        self._titled = re.compile(r"(?P<v>" + surname + CJK + r"{1,2}?)(?=" + honor + r")", _FLAGS)
        # A clause that opens with a name and a reporting verb: "刘波来电称…", "，王芳反映…".
        self._speaker = re.compile(
            r"(?:^|(?<=[。；;，,\s！!？?：:]))(?P<v>" + surname + CJK + r"{1,2}?)(?=" + SPEECH_VERBS + r")",
            _FLAGS,
        )
        self._stops = tuple(NAME_STOPS)
        self._compound = tuple(COMPOUND_SURNAMES)

    def load(self) -> None:  # nothing to load: no model
        pass

    def _trim(self, text: str, start: int, end: int) -> int:
        """End of the name after cutting the given name where a stop word begins."""
        surname_len = 2 if text.startswith(self._compound, start) else 1
        for i in range(start + surname_len, end):
            if text.startswith(self._stops, i):
                return i
        return end

    def analyze(self, text, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for regex, score in ((self._labelled, 0.85), (self._titled, 0.75), (self._speaker, 0.6)):
            for m in regex.finditer(text):
                start, end = m.span("v")
                end = self._trim(text, start, end)
                surname_len = 2 if text.startswith(self._compound, start) else 1
                # A surname alone (王先生) identifies nobody; require at least one given character.
                if end - start - surname_len < 1 or text[start:end] in NOT_NAMES:
                    continue
                results.append(
                    RecognizerResult(
                        PERSON_NAME,
                        start,
                        end,
                        score,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return EntityRecognizer.remove_duplicates(results)


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


# RE2 (pyarrow.compute) prefilter: a cell that does not match cannot produce any personal finding,
# so only matching cells are sent to Presidio. It is a superset of every recognizer's trigger:
# 7+ digits (separators allowed), @, a plate province + letter, a house number, and a name label
# or title *next to a surname* (a bare "市民反映…" opens almost every hotline ticket).
_SURNAME_CHARS = "".join(sorted(set(SINGLE_SURNAMES) | {c[0] for c in COMPOUND_SURNAMES}))
_D = "[0-9０-９]"
# Which recognizers a candidate needs: each group's RE2 pattern is a superset of the triggers of
# its entities, so analysing a cell with only those entities gives the same result as all of them.
_S = r"[ \t\-－\x{3000}]"  # a separator a person types between digit groups
PREFILTER_GROUPS: dict[str, tuple[str, ...]] = {
    # Every landline and passport number holds 7+ contiguous digits.
    _D + r"{7}": (CN_LANDLINE, PASSPORT),
    r"[1１]" + _D + r"{2}" + _S + r"?" + _D + r"{4}" + _S + r"?" + _D + r"{4}": (CN_MOBILE,),
    # 18-digit ids grouped 6-4-4-4, 15-digit ones 6-6-3.
    _D
    + r"{6}"
    + _S
    + r"?"
    + _D
    + r"{4}"
    + _S
    + r"?"
    + _D
    + r"{4}"
    + _S
    + r"?"
    + _D
    + r"{3}|"
    + _D
    + r"{6}"
    + _S
    + r"?"
    + _D
    + r"{6}"
    + _S
    + r"?"
    + _D
    + r"{3}": (CN_RESIDENT_ID,),
    _D + r"{4}" + _S + r"?" + _D + r"{4}" + _S + r"?" + _D + r"{4}" + _S + r"?" + _D + r"{4}": (BANK_CARD,),
    # Not personal, but it must run wherever it could match: a USCC span outranks an id inside it.
    r"[0-9A-Z０-９Ａ-Ｚ]{2}" + _D + r"{6}[0-9A-Z０-９Ａ-Ｚ]{10}": (CN_USCC,),
    r"[@＠]": (EMAIL,),
    r"[" + PLATE_PROVINCES + r"][A-Za-zＡ-Ｚａ-ｚ]": (CN_PLATE,),
    r"(?:" + "|".join(NAME_LABELS) + r")[ \t:：,，、(（为是叫名]{0,3}[" + _SURNAME_CHARS + r"]"
    r"|[" + _SURNAME_CHARS + r"]\p{Han}{1,3}(?:" + "|".join(HONORIFICS) + r")": (PERSON_NAME,),
    _D + r"(?:号|弄|室|栋|幢|单元|层|楼)": (ADDRESS,),
}
# RE2 (pyarrow.compute) prefilter: a cell that does not match cannot produce any personal finding,
# so only matching cells are sent to Presidio. A name label counts only next to a surname: a bare
# "市民反映…" opens almost every hotline ticket.
PREFILTER = "|".join(f"(?:{p})" for p in PREFILTER_GROUPS)

"""Chinese person names without a model: a surname (compound first) + 1–2 given characters (maybe spaced
out: 张 三), or a transliterated name whose parts a middle dot joins (艾合买提·买买提), taken only
where a label precedes it (患者张伟, 联系人：欧阳娜娜), a title follows it (李建国先生) or it opens a
clause before a reporting verb (王小明来电称…, ，王芳反映…) or before its own identifiers in brackets
(邱建平（身份证…）). Deliberately precision-first.

Each context is written once, as fragments. The recognizer's patterns (with lookarounds) and the RE2
trigger the batch masker routes cells by (no lookarounds in RE2) are assembled from the same fragments,
so every cell the recognizer can find a name in also reaches it in the batch path.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import EntityRecognizer, RecognizerResult

from governance.pii.classes import PERSON_NAME
from governance.pii.lexicon import (
    COMPOUND_SURNAMES,
    HONORIFICS,
    IDENTITY_WORDS,
    NAME_LABELS,
    NAME_STOPS,
    NOT_NAMES,
    OWNED_IDENTIFIERS,
    SINGLE_SURNAMES,
    SPEECH_VERBS,
)
from governance.pii.patterns import CJK, LATIN_LETTER, LATIN_NAME
from governance.pii.recognizer_base import FLAGS, LANGUAGE

SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SINGLE_SURNAMES + "])"
# A space typed inside a name, as forms align two-character names with three-character ones (张 三, 陈 小 红).
NAME_SPACE_CHARS = " \u3000"
NAME_SPACE = "[" + NAME_SPACE_CHARS + "]"


def _label(label: str) -> str:
    """A label as forms write it: its characters spaced out to align a column (姓 名：, 联　系　人：), and one
    ending in 人 also with 员 after it for the same person (参保人员王芳, 经办人员刘洋, 联系人员：陈静)."""
    spaced = (NAME_SPACE + "*").join(label)
    return spaced + "员?" if label.endswith("人") else spaced


LABEL = "(?:" + "|".join(_label(label) for label in sorted(NAME_LABELS, key=len, reverse=True)) + ")"
HONORIFIC = "(?:" + "|".join(HONORIFICS) + ")"
SPEECH_VERB = "(?:" + "|".join(SPEECH_VERBS) + ")"
# In brackets right after a name: a word introducing the person's identifier, or the identifier itself, a
# mobile or the start of an ID number (region and birth year): 王伟(13812345678), 王伟（310115 1948…）.
ANNOTATION = "[（(](?:" + "|".join(IDENTITY_WORDS) + "|1[3-9][0-9]{9}|[1-8][0-9]{5}(?:19|20)[0-9]{2})"
POSSESSION = "的(?:" + "|".join(OWNED_IDENTIFIERS) + ")"
# What follows a name that opens a clause: a reporting verb, the person's identifiers in brackets, or
# 的 and what the identifier is (张三的手机是…).
SPOKEN_OR_ANNOTATED = "(?:" + SPEECH_VERB + "|" + ANNOTATION + "|" + POSSESSION + ")"
# Between a label and the name: 姓名：张伟, 联系人为王芳, 患者名叫李强, 病人名：李四, 患者名字是王五.
LABEL_GAP = r"(?:[ \t:：,，、(（]|为|是|叫|名叫|名字|名[:：]){0,3}"
# What a clause opening with a name follows: punctuation or white space, spelled out because RE2's
# \s is ASCII only and regex's is not.
CLAUSE_BREAK = "[。；;，,！!？?：:\t\n\r\f\v \u3000\u00a0]"
# Given characters after the surname: written together, or each after one space (张三, 张 三, 陈 小 红). Not
# a space after a given character otherwise: 张三 李四 is two names.
GIVEN = "(?:(?:" + NAME_SPACE + CJK + "){1,2}|" + NAME_SPACE + "?" + CJK + "{0,2})"
# A transliterated name (Uyghur, Tibetan, foreign), its parts joined by a middle dot or a dot: 艾合买提·买买提.
NAME_DOT_CHARS = "·・•‧."
NAME_DOTS = "[" + NAME_DOT_CHARS + "]"
DOTTED = CJK + "{1,8}(?:" + NAME_DOTS + CJK + "{1,10}){1,3}"
# More names after a labelled one, in a list: 联系人：张三、李四 / 申请人王小明和李红. Not after a space or a
# comma: 患者张伟 高血压 is one name and a diagnosis.
LIST_JOINERS = "(?:[、/／]|和|及|与)"
# The joining words that are surnames as well (和), read as joiners where a whole name follows them.
JOINED_BEFORE = frozenset(c for c in "和及与" if c in SINGLE_SURNAMES)


class ChineseNameRecognizer(EntityRecognizer):
    """Names after a label, before a title, or opening a clause before a reporting verb or an
    annotation in brackets."""

    # Python patterns: the name is the ``v`` group; what only qualifies it is looked around.
    LABELLED = LABEL + LABEL_GAP + "(?P<v>" + SURNAME + GIVEN + ")"
    LABELLED_DOTTED = LABEL + LABEL_GAP + "(?P<v>" + DOTTED + ")"
    LABELLED_LATIN = LABEL + LABEL_GAP + "(?P<v>" + LATIN_NAME + ")(?!" + LATIN_LETTER + ")"
    LISTED = LIST_JOINERS + "(?P<v>" + SURNAME + CJK + "{1,2})"
    TITLED = "(?P<v>" + SURNAME + CJK + "{1,2}?)(?=" + HONORIFIC + ")"
    OPENING = (
        "(?:^|(?<=" + CLAUSE_BREAK + "))(?P<v>" + SURNAME + CJK + "{1,2}?)(?=" + SPOKEN_OR_ANNOTATED + ")"
    )
    # The same, as RE2 can read it: every cell one of the patterns matches in, one of these matches.
    TRIGGER = "|".join(
        (
            LABEL + LABEL_GAP + SURNAME,
            LABEL + LABEL_GAP + CJK + "{1,8}" + NAME_DOTS + CJK,
            LABEL + LABEL_GAP + LATIN_LETTER + "{2}",
            SURNAME + CJK + "{1,2}" + HONORIFIC,
            "(?:^|" + CLAUSE_BREAK + ")" + SURNAME + CJK + "{1,2}" + SPOKEN_OR_ANNOTATED,
        )
    )

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[PERSON_NAME], name="ChineseNameRecognizer", supported_language=LANGUAGE
        )
        self.trigger = self.TRIGGER
        self._patterns = tuple(
            (re.compile(p, FLAGS), score)
            for p, score in (
                (self.LABELLED, 0.85),
                (self.LABELLED_DOTTED, 0.85),
                (self.LABELLED_LATIN, 0.85),
                (self.TITLED, 0.75),
                (self.OPENING, 0.6),
            )
        )
        self._stops = tuple(NAME_STOPS)
        self._word_stops = tuple(stop for stop in NAME_STOPS if len(stop) > 1)
        self._labelled = self._patterns[0][0]
        self._listed = re.compile(self.LISTED, FLAGS)
        self._latin = re.compile(LATIN_LETTER)
        self._compound = tuple(COMPOUND_SURNAMES)
        self._surname = re.compile(SURNAME)
        # Words that begin with a surname character but name a role, not a person (来电人, 公司, 司机).
        self._not_names = tuple(NOT_NAMES | set(NAME_LABELS))

    def load(self) -> None:  # nothing to load: no model
        pass

    def _trim(self, text: str, start: int, end: int) -> int:
        """End of the name after cutting the given name where a stop word begins. In a transliterated
        name only a word of two or more characters after its last dot ends it (阿不都热合曼 holds 都)."""
        dots = [i for i in range(start, end) if text[i] in NAME_DOT_CHARS]
        first, stops = (
            (dots[-1] + 2, self._word_stops)
            if dots
            else (start + self._surname_len(text, start), self._stops)
        )
        for i in range(first, end):
            if text.startswith(stops, i):
                return i
        return end

    def _surname_len(self, text: str, start: int) -> int:
        return 2 if text.startswith(self._compound, start) else 1

    def analyze(self, text, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for regex, score in self._patterns:
            for m in regex.finditer(text):
                found = self._name(text, *m.span("v"), score)
                results += [found] if found else []
                if regex is self._labelled and found:
                    results += self._names_listed_after(text, found)
        return EntityRecognizer.remove_duplicates(results)

    def _names_listed_after(self, text: str, first: RecognizerResult) -> list[RecognizerResult]:
        """The names a list joins to a labelled one (张三、李四和王五), each checked like the first."""
        names, end = [], first.end
        while (m := self._listed.match(text, end)) and (found := self._name(text, *m.span("v"), first.score)):
            names.append(found)
            end = found.end
        return names

    def _name(self, text: str, start: int, end: int, score: float) -> RecognizerResult | None:
        """The name in ``text[start:end]`` once trimmed, or None when no person is named there."""
        if self._latin.match(text, start):
            return self._result(start, end, score)
        end = self._trim(text, start, end)
        while end > start and text[end - 1] in NAME_SPACE_CHARS:
            end -= 1
        if text[start] in JOINED_BEFORE and self._surname.match(text, start + 1) and end - start >= 3:
            # 张伟先生和李娜女士: 和 is a surname too, but before a whole name it joins two people.
            start += 1
        surname_len = self._surname_len(text, start)
        given = text[start + surname_len : end].replace(" ", "").replace("\u3000", "")
        # A surname alone (王先生) identifies nobody; require at least one given character.
        if not given or text.startswith(self._not_names, start):
            return None
        return self._result(start, end, score)

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            PERSON_NAME,
            start,
            end,
            score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

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
    SINGLE_SURNAMES,
    SPEECH_VERBS,
)
from governance.pii.patterns import CJK
from governance.pii.recognizer_base import FLAGS, LANGUAGE

SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SINGLE_SURNAMES + "])"
LABEL = "(?:" + "|".join(sorted(NAME_LABELS, key=len, reverse=True)) + ")"
HONORIFIC = "(?:" + "|".join(HONORIFICS) + ")"
SPEECH_VERB = "(?:" + "|".join(SPEECH_VERBS) + ")"
ANNOTATION = "[（(](?:" + "|".join(IDENTITY_WORDS) + ")"
# What follows a name that opens a clause: a reporting verb or the person's identifiers in brackets.
SPOKEN_OR_ANNOTATED = "(?:" + SPEECH_VERB + "|" + ANNOTATION + ")"
# Between a label and the name: 姓名：张伟, 联系人为王芳, 患者名叫李强.
LABEL_GAP = r"(?:[ \t:：,，、(（]|为|是|叫|名叫){0,3}"
# What a clause opening with a name follows: punctuation or white space, spelled out because RE2's
# \s is ASCII only and regex's is not.
CLAUSE_BREAK = "[。；;，,！!？?：:\t\n\r\f\v \u3000\u00a0]"
# A space typed inside a name, as forms align two-character names with three-character ones (张 三, 陈 小 红).
NAME_SPACE_CHARS = " \u3000"
NAME_SPACE = "[" + NAME_SPACE_CHARS + "]"
# Given characters after the surname: written together, or each after one space (张三, 张 三, 陈 小 红). Not
# a space after a given character otherwise: 张三 李四 is two names.
GIVEN = "(?:(?:" + NAME_SPACE + CJK + "){1,2}|" + NAME_SPACE + "?" + CJK + "{0,2})"
# A transliterated name (Uyghur, Tibetan, foreign), its parts joined by a middle dot or a dot: 艾合买提·买买提.
NAME_DOT_CHARS = "·・•‧."
NAME_DOTS = "[" + NAME_DOT_CHARS + "]"
DOTTED = CJK + "{1,8}(?:" + NAME_DOTS + CJK + "{1,10}){1,3}"


class ChineseNameRecognizer(EntityRecognizer):
    """Names after a label, before a title, or opening a clause before a reporting verb or an
    annotation in brackets."""

    # Python patterns: the name is the ``v`` group; what only qualifies it is looked around.
    LABELLED = LABEL + LABEL_GAP + "(?P<v>" + SURNAME + GIVEN + ")"
    LABELLED_DOTTED = LABEL + LABEL_GAP + "(?P<v>" + DOTTED + ")"
    TITLED = "(?P<v>" + SURNAME + CJK + "{1,2}?)(?=" + HONORIFIC + ")"
    OPENING = (
        "(?:^|(?<=" + CLAUSE_BREAK + "))(?P<v>" + SURNAME + CJK + "{1,2}?)(?=" + SPOKEN_OR_ANNOTATED + ")"
    )
    # The same, as RE2 can read it: every cell one of the patterns matches in, one of these matches.
    TRIGGER = "|".join(
        (
            LABEL + LABEL_GAP + SURNAME,
            LABEL + LABEL_GAP + CJK + "{1,8}" + NAME_DOTS + CJK,
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
                (self.TITLED, 0.75),
                (self.OPENING, 0.6),
            )
        )
        self._stops = tuple(NAME_STOPS)
        self._word_stops = tuple(stop for stop in NAME_STOPS if len(stop) > 1)
        self._compound = tuple(COMPOUND_SURNAMES)
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
                start, end = m.span("v")
                end = self._trim(text, start, end)
                while end > start and text[end - 1] in NAME_SPACE_CHARS:
                    end -= 1
                surname_len = self._surname_len(text, start)
                given = text[start + surname_len : end].replace(" ", "").replace("\u3000", "")
                # A surname alone (王先生) identifies nobody; require at least one given character.
                if not given or text.startswith(self._not_names, start):
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

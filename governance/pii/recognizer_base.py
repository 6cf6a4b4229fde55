"""What every Chinese recognizer shares: the language, the folded view of a text, raw-window context
scoring, and the prefilter trigger each one must carry.

Why not Presidio's stock behaviour:
* ``\\b`` does not work next to Chinese characters, so patterns use ASCII letter/digit lookarounds.
* Presidio's context enhancer needs lemmas from an NLP model; we run without one, so context words
  are scored on a raw character window before the match (and a negative window for order numbers).
* Full-width input (３１０１１５…, ＠) is folded 1:1 to ASCII before matching, so offsets stay valid
  for the original text.

The batch masker runs a recognizer only on cells its ``trigger`` (RE2) matches. A pattern recognizer
gets both from one shape in ``governance.pii.patterns``: the pattern from the folded spelling, the
trigger from the written one, so the trigger cannot miss a cell the pattern would match.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from governance.pii import checksums
from governance.pii.lexicon import NEGATIVE_CONTEXT
from governance.pii.patterns import FOLDED, WRITTEN, Spelling

LANGUAGE = "zh"
# Case-sensitive on purpose: shapes list the letter cases they accept.
FLAGS = re.DOTALL | re.MULTILINE
NOT_AFTER_ALNUM = r"(?<![0-9A-Za-z])"  # replaces \b before a match
NOT_BEFORE_ALNUM = r"(?![0-9A-Za-z])"  # and after it
# For a number whose check or shape is strong enough to stand glued to a word (ID310115…, tel138…): only
# another digit makes it part of a longer number.
NOT_AFTER_DIGIT = r"(?<![0-9])"
NOT_BEFORE_DIGIT = r"(?![0-9])"
# For a match that opens with a word (Tel: 5888 1234): not the end of a longer one (hotel).
NOT_AFTER_LETTER = r"(?<![A-Za-z])"


@dataclass(frozen=True)
class Shaped:
    """A Presidio pattern and the RE2 trigger that matches every cell the pattern can match in."""

    pattern: Pattern
    trigger: str


def shaped(
    name: str,
    shape: Callable[[Spelling], str],
    score: float,
    before: str = NOT_AFTER_ALNUM,
    after: str = NOT_BEFORE_ALNUM,
) -> Shaped:
    """The pattern matches ``shape`` as typed (on the folded text); the trigger, as stored."""
    return Shaped(Pattern(name, before + shape(FOLDED) + after, score), shape(WRITTEN))


@functools.lru_cache(maxsize=16)
def ascii_view(text: str) -> str:
    # Every recognizer of one analyze call needs the same translation: compute it once.
    return checksums.normalise_fullwidth(text)


class ZhPatternRecognizer(PatternRecognizer):
    """Pattern recognizer with raw-window context scoring, a per-match check and a prefilter trigger.

    Subclasses override :meth:`check` (return ``None`` to reject, or a base score) instead of
    Presidio's ``validate_result``, which can only force 0 or 1.
    """

    WINDOW = 12  # characters before the match searched for context words
    BOOST = 0.35
    PENALTY = 0.5

    def __init__(
        self,
        entity: str,
        patterns: list[Shaped],
        context: tuple[str, ...] = (),
        negative_context: tuple[str, ...] = NEGATIVE_CONTEXT,
    ) -> None:
        super().__init__(
            supported_entity=entity,
            name=type(self).__name__,
            supported_language=LANGUAGE,
            patterns=[p.pattern for p in patterns],
            context=list(context),
            global_regex_flags=FLAGS,
        )
        self.trigger = "|".join(f"(?:{p.trigger})" for p in patterns)
        self.negative_context = tuple(negative_context)
        self._compiled = [(p, re.compile(p.regex, FLAGS)) for p in self.patterns]

    def check(self, value: str, score: float) -> float | None:
        """Validate a folded match; return its base score or ``None`` to drop it."""
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
        norm = ascii_view(text)
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

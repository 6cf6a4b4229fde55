"""The one home of identifier shapes: its spellings nest, and every consumer accepts what it says."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.pii import patterns
from governance.pii.checksums import normalise_fullwidth
from governance.pii.normalise import normalise
from governance.pii.patterns import CANONICAL, FOLDED, SHAPES, WRITTEN, PiiClass, whole
from infra.vocabulary import PII_CLASSES

SHAPE_NAMES = sorted(SHAPES)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_pii_classes_are_the_glossary_classes():
    assert [c.value for c in PiiClass] == list(PII_CLASSES)


def test_importing_the_shapes_costs_nothing():
    import subprocess
    import sys

    code = (
        "import sys, governance.pii.patterns; assert not {'presidio_analyzer', 'pyarrow'} & set(sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


@st.composite
def unfolded(draw, folded: str) -> str:
    """A raw text that folds to ``folded``: any ASCII character may have been typed full width."""
    wide = draw(st.lists(st.booleans(), min_size=len(folded), max_size=len(folded)))
    return "".join(
        ("\u3000" if c == " " else chr(ord(c) + 0xFEE0)) if w and " " <= c <= "~" else c
        for c, w in zip(folded, wide, strict=True)
    )


def _no_trailing_newline(text: str) -> bool:
    # The anchors' $ also matches before a final newline, so the strategy may add one; a line break
    # inside a value is a group separator (a wrapped number) and stays.
    return not text.endswith("\n")


def _re2_matches(pattern: str, text: str) -> bool:
    return bool(pc.match_substring_regex(pa.array([text]), whole(pattern))[0].as_py())


@pytest.mark.parametrize("name", SHAPE_NAMES)
@FAST
@given(data=st.data())
def test_written_spelling_admits_every_raw_form_of_a_typed_value(name, data):
    # The recognizers match FOLDED on the folded text, the prefilter WRITTEN (RE2) on the raw one: a
    # raw spelling the prefilter missed would be a cell the batch masker never analyses.
    shape = SHAPES[name]
    typed = data.draw(st.from_regex(whole(shape(FOLDED)), fullmatch=True).filter(_no_trailing_newline))
    raw = data.draw(unfolded(typed))
    assert normalise_fullwidth(raw) == typed
    assert _re2_matches(shape(WRITTEN), raw), (name, raw)


@pytest.mark.parametrize("name", SHAPE_NAMES)
@FAST
@given(data=st.data())
def test_typed_spelling_admits_the_canonical_one(name, data):
    shape = SHAPES[name]
    value = data.draw(st.from_regex(whole(shape(CANONICAL)), fullmatch=True).filter(_no_trailing_newline))
    typed = shape(FOLDED)
    if name == PiiClass.CN_LANDLINE:
        # Run together (02158001234) it is its own pattern, scored low until a context word lifts it.
        typed = f"(?:{typed}|{patterns.landline_bare(FOLDED)}(?:{patterns.extension(FOLDED)})?)"
    assert re.fullmatch(typed, value), (name, value)


@pytest.mark.parametrize("name", SHAPE_NAMES)
@FAST
@given(data=st.data())
def test_every_written_spelling_normalises_to_the_canonical_shape(name, data):
    # What the masker finds in text, the column validators and masks must accept in a column.
    shape = SHAPES[name]
    written = data.draw(st.from_regex(whole(shape(WRITTEN)), fullmatch=True).filter(_no_trailing_newline))
    canonical = normalise(pa.array([written]), name)[0].as_py()
    assert re.fullmatch(shape(CANONICAL), canonical), (name, written, canonical)


def test_shapes_read_alike_in_every_engine():
    import regex

    for name, shape in SHAPES.items():
        for spelling in patterns.Spelling:
            source = shape(spelling)
            assert r"\d" not in source and "(?<" not in source and "(?=" not in source, name
            re.compile(source), regex.compile(source)
            pc.match_substring_regex(pa.array([""]), source)  # RE2 rejects what it cannot read


def test_prefilter_groups_refuse_a_recognizer_without_a_trigger():
    from presidio_analyzer import PatternRecognizer

    from governance.pii.prefilter import groups_of, prefilter_groups
    from governance.pii.recognizers import all_recognizers

    assert set(prefilter_groups().values()) >= {(r.supported_entities[0],) for r in all_recognizers()}
    plain = PatternRecognizer(supported_entity="cn_mobile", deny_list=["x"], supported_language="zh")
    with pytest.raises(TypeError, match="no prefilter trigger"):
        groups_of([*all_recognizers(), plain])


def test_an_address_written_out_normalises_to_one_form():
    # One person, one pseudonym: the spellings a harvester-shy writer uses all read as the address.
    spellings = [
        "zhang.san@qq.com",
        " Zhang.San @ QQ.COM ",
        "zhang.san@qq。com",
        "zhang(dot)san(at)qq(dot)com",
        "zhang.san [ AT ] qq.com",
        "zhang dot san at qq dot com",
        "zhang.san#qq.com",
        "zhang.san艾特qq.com",
        "ｚｈａｎｇ．ｓａｎ（ａｔ）ｑｑ．ｃｏｍ",
    ]
    assert set(normalise(pa.array(spellings), PiiClass.EMAIL).to_pylist()) == {"zhang.san@qq.com"}

"""The batch masker's RE2 prefilter (pyarrow.compute), built from the analyzer's own recognizers.

A cell none of the triggers matches cannot produce a finding, so it never reaches Presidio; a cell
that does is analysed only by the recognizers whose triggers matched it. Each recognizer carries its
trigger (see ``governance.pii.recognizer_base``): nothing here is written by hand, so adding or
changing a recognizer cannot leave the batch path behind the per-cell one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from presidio_analyzer import EntityRecognizer

from governance.pii.analyzer import build_analyzer
from governance.pii.plain import plain_texts


@functools.cache
def prefilter_groups() -> dict[str, tuple[str, ...]]:
    """RE2 trigger -> entities to analyse a matching cell for, over every recognizer the analyzer runs."""
    return groups_of(build_analyzer().registry.recognizers)


def groups_of(recognizers: Iterable[EntityRecognizer]) -> dict[str, tuple[str, ...]]:
    """Each recognizer's trigger -> its entities; a recognizer without a trigger is an error, not a
    recognizer the batch path silently skips."""
    groups: dict[str, list[str]] = {}
    for recognizer in recognizers:
        trigger = getattr(recognizer, "trigger", None)
        if not trigger:
            raise TypeError(
                f"recognizer {recognizer.name} has no prefilter trigger: the batch masker would never run it"
            )
        groups.setdefault(trigger, []).extend(recognizer.supported_entities)
    return {trigger: tuple(dict.fromkeys(entities)) for trigger, entities in groups.items()}


@functools.cache
def prefilter() -> str:
    """One RE2 pattern: does a cell need Presidio at all."""
    return "|".join(f"(?:{trigger})" for trigger in prefilter_groups())


def candidate_mask(values: pa.Array) -> pa.Array:
    """Boolean array: cells that may contain personal data (nulls -> False)."""
    return pc.fill_null(pc.match_substring_regex(values, prefilter()), False)


def candidate_cells(values: pa.Array) -> list[str]:
    """The cells of ``values`` that may hold personal data, in plain text (``governance.pii.plain``): what a
    scan of free text analyses, so that it reads what the masker reads."""
    plain = plain_texts(values)
    return plain.filter(candidate_mask(plain)).to_pylist()


def candidate_entities(values: pa.Array) -> list[tuple[str, ...]]:
    """For each cell of ``values`` (all candidates), the entities whose triggers it matches."""
    hits = [
        (
            np.asarray(
                pc.fill_null(pc.match_substring_regex(values, rx), False).to_numpy(zero_copy_only=False)
            ),
            entities,
        )
        for rx, entities in prefilter_groups().items()
    ]
    combos: dict[tuple[bool, ...], tuple[str, ...]] = {}
    out = []
    for row in zip(*(h for h, _ in hits), strict=True):
        if row not in combos:
            found = (e for flag, (_, entities) in zip(row, hits, strict=True) if flag for e in entities)
            combos[row] = tuple(dict.fromkeys(found))
        out.append(combos[row])
    return out

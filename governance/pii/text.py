"""Free-text masking: a vectorised RE2 prefilter picks candidate cells, only those go through
Presidio analyze + anonymize; each finding becomes its Chinese tag (<身份证号>, <手机号> …).

Most remarks (12345 tickets, visit notes) carry no personal data; the prefilter skips them at C speed.
Its triggers come from the recognizers themselves (``governance.pii.prefilter``), so the batch path
finds what per-cell Presidio (:func:`mask_one`) finds; a property test holds the two to the same output.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from presidio_analyzer import RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import ConflictResolutionStrategy, OperatorConfig

from governance.pii.analyzer import analyze_results, build_analyzer, empty_nlp_artifacts
from governance.pii.classes import LABELS, PERSONAL_CLASSES
from governance.pii.plain import plain_text, plain_texts
from governance.pii.prefilter import candidate_entities, candidate_mask

MIN_CELLS_PER_PROCESS = 1000  # below this, starting workers costs more than it saves
TAGS = {c: f"<{LABELS[c]}>" for c in PERSONAL_CLASSES}
OPERATORS = {c: OperatorConfig("replace", {"new_value": tag}) for c, tag in TAGS.items()}


@dataclass(frozen=True)
class MaskedText:
    array: pa.Array
    findings_by_class: dict[str, int]
    candidates: int = 0  # cells that passed the prefilter and went through Presidio
    cells_changed: int = 0


@functools.cache
def build_anonymizer() -> AnonymizerEngine:
    return AnonymizerEngine()


def mask_one(text: str, entities: tuple[str, ...] | None = None) -> tuple[str, dict[str, int]]:
    """Mask one string with Presidio analyze + anonymize; returns the masked text and findings per class.

    The textbook per-cell path (``lakehouse mask-text``, and the baseline the batch path is checked
    against). ``entities`` limits the recognizers that run; None runs all. The text is read, and returned,
    in plain text (``governance.pii.plain``).
    """
    text = plain_text(text)
    results = [r for r in analyze_results(text, entities) if r.entity_type in OPERATORS]
    if not results:
        return text, {}
    masked = build_anonymizer().anonymize(
        text=text,
        analyzer_results=results,
        operators=OPERATORS,
        conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
    )
    return masked.text, dict(Counter(r.entity_type for r in results))


def _tagged(text: str, spans: list[RecognizerResult]) -> str:
    """``text`` with each span replaced by its tag, as Presidio's anonymizer does it (tested): spans are
    sorted and non-overlapping (resolve_overlaps); two findings of one class with only spaces between
    them become one tag."""
    parts, at, previous = [], 0, None
    for span in spans:
        gap = text[at : span.start]
        if not (span.entity_type == previous and gap and not gap.strip(" ")):
            parts += (gap, TAGS[span.entity_type])
        at, previous = span.end, span.entity_type
    parts.append(text[at:])
    return "".join(parts)


def mask_candidate(text: str, entities: tuple[str, ...]) -> tuple[str, dict[str, int]]:
    """Batch path for one prefiltered cell: Presidio analyze (shared empty NLP artifacts, only the
    recognizers its prefilter groups call for), then the findings replaced by their tags."""
    spans = [
        r
        for r in analyze_results(text, entities, nlp_artifacts=empty_nlp_artifacts())
        if r.entity_type in TAGS
    ]
    if not spans:
        return text, {}
    return _tagged(text, spans), dict(Counter(r.entity_type for r in spans))


def _init_worker() -> None:
    # Build once per process, not once per cell.
    build_analyzer()
    build_anonymizer()


def _mask_chunk(items: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, dict[str, int]]]:
    return [mask_candidate(t, e) for t, e in items]


def _to_string_array(values: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    return values


def mask_texts(values: pa.Array | pa.ChunkedArray | Sequence[str | None], processes: int = 1) -> MaskedText:
    """Mask personal data in free text. Nulls stay null; USCC codes stay (enterprise ids are public).
    Cells are read, and written, in plain text (``governance.pii.plain``)."""
    given = _to_string_array(values)
    arr = plain_texts(given)
    cand = candidate_mask(arr)
    idx = np.flatnonzero(cand.to_numpy(zero_copy_only=False))
    if len(idx) == 0:
        return MaskedText(arr, {}, 0, _changed(given, arr))
    picked = arr.take(pa.array(idx))
    texts = picked.to_pylist()
    items = list(zip(texts, candidate_entities(picked), strict=True))
    if processes > 1 and len(texts) >= MIN_CELLS_PER_PROCESS * 2:
        chunk = max(64, len(texts) // (processes * 8))
        parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        with multiprocessing.get_context().Pool(processes, initializer=_init_worker) as pool:
            out = [r for part in pool.map(_mask_chunk, parts) for r in part]
    else:
        out = _mask_chunk(items)
    counts: Counter[str] = Counter()
    for _, found in out:
        counts.update(found)
    replaced = pc.replace_with_mask(arr, cand, pa.array([m for m, _ in out], type=arr.type))
    return MaskedText(replaced, dict(counts), len(texts), _changed(given, replaced))


def _changed(before: pa.Array, after: pa.Array) -> int:
    """Cells whose text changed (masked, or written in plain text)."""
    return pc.sum(pc.fill_null(pc.not_equal(before, after), False)).as_py() or 0

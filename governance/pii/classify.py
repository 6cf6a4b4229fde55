"""Column classification from a sample: which PII class a column holds, or ``free_text``.

Structured columns are decided by vectorised whole-cell validators on ~200 sampled values plus the
column name as a hint; Presidio is used only to list what free-text columns contain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from governance.pii.classes import (
    ADDRESS,
    BANK_CARD,
    CN_LANDLINE,
    CN_MOBILE,
    CN_PLATE,
    CN_RESIDENT_ID,
    CN_USCC,
    EMAIL,
    FREE_TEXT,
    PASSPORT,
    PERSON_NAME,
    PRIORITY,
)
from governance.pii.validators import STRUCTURED_CLASSES, validate
from infra.parallel import thread_map

# Column-name fragments (lower-cased) that announce a class. A hint lowers the share of matching
# values needed; it never classifies a column whose values do not match.
NAME_HINTS: dict[str, tuple[str, ...]] = {
    CN_RESIDENT_ID: (
        "id_number",
        "id_no",
        "idno",
        "id_card",
        "idcard",
        "sfz",
        "身份证",
        "证件号",
        "identity",
        "resident_id",
        "citizen_id",
        "id_num",
        "cert_no",
    ),
    CN_MOBILE: ("mobile", "phone", "cell", "tel", "手机", "电话", "联系方式"),
    CN_LANDLINE: ("landline", "phone", "tel", "fax", "电话", "座机", "固话", "传真"),
    CN_PLATE: ("plate", "车牌", "号牌", "license_no", "vehicle_no", "car_no"),
    BANK_CARD: ("bank", "card_no", "card_number", "account_no", "卡号", "账号", "银行"),
    EMAIL: ("email", "e_mail", "mail", "邮箱"),
    PASSPORT: ("passport", "护照"),
    ADDRESS: ("address", "addr", "住址", "地址", "居住地", "户籍地"),
    CN_USCC: ("uscc", "credit_code", "信用代码", "social_credit"),
}
_PERSON_NAME_COLUMN = re.compile(
    r"^(?:name|full_?name|real_?name|xm|姓名|真实姓名)$"
    r"|^(?:pinyin|pinyin_?name|name_?pinyin|english_?name|name_?en|en_?name|拼音|拼音姓名|英文名|英文姓名)$"
    r"|(?:patient|applicant|contact|owner|resident|driver|person|citizen|customer|holder|reporter|caller"
    r"|student|staff|legal_rep|legal_person|guardian|user)_?name$"
    r"|姓名|联系人|患者|申请人|负责人|法定代表人|户主|车主",
    re.IGNORECASE,
)
# Share of sampled values that must match, without / with a name hint. Checksummed classes need
# less: random digits almost never pass GB 11643 or Luhn-plus-issuer by chance.
THRESHOLDS: dict[str, tuple[float, float]] = {
    CN_RESIDENT_ID: (0.3, 0.2),
    BANK_CARD: (0.5, 0.3),
    CN_USCC: (0.3, 0.2),
    PERSON_NAME: (0.9, 0.5),
}
DEFAULT_THRESHOLDS = (0.8, 0.5)
EARLY_DECISION_SHARE = 0.95
FREE_TEXT_MIN_CHARS = 12  # Chinese is dense: 12 characters is already a sentence


@dataclass(frozen=True)
class ColumnClassification:
    pii_class: str | None
    confidence: float
    matched: int
    sampled: int
    found_in_text: tuple[str, ...] = ()  # for free_text: classes found inside the sampled cells
    name_hint: bool = False


def has_name_hint(column: str, pii_class: str) -> bool:
    name = column.strip().lower()
    if pii_class == PERSON_NAME:
        return bool(_PERSON_NAME_COLUMN.search(name))
    return any(h in name for h in NAME_HINTS.get(pii_class, ()))


def sample_values(values: Sequence[str | None] | pa.Array | pa.ChunkedArray, sample_size: int) -> pa.Array:
    """Up to ``sample_size`` non-empty values, evenly spaced (deterministic, no RNG)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), type=pa.string())
    if pa.types.is_integer(values.type) or pa.types.is_decimal(values.type):
        values = values.cast(pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return pa.array([], pa.string())
    present = pc.and_(pc.is_valid(values), pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0))
    values = values.filter(pc.fill_null(present, False))
    if len(values) > sample_size:
        values = values.take(pa.array(np.linspace(0, len(values) - 1, sample_size).astype(np.int64)))
    return values


def _free_text_share(sample: pa.Array) -> float:
    long = pc.greater_equal(pc.utf8_length(sample), FREE_TEXT_MIN_CHARS)
    # Sentences: Han text, or several space-separated words; "1,234,567.89" is neither.
    mixed = pc.match_substring_regex(sample, r"\p{Han}{2}|\S\s+\S+\s+\S")
    return pc.sum(pc.and_(long, mixed).cast(pa.int64())).as_py() / len(sample)


def classify_column(
    name: str, values: Sequence[str | None] | pa.Array | pa.ChunkedArray, sample_size: int = 200
) -> ColumnClassification:
    """Classify a column from a sample of its values and its name."""
    sample = sample_values(values, sample_size)
    n = len(sample)
    if n == 0:
        return ColumnClassification(None, 0.0, 0, 0)
    best: tuple[float, int, str, int, bool] | None = None
    best_share = 0.0
    hints = {c: has_name_hint(name, c) for c in STRUCTURED_CLASSES}
    # Classes the column name announces go first; a near-perfect match there ends the search
    # (each validator costs a few pyarrow passes, and most columns are named for what they hold).
    for pii_class in sorted(STRUCTURED_CLASSES, key=lambda c: not hints[c]):
        hint = hints[pii_class]
        matched = int(validate(sample, pii_class, loose=hint).sum())
        share = matched / n
        best_share = max(best_share, share)
        threshold = THRESHOLDS.get(pii_class, DEFAULT_THRESHOLDS)[1 if hint else 0]
        if share < threshold:
            continue
        rank = (share + (0.15 if hint else 0.0), -PRIORITY[pii_class], pii_class, matched, hint)
        if best is None or rank[:2] > best[:2]:
            best = rank
        if hint and share >= EARLY_DECISION_SHARE:
            break
    if best is not None:
        score, _, pii_class, matched, hint = best
        confidence = min(1.0, score if hint else matched / n * (0.8 if pii_class == PERSON_NAME else 1.0))
        return ColumnClassification(pii_class, round(confidence, 3), matched, n, name_hint=hint)
    share_text = _free_text_share(sample)
    if share_text >= 0.3:
        return _classify_free_text(sample, share_text)
    return ColumnClassification(None, round(1.0 - best_share, 3), 0, n)


def classify_table(table: pa.Table, sample_size: int = 200) -> dict[str, ColumnClassification]:
    """Every column of ``table`` classified; columns side by side in threads (pyarrow releases the GIL)."""
    names = table.column_names
    found = thread_map(lambda name: classify_column(name, table.column(name), sample_size), names)
    return dict(zip(names, found, strict=True))


def _classify_free_text(sample: pa.Array, share_text: float) -> ColumnClassification:
    # Imported here: Presidio costs ~1.5 s to set up and structured columns never need it.
    from governance.pii.analyzer import analyze_text
    from governance.pii.classes import PERSONAL_CLASSES
    from governance.pii.prefilter import candidate_cells

    candidates = candidate_cells(sample)
    found: dict[str, int] = {}
    cells = 0
    for text in candidates:
        classes = {f.pii_class for f in analyze_text(text) if f.pii_class in PERSONAL_CLASSES}
        cells += bool(classes)
        for c in classes:
            found[c] = found.get(c, 0) + 1
    ordered = tuple(sorted(found, key=lambda c: (-found[c], PRIORITY[c])))
    return ColumnClassification(FREE_TEXT, round(share_text, 3), cells, len(sample), ordered)

"""The publication gate for personal data.

Three questions before anything leaves the staging zone:
* does every raw column that holds personal data say so in its contract (an undeclared PII column would
  be copied unmasked)?
* does the masked table still hold personal data (a masking rule that did not catch everything)? and
* could a person be singled out in the row-level exchange table built from it (k-anonymity over the
  quasi-identifiers, l-diversity of sensitive columns, sensitive columns without a release;
  governance.anonymity)?
Findings carry column, class, counts and a masked example only, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from governance.anonymity import Release, prepare_release
from governance.catalogue import exchange_table
from governance.contracts import DatasetContract
from governance.pii.classes import PERSONAL_CLASSES
from governance.pii.classify import classify_table
from governance.privacy_scan import LeakFinding, scan_table

LEAK_SAMPLE_ROWS = 5000
NOT_PERSONAL = "not_personal"  # a contract's reviewed declaration: looks personal, is not


@dataclass(frozen=True)
class ColumnClass:
    column: str
    declared: str | None
    detected: str | None
    confidence: float

    @property
    def undeclared(self) -> bool:
        """Personal data found where the contract declares none: it would reach the shared zone unmasked."""
        return self.declared is None and self.detected in PERSONAL_CLASSES


@dataclass(frozen=True)
class GateResult:
    dataset: str
    columns: list[ColumnClass]
    leaks: list[LeakFinding]
    release: Release | None = None  # the exchange table's re-identification check; None: not shared

    @property
    def undeclared(self) -> list[ColumnClass]:
        return [c for c in self.columns if c.undeclared]

    @property
    def leak_scan_passed(self) -> bool:
        return not self.undeclared and not self.leaks

    @property
    def passed(self) -> bool:
        return self.leak_scan_passed and (self.release is None or self.release.passed)

    def describe(self) -> str:
        problems = [
            f"raw column {c.column} holds {c.detected} (confidence {c.confidence:.2f}) but the contract declares "
            f"no personal data: declare `pii` and `masking` for it in the contract"
            for c in self.undeclared
        ]
        problems += [
            f"staging.{self.dataset}.{f.column}: {f.count} unmasked {f.pii_class} value(s) in {f.rows_scanned} "
            f"rows scanned, e.g. {f.example_masked}"
            for f in self.leaks
        ]
        if self.release is not None and not self.release.passed:
            problems.append(self.release.describe())
        if problems:
            return "; ".join(problems)
        verdict = "no personal data outside its declared, masked columns"
        return verdict + (f"; {self.release.describe()}" if self.release is not None else "")


def classify_raw(contract: DatasetContract, raw: pa.Table) -> list[ColumnClass]:
    declared = {c.name: c.pii for c in contract.columns}
    return [
        ColumnClass(name, declared.get(name), found.pii_class, float(found.confidence))
        for name, found in classify_table(raw).items()
    ]


def leak_scan(contract: DatasetContract, staged: pa.Table) -> list[LeakFinding]:
    """Free-text columns on every row, the others on a large sample; masked columns must come out clean."""
    text_columns = [c.name for c in contract.staged_columns if c.masking == "tag_text"]
    reviewed = {c.name for c in contract.columns if c.pii == NOT_PERSONAL}
    findings = scan_table(
        staged.drop_columns(sorted(reviewed & set(staged.column_names))),
        text_columns=text_columns,
        sample_rows=LEAK_SAMPLE_ROWS,
    )
    return findings


def check_dataset(
    contract: DatasetContract, raw: pa.Table, staged: pa.Table, today: date | None = None
) -> GateResult:
    release = prepare_release(contract, staged, today) if exchange_table(contract) else None
    return GateResult(contract.name, classify_raw(contract, raw), leak_scan(contract, staged), release)

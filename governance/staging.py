"""Masking before the shared zone: raw table -> masked staging table, column by column as the contract says.

Structured columns are masked vectorised; free-text columns go through the PII text masker. The result
and a per-column report are returned; nothing here writes anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from governance.contracts import Column, DatasetContract
from governance.masking.columns import ColumnPolicy, mask_columns
from infra.zones import STAGING


@dataclass(frozen=True)
class ColumnMasking:
    column: str
    declared_class: str | None
    policy: str
    rows: int
    values_masked: int  # non-null values the policy changed or removed
    findings: dict[str, int]  # for free text: personal data found and tagged, by class


@dataclass(frozen=True)
class MaskedTable:
    table: pa.Table
    report: list[ColumnMasking]


def staged_type(column: Column) -> pa.DataType:
    # Pseudonyms, masks and generalisations are text whatever the source type was.
    return pa.string() if column.masking not in ("keep",) else column.arrow_type


def staged_schema(contract: DatasetContract) -> pa.Schema:
    return pa.schema([pa.field(c.name, staged_type(c)) for c in contract.staged_columns])


def mask_for_staging(
    contract: DatasetContract, raw: pa.Table, key: bytes, text_processes: int = 1
) -> MaskedTable:
    arrays: dict[str, pa.Array] = {}
    report: list[ColumnMasking] = []
    structured = mask_columns(
        raw,
        {
            col.name: ColumnPolicy(col.derived_from or col.name, col.masking, col.pii, col.masking_option)
            for col in contract.columns
            if col.masking not in ("keep", "drop", "tag_text")
        },
        key,
    )
    for col in contract.columns:
        source = raw.column(col.derived_from or col.name).combine_chunks()
        non_null = len(source) - source.null_count
        findings: dict[str, int] = {}
        if col.masking == "keep":
            arrays[col.name] = source
            continue
        if col.masking == "drop":
            report.append(ColumnMasking(col.name, col.pii, "drop", len(source), non_null, {}))
            continue
        if col.masking == "tag_text":
            # Presidio loads in about a second: only when a free-text column is masked, not with the
            # Dagster definitions (which import this module).
            from governance.pii.text import mask_texts

            masked = mask_texts(source, processes=text_processes)
            values, findings = masked.array, dict(masked.findings_by_class)
            changed = int(pc.sum(pc.fill_null(pc.not_equal(values, source), False)).as_py() or 0)
        else:
            values, changed = structured[col.name], non_null
        arrays[col.name] = pc.cast(values, pa.string())
        report.append(ColumnMasking(col.name, col.pii, col.masking, len(source), changed, findings))
    table = pa.table(arrays).select([c.name for c in contract.staged_columns])
    return MaskedTable(table.cast(staged_schema(contract)), report)


def staging_table(contract: DatasetContract) -> str:
    return STAGING.table(contract.name)

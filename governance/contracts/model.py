"""Our typed view of a dataset contract: what the rest of the code reads.

The YAML stays ODCS v3; sharing, source and load attributes live in ``customProperties``. This model is
strict (unknown keys are errors) so that a typo in a contract fails instead of being ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from infra.zones import raw_zone

NOT_PERSONAL = "not_personal"  # a reviewed declaration: looks personal, is not

LogicalType = Literal["string", "integer", "number", "boolean", "date", "timestamp"]
SourceFormat = Literal["sqlite", "postgres", "csv", "json_pages", "ndjson", "xlsx", "parquet", "http_json"]

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    system: str
    format: SourceFormat
    file: str | None = None
    table: str | None = None
    glob: str | None = None
    encoding: str | None = None
    header: Literal["name", "business_name"] = "name"
    records: str | None = None
    watermark: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _located(self) -> SourceSpec:
        if self.format in ("sqlite", "postgres") and not self.table:
            raise ValueError(f"a {self.format} source needs 'table'")
        if self.format in ("csv", "json_pages", "ndjson", "xlsx", "parquet") and not (self.glob or self.file):
            raise ValueError(f"a {self.format} source needs 'glob' or 'file'")
        return self


class LoadSpec(_Strict):
    write_mode: Literal["append", "merge"]
    max_reject_share: float = Field(0.05, ge=0, le=1)
    schema_evolution: bool = False


class PartitionField(_Strict):
    source: str
    transform: Literal["identity", "day", "month", "year", "hour"]


class ReidentificationSpec(_Strict):
    """How the re-identification check judges the row-level exchange table (docs/adr/0012-…).

    Every equivalence class over the quasi-identifiers must hold at least ``k`` rows, and every sensitive
    column at least ``l`` distinct values in each class. ``on_failure`` is what happens otherwise:
    ``block`` publication, or ``suppress_rows`` (rows of the failing classes are left out, counted and
    reported).
    """

    k: int = Field(5, ge=2)
    l: int = Field(2, ge=1)  # noqa: E741 (the letter of l-diversity)
    on_failure: Literal["block", "suppress_rows"] = "block"


class Column(_Strict):
    name: str
    logical_type: LogicalType
    business_name: str | None = None
    description: str | None = None
    required: bool = False
    primary_key: bool = False
    # The identifier class the column holds; None when the contract declares `pii: none` (the loader
    # refuses a column that declares nothing, so None is always a reviewed statement).
    pii: str | None = None
    sensitive: str | None = None  # PIPL Art. 28 category (infra.vocabulary.SENSITIVE_CATEGORIES)
    quasi_identifier: bool = False  # knowable from outside (birth year, sex, town …): counted for k
    # Item-level sharing (信息项共享属性), stricter than the resource's: `not_shared` keeps the column in
    # staging (for aggregated marts) but out of the row-level exchange table.
    sharing_type: Literal["not_shared"] | None = None
    masking: str = "keep"
    masking_option: str | None = None
    validator: str | None = None
    source_field: str | None = None
    derived_from: str | None = None
    valid_values: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.logical_type]

    @property
    def label(self) -> str:
        """What a person sees: the Chinese business name when the contract gives one."""
        return self.business_name or self.name

    @property
    def personal(self) -> bool:
        """Anything about a person: an identifier, a sensitive category or a quasi-identifier."""
        return (
            (self.pii is not None and self.pii != NOT_PERSONAL)
            or bool(self.sensitive)
            or self.quasi_identifier
        )


class DatasetContract(_Strict):
    id: str
    name: str
    domain: str
    version: str
    title: str
    purpose: str
    provider_department: str
    sharing_type: Literal["unconditional", "conditional", "not_shared"]
    open_type: Literal["open", "on_request", "closed"]
    update_frequency: Literal["realtime", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"]
    classification: Literal["public", "internal", "sensitive", "important", "core"]
    legal_basis: str | None = None
    source: SourceSpec
    load: LoadSpec
    partitioning: tuple[PartitionField, ...] = ()
    reidentification: ReidentificationSpec = ReidentificationSpec()
    columns: tuple[Column, ...]
    path: Path

    @property
    def raw_namespace(self) -> str:
        return raw_zone(self.domain).name

    @property
    def raw_table(self) -> str:
        return f"{self.raw_namespace}.{self.name}"

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.primary_key)

    @property
    def source_columns(self) -> tuple[Column, ...]:
        """Columns that come from the source system (derived ones are computed at masking time)."""
        return tuple(c for c in self.columns if c.derived_from is None)

    @property
    def staged_columns(self) -> tuple[Column, ...]:
        """Columns after masking: dropped ones are gone, derived ones are added."""
        return tuple(c for c in self.columns if c.masking != "drop")

    @property
    def exchange_columns(self) -> tuple[Column, ...]:
        """Columns of the row-level exchange table: staged ones minus those withheld at item level."""
        return tuple(c for c in self.staged_columns if c.sharing_type != "not_shared")

    @property
    def quasi_identifiers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.exchange_columns if c.quasi_identifier)

    @property
    def sensitive_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.sensitive)

    def sensitive_release(self, column: Column) -> str | None:
        """How a sensitive column may leave for the exchange zone, or None when it may not.

        Dropped, withheld (item-level not_shared) or in a resource with no exchange table: it never reaches
        one. Generalised: what reaches it is no longer the sensitive value. In a conditional resource: only
        a live grant that names the column opens it (sharing requests always name their columns).
        """
        if column.masking == "drop":
            return "drop"
        if column.sharing_type == "not_shared" or self.sharing_type == "not_shared":
            return "withheld"
        if column.masking == "generalise":
            return "generalise"
        if self.sharing_type == "conditional":
            return "named_grant"
        return None

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.id} has no column {name!r}")

    def raw_arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.source_columns]
        )

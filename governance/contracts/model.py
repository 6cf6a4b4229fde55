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


class Column(_Strict):
    name: str
    logical_type: LogicalType
    business_name: str | None = None
    description: str | None = None
    required: bool = False
    primary_key: bool = False
    pii: str | None = None
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

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.id} has no column {name!r}")

    def raw_arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.source_columns]
        )

"""One description, everywhere: a table's business names and descriptions, from the one place each is written.

Raw, staging and row-level exchange tables are documented by their dataset contract (``businessName`` and
``description`` per column, the title and purpose for the table); marts by their dbt model yml (the column
``description``, whose text before a spaced note is the business name, and the model description). Iceberg
column docs and table comments (so Trino's DESCRIBE), the embedded ``lakehouse sql``, ``lakehouse describe``
and Superset's datasets all read this module, so a name changed in a contract or a yml changes everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from governance.contracts import Column, DatasetContract, load_contracts
from infra.dbt_manifest import DbtColumn, DbtManifest, DbtModel, load_manifest
from infra.iceberg.docs import TableDocs
from infra.zones import EXCHANGE, RAW_ZONES, STAGING, TableName

# "法定代表人 (masked 张*)", "范围 ('all'、审批事项编码或部门)", "停车场小时利用率 — per lot and hour": the
# business name is the text before a spaced note; "停车费(元)" keeps its unspaced unit.
_NOTE = re.compile(r"\s+[(（—-]")
_BRACKETS = {"(": ")", "（": "）"}


def split_label(text: str) -> tuple[str, str | None]:
    """(business name, the note after it or None) of a dbt description."""
    text = text.strip()
    found = _NOTE.search(text)
    if found is None:
        return text, None
    name, note = text[: found.start()].strip(), text[found.end() - 1 :].strip()
    opener = note[0]
    if opener in _BRACKETS and note.endswith(_BRACKETS[opener]):
        note = note[1:-1].strip()  # "(masked 张*)" says "masked 张*"
    else:
        note = note.lstrip("—-").strip()
    return name, note or None


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    business_name: str | None = None
    description: str | None = None

    @property
    def label(self) -> str:
        """What a person sees as the column's name: its business name, else its own name."""
        return self.business_name or self.name

    @property
    def text(self) -> str:
        """The one-line doc engines show: ``业务名: description`` (either part alone when the other is missing)."""
        return ": ".join(part for part in (self.business_name, self.description) if part)


@dataclass(frozen=True)
class TableDoc:
    table: str
    title: str | None = None  # the table's business name
    description: str = ""
    columns: tuple[ColumnDoc, ...] = ()
    source: str = "none"  # contract | dbt | none: where the texts come from

    def column(self, name: str) -> ColumnDoc | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def comment(self) -> str:
        """The table comment: its description, headed by its title when the description does not name it."""
        if not self.title or self.title in self.description:
            return self.description
        return f"{self.title}: {self.description}" if self.description else self.title

    def texts(self) -> dict[str, str]:
        return {c.name: c.text for c in self.columns if c.text}

    def iceberg(self) -> TableDocs:
        return TableDocs(comment=self.comment or None, columns=self.texts())


def _contract_doc(table: str, contract: DatasetContract, columns: tuple[Column, ...]) -> TableDoc:
    return TableDoc(
        table=table,
        title=contract.title if contract.title != contract.name else None,
        description=contract.purpose,
        columns=tuple(ColumnDoc(c.name, c.business_name, c.description) for c in columns),
        source="contract",
    )


def _dbt_column(column: DbtColumn) -> ColumnDoc:
    business_name, note = split_label(column.description) if column.description else (None, None)
    override = column.meta.get("business_name")  # a yml may name it explicitly
    return ColumnDoc(column.name, str(override) if override else business_name or None, note)


def _dbt_doc(table: str, model: DbtModel) -> TableDoc:
    title, _ = split_label(model.description) if model.description else (None, None)
    return TableDoc(
        table=table,
        title=title or None,
        description=model.description.strip(),
        columns=tuple(_dbt_column(c) for c in model.columns),
        source="dbt",
    )


def _contract_of(table: TableName, contracts: Mapping[str, DatasetContract]) -> DatasetContract | None:
    contract = contracts.get(table.table)
    if contract is None:
        return None
    if table.zone == contract.raw_namespace or table.zone == STAGING.name:
        return contract
    if table.zone == EXCHANGE.name and contract.sharing_type != "not_shared":
        return contract
    return None


def table_doc(
    table: str,
    contracts: Mapping[str, DatasetContract] | None = None,
    manifest: DbtManifest | None = None,
) -> TableDoc:
    """The docs of ``zone.table``; a table no contract or mart describes gets an empty TableDoc.

    The dbt manifest is read only for a table no contract describes (raw and staging never need dbt).
    """
    name = TableName.parse(table)
    contracts = load_contracts() if contracts is None else contracts
    contract = _contract_of(name, contracts)
    if contract is not None:
        if name.zone in {z.name for z in RAW_ZONES.values()}:
            return _contract_doc(name, contract, contract.source_columns)
        if name.zone == STAGING.name:
            return _contract_doc(name, contract, contract.staged_columns)
        return _contract_doc(name, contract, contract.exchange_columns)
    manifest = load_manifest() if manifest is None else manifest
    for model in manifest.marts():
        if model.table == name:
            return _dbt_doc(name, model)
    return TableDoc(table=name)


def column_docs(
    table: str,
    contracts: Mapping[str, DatasetContract] | None = None,
    manifest: DbtManifest | None = None,
) -> dict[str, str]:
    """``zone.table`` → {column: "业务名: description"} (undocumented columns left out)."""
    return table_doc(table, contracts, manifest).texts()

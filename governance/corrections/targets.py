"""What a correction ticket (校核纠错) may name: a shared table, the key of one of its rows, one column.

A shared table is a resource's exchange table (``exchange.<dataset>``, described by its contract) or a dbt
mart published to a shared zone (``exchange.<mart>``, ``kpi.<mart>``). Its provider answers corrections:
the contract's provider department for a resource; for a mart, built by the data centre from several
departments' inputs, the data office (``STEWARD_DEPARTMENT``), which traces the error to an input and
forwards it. The key is the contract's primary key for a resource and the mart's declared grain
(``meta: {grain: [...]}``, checked by the ``unique_grain`` dbt test) for a mart.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from governance.access.resources import MartModel, resource_of_mart
from governance.catalogue import exchange_table
from governance.contracts import DatasetContract
from infra.dbt_manifest import DbtModel, load_manifest
from infra.vocabulary import STEWARD_DEPARTMENT
from infra.zones import EXCHANGE, TableName


class TargetError(ValueError):
    """A table or column a correction cannot name; the message names the closest one that exists."""


@dataclass(frozen=True)
class CorrectionTarget:
    table: TableName
    provider_department: str
    columns: tuple[str, ...]  # as published in the shared table
    key_columns: tuple[str, ...]  # the columns that name one row
    personal_columns: frozenset[str]  # values about a person: never stored in a ticket
    dataset: str | None = None  # the contract's name; None for a mart

    def column(self, name: str) -> str:
        """``name`` if the table publishes it, else TargetError naming the closest column."""
        if name in self.columns:
            return name
        raise TargetError(f"{self.table} has no column {name!r}{_closest(name, self.columns)}")


def _closest(wanted: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.5)
    return f"; did you mean {match[0]!r}?" if match else ""


def _personal(column) -> bool:
    # A column the contract treats at all (identifier, sensitive category, quasi-identifier, free text that
    # may quote one, any masking) counts: a proposed value for it could be about a person.
    return column.personal or column.masking != "keep"


def resource_target(contract: DatasetContract) -> CorrectionTarget | None:
    table = exchange_table(contract)
    if table is None:
        return None  # 不予共享: no shared table, so nothing to correct through this route
    columns = contract.exchange_columns
    return CorrectionTarget(
        table=TableName.parse(table),
        provider_department=contract.provider_department,
        columns=tuple(c.name for c in columns),
        key_columns=contract.primary_key,
        personal_columns=frozenset(c.name for c in columns if _personal(c)),
        dataset=contract.name,
    )


def mart_target(
    model: DbtModel, contracts: Mapping[str, DatasetContract], inputs: tuple[str, ...] = ()
) -> CorrectionTarget:
    """A dbt mart: its grain is its key; a column is personal when an input column of that name is."""
    personal: frozenset[str] = frozenset()
    if model.schema == EXCHANGE.name:
        resource = resource_of_mart(MartModel(model.name, model.column_names, inputs), contracts)
        personal = frozenset(resource.personal_columns)
    return CorrectionTarget(
        table=model.table,
        provider_department=STEWARD_DEPARTMENT,
        columns=model.column_names,
        key_columns=tuple(model.meta.get("grain") or ()),
        personal_columns=personal,
    )


def project_marts() -> list[tuple[DbtModel, tuple[str, ...]]]:
    """The dbt marts of shared zones with the datasets each reads (dbt's own ``depends_on``)."""
    manifest = load_manifest()
    return [(model, manifest.upstream_datasets(model)) for model in manifest.marts()]


def correction_targets(
    contracts: Mapping[str, DatasetContract],
    marts: Iterable[tuple[DbtModel, tuple[str, ...]]] | None = None,
) -> dict[str, CorrectionTarget]:
    """Every shared table by name: resources' exchange tables, then the dbt marts (a resource wins)."""
    found = {t.table: t for t in (resource_target(c) for c in contracts.values()) if t is not None}
    for model, inputs in project_marts() if marts is None else marts:
        found.setdefault(model.table, mart_target(model, contracts, inputs))
    return dict(sorted(found.items()))


def find_target(table: str, targets: Mapping[str, CorrectionTarget]) -> CorrectionTarget:
    """The shared table ``table`` names ("exchange.parks", or "parks" for the exchange zone)."""
    wanted = table.strip()
    if "." not in wanted:
        wanted = f"{EXCHANGE.name}.{wanted}"
    if wanted in targets:
        return targets[wanted]
    raise TargetError(f"no shared table {table!r}{_closest(wanted, targets)} (shared tables: exchange, kpi)")

"""Edges the contracts declare: source field → raw column → staging column (masked) → exchange column.

Each hop is what the code that moves the data reads from the same contract: the loader maps source fields
to columns, the masking step applies each column's policy (a derived column is made from another one), and
publication copies the staged columns that are shared at item level. The source field names come from the
caller (ingest's own mapping, ``ingest.connectors.source_field_names``): ingest sits above governance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from governance.catalogue import exchange_table
from governance.contracts import Column, DatasetContract
from governance.lineage.model import Edge, mask_transform, source_node
from infra.zones import STAGING

SourceFields = Callable[[DatasetContract], Mapping[str, str]]


def _policy_id(column: Column) -> str:
    return f"{column.masking}:{column.masking_option}" if column.masking_option else column.masking


def ingest_edges(contract: DatasetContract, fields: Mapping[str, str]) -> list[Edge]:
    """Source field → raw column: parsed into the contract's type (cast) or kept as text (copy)."""
    source = source_node(contract.source.system, contract.name)
    return [
        Edge(
            producer="ingest",
            from_table=source,
            from_column=fields.get(column.name, column.name),
            to_table=contract.raw_table,
            to_column=column.name,
            transform="copy" if column.logical_type == "string" else "cast",
            # The identifier check the loader applies, if any (rows failing it are quarantined).
            policy_id=f"validator:{column.validator}" if column.validator else None,
            contract_version=contract.version,
        )
        for column in contract.source_columns
    ]


def mask_edges(contract: DatasetContract) -> list[Edge]:
    """Raw column → staging column under its masking policy; a dropped column ends at the staging table."""
    edges = []
    for column in contract.columns:
        dropped = column.masking == "drop"
        edges.append(
            Edge(
                producer="mask",
                from_table=contract.raw_table,
                from_column=column.derived_from or column.name,
                to_table=STAGING.table(contract.name),
                to_column=None if dropped else column.name,
                transform="copy" if column.masking == "keep" else mask_transform(column.masking),
                policy_id=None if column.masking == "keep" else _policy_id(column),
                contract_version=contract.version,
            )
        )
    return edges


def _row_rules(contract: DatasetContract) -> list[str]:
    """The row rules publication applies: the re-identification check, rows of possible minors."""
    rules = []
    if contract.quasi_identifiers:
        spec = contract.reidentification
        rules.append(f"reidentification:k={spec.k},l={spec.l},{spec.on_failure}")
    if any(c.sensitive == "minor_under_14" for c in contract.exchange_columns):
        rules.append("minor_under_14:withheld")
    return rules


def publish_edges(contract: DatasetContract) -> list[Edge]:
    """Staging column → exchange column for items shared at item level; none for a 不予共享 resource."""
    target = exchange_table(contract)
    if target is None:
        return []
    staged = STAGING.table(contract.name)
    edges = [
        Edge("publish", staged, c.name, target, c.name, "copy", None, contract.version)
        for c in contract.exchange_columns
    ]
    # Rows publication may leave out act on the whole table: a table-level filter edge per rule.
    edges += [
        Edge("publish", staged, None, target, None, "filter", rule, contract.version)
        for rule in _row_rules(contract)
    ]
    return edges


def contract_edges(contracts: Iterable[DatasetContract], source_fields: SourceFields) -> list[Edge]:
    edges: list[Edge] = []
    for contract in sorted(contracts, key=lambda c: c.id):
        edges += ingest_edges(contract, source_fields(contract))
        edges += mask_edges(contract)
        edges += publish_edges(contract)
    return edges

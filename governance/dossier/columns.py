"""Per column of a shared table, from its lineage: where it comes from, what was done to it on the way,
which masking policy applied, and the PII class its contract declares.

Nothing here reads data: the answers come from the lineage edges and the contracts alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from governance.contracts import DatasetContract
from governance.lineage import Hop, LineageGraph
from governance.lineage.model import PRODUCERS
from infra.vocabulary import MASKING_POLICIES, NO_PII_LABEL, PII_CLASSES, SENSITIVE_CATEGORIES
from infra.zones import STAGING


@dataclass(frozen=True)
class ColumnStory:
    name: str
    origins: tuple[str, ...]  # source fields (source:system/dataset.field), or "rows of …" for counts
    steps: tuple[str, ...]  # "producer: transform" from the source towards the table, distinct
    masking: tuple[str, ...]  # "pseudonym (假名化)" …
    pii: tuple[str, ...]  # declared classes of the contract columns it comes from ("身份证号 cn_resident_id")
    sensitive: tuple[str, ...]  # PIPL Art. 28 categories declared upstream
    inputs: int  # edges directly into the column
    doc: str = ""  # "业务名: description", the text Trino, Superset and the catalogue show (column_docs)

    @property
    def traced(self) -> bool:
        return self.inputs > 0


def _pii_label(contract: DatasetContract, column: str) -> tuple[str | None, str | None]:
    try:
        declared = contract.column(column)
    except KeyError:
        return None, None
    pii = f"{PII_CLASSES.get(declared.pii, declared.pii)} ({declared.pii})" if declared.pii else NO_PII_LABEL
    sensitive = declared.sensitive and f"{SENSITIVE_CATEGORIES[declared.sensitive]} ({declared.sensitive})"
    return pii, sensitive


def _distinct(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def column_story(
    graph: LineageGraph, table: str, column: str, contracts: Mapping[str, DatasetContract]
) -> ColumnStory:
    # Values only: which rows a filter keeps is the table's story (the graph), not the column's.
    hops: list[Hop] = graph.upstream(table, column, rows=False)
    origins, steps, masking, pii, sensitive = [], [], [], [], []
    for hop in sorted(hops, key=lambda h: -h.depth):  # from the source towards the table
        edge = hop.edge
        if edge.from_table.startswith("source:"):
            origins.append(
                f"{edge.from_table}.{edge.from_column}"
                if edge.from_column
                else f"{edge.from_table} 的记录行数"
            )
        label = PRODUCERS.get(edge.producer, edge.producer)
        steps.append(f"{label}: {edge.transform}")
        if edge.transform.startswith("mask:") and edge.to_column is not None:
            policy = edge.transform.removeprefix("mask:")
            option = f" [{edge.policy_id}]" if edge.policy_id and edge.policy_id != policy else ""
            masking.append(f"{MASKING_POLICIES.get(policy, policy)} ({policy}){option}")
        if edge.to_table.startswith(f"{STAGING.name}.") and edge.to_column and edge.producer == "mask":
            contract = contracts.get(edge.to_table.split(".", 1)[1])
            if contract is not None:
                declared, category = _pii_label(contract, edge.to_column)
                pii += [declared] if declared else []
                sensitive += [category] if category else []
    direct = sum(1 for h in hops if h.depth == 1)
    return ColumnStory(
        name=column,
        origins=_distinct(origins),
        steps=_distinct(steps),
        masking=_distinct(masking),
        pii=_distinct(pii),
        sensitive=_distinct(sensitive),
        inputs=direct,
    )

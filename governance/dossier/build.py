"""The auditors' dossier: one offline HTML page per exchange / kpi table and an index, from the lineage, the
contracts, the governance tables and the access policy (``lakehouse report audit``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pyiceberg.catalog import Catalog

from governance.column_docs import table_doc
from governance.contracts import DatasetContract, load_contracts
from governance.dossier import evidence
from governance.dossier.access import AccessFacts, access_facts, live_grants, policy_now
from governance.dossier.columns import column_story
from governance.dossier.html import index_html, page_html
from governance.dossier.model import TableDossier, page_name
from governance.dossier.svg import render_graph
from governance.lineage.current import CurrentLineage
from infra.clock import china_naive
from infra.dbt_manifest import load_manifest
from infra.private_files import write_private_text
from infra.settings import load_settings
from infra.zones import MART_ZONES


@dataclass(frozen=True)
class Written:
    pages: list[Path]
    index: Path


def shared_tables(catalog: Catalog) -> list[str]:
    """Every table of the shared zones (exchange, kpi) the catalog holds."""
    tables = []
    for zone in MART_ZONES:
        if zone.name in {ns[0] for ns in catalog.list_namespaces()}:
            tables += [".".join(ident) for ident in catalog.list_tables(zone.name)]
    return sorted(tables)


def node_labels(contracts: Mapping[str, DatasetContract]) -> dict[str, str]:
    """Chinese titles drawn under each identifier in the lineage graph."""
    labels: dict[str, str] = {}
    for contract in contracts.values():
        labels[f"source:{contract.source.system}/{contract.name}"] = (
            f"{contract.title} · {contract.source.format}"
        )
        for table in (contract.raw_table, f"staging.{contract.name}", f"exchange.{contract.name}"):
            labels[table] = contract.title
        domain_view = f"stg.stg_{contract.domain}__{contract.name}"
        labels[domain_view] = f"{contract.title}（dbt 视图）"
    for model in load_manifest().marts():
        labels[str(model.table)] = model.description.split(" — ")[0]
    return labels


def _snapshot(catalog: Catalog, table: str) -> tuple[int | None, datetime | None]:
    snapshot = catalog.load_table(table).current_snapshot()
    if snapshot is None:
        return 0, None
    rows = snapshot.summary.get("total-records") if snapshot.summary else None
    at = china_naive(snapshot.timestamp_ms)
    return (int(rows) if rows is not None else None), at


def collect(
    catalog: Catalog,
    current: CurrentLineage,
    table: str,
    contracts: Mapping[str, DatasetContract],
    labels: Mapping[str, str],
    access: AccessFacts,
    queries: int,
) -> TableDossier:
    graph = current.graph
    upstream = graph.upstream(table)
    path_tables = {h.edge.from_table for h in upstream} | {table}
    datasets = sorted({t.split(".", 1)[1] for t in path_tables if t.startswith("staging.")})
    schema_columns = [f.name for f in catalog.load_table(table).schema().fields]
    docs = table_doc(table, contracts).texts()
    stories = tuple(
        replace(column_story(graph, table, c, contracts), doc=docs.get(c, "")) for c in schema_columns
    )
    zone, name = table.split(".", 1)
    kind = "指标" if zone == "kpi" else ("共享资源" if name in contracts else "汇总表")
    rows, updated = _snapshot(catalog, table)
    quality_tables = sorted(t for t in path_tables if t.startswith("raw_") or t == table)
    return TableDossier(
        table=table,
        title=labels.get(table, name),
        kind=kind,
        description=contracts[name].purpose if name in contracts else labels.get(table, ""),
        rows=rows,
        updated_at=updated,
        columns=stories,
        graph_svg=render_graph([h.edge for h in upstream], table, labels),
        gates=tuple(evidence.gates(catalog, quality_tables)),
        privacy=tuple(evidence.privacy_checks(catalog, datasets)),
        loads=tuple(evidence.loads(catalog, {d: contracts[d].raw_table for d in datasets if d in contracts})),
        leak_scan=evidence.mart_leak_scan(catalog, table),
        queries=None if (found := evidence.queries(catalog, table, queries)) is None else tuple(found),
        access=access,
        lineage=current.describe(),
    )


def build_dossier(
    catalog: Catalog, current: CurrentLineage, out: Path, only: str | None = None, queries: int = 20
) -> Written:
    """Write the pages (all shared tables, or ``only``) and the index; returns what was written."""
    tables = shared_tables(catalog)
    if only is not None and only not in tables:
        raise LookupError(f"no shared table {only!r}; shared tables: {', '.join(tables) or 'none yet'}")
    contracts = load_contracts()
    labels = node_labels(contracts)
    grants = live_grants(load_settings())
    policy = policy_now(grants)
    generated = china_naive()
    out.mkdir(parents=True, exist_ok=True)
    dossiers = []
    written = []
    for table in tables:
        access = access_facts(catalog, table, grants, policy)
        dossier = collect(catalog, current, table, contracts, labels, access, queries)
        dossiers.append(dossier)
        if only is None or table == only:
            path = out / page_name(table)
            write_private_text(path, page_html(dossier, generated, _quality_docs(out)))
            written.append(path)
    index = out / "index.html"
    write_private_text(index, index_html(dossiers, generated, current.describe()))
    return Written(written, index)


def _quality_docs(out: Path) -> str | None:
    """A relative link to the GX Data Docs when they were built next to the dossier."""
    docs = out.parent / "quality" / "index.html"
    return os.path.relpath(docs, out) if docs.exists() else None

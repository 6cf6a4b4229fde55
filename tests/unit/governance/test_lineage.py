"""Lineage from the contracts, walking it, and the two Iceberg tables it is recorded in."""

from __future__ import annotations

from datetime import datetime

import pytest

from governance.contracts import load_contracts
from governance.lineage import Edge, LineageGraph, UnknownNode, latest_run, read_edges
from governance.lineage.contracts import contract_edges
from governance.lineage.store import LineageRun, write_run
from infra.iceberg.writer import commit
from infra.zones import LINEAGE_EDGES
from ingest.connectors import source_field_names


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return contract_edges(load_contracts().values(), source_field_names)


def _into(edges: list[Edge], table: str, column: str | None) -> list[Edge]:
    return [e for e in edges if e.to_table == table and e.to_column == column]


def test_plate_is_traced_from_the_source_field_to_the_exchange_through_its_pseudonym(edges):
    graph = LineageGraph(edges)
    hops = graph.upstream("exchange.parking_sessions", "plate")
    path = [(h.edge.from_table, h.edge.from_column, h.edge.transform, h.edge.policy_id) for h in hops]
    assert path == [
        ("staging.parking_sessions", "plate", "copy", None),
        ("raw_transport.parking_sessions", "plate", "mask:pseudonym", "pseudonym"),
        ("source:smart_parking/parking_sessions", "plateNo", "copy", "validator:cn_plate"),
    ]
    assert all(h.edge.contract_version == load_contracts()["parking_sessions"].version for h in hops)


def test_a_derived_column_comes_from_its_source_column_with_the_policy_option(edges):
    (edge,) = _into(edges, "staging.resident_health_records", "birth_year")
    assert (edge.from_table, edge.from_column) == ("raw_health.resident_health_records", "resident_id_number")
    assert (edge.transform, edge.policy_id) == ("mask:generalise", "generalise:birth_year")


def test_a_dropped_column_ends_at_the_staging_table_and_goes_no_further(edges):
    contract = load_contracts()["resident_health_records"]
    dropped = [c.name for c in contract.columns if c.masking == "drop"]
    assert dropped
    graph = LineageGraph(edges)
    for name in dropped:
        hops = graph.downstream(contract.raw_table, name)
        assert [(h.edge.to_table, h.edge.to_column, h.edge.transform) for h in hops] == [
            ("staging.resident_health_records", None, "mask:drop")
        ]


def test_withheld_items_and_unshared_resources_have_no_exchange_edge(edges):
    contracts = load_contracts()
    withheld = [
        (d, c.name) for d, k in contracts.items() for c in k.staged_columns if c.sharing_type == "not_shared"
    ]
    assert withheld
    for dataset, column in withheld:
        assert _into(edges, f"staging.{dataset}", column)  # kept in staging for aggregated marts
        assert not _into(edges, f"exchange.{dataset}", column)
    for dataset, contract in contracts.items():
        if contract.sharing_type == "not_shared":
            assert not [e for e in edges if e.to_table == f"exchange.{dataset}"]


def test_every_staged_and_every_exchange_column_has_an_incoming_edge(edges):
    for contract in load_contracts().values():
        for column in contract.source_columns:
            assert _into(edges, contract.raw_table, column.name), (contract.raw_table, column.name)
        for column in contract.staged_columns:
            assert _into(edges, f"staging.{contract.name}", column.name), (contract.name, column.name)
        if contract.sharing_type != "not_shared":
            for column in contract.exchange_columns:
                assert _into(edges, f"exchange.{contract.name}", column.name), (contract.name, column.name)


def test_publication_row_rules_are_table_level_filters(edges):
    rules = {
        e.policy_id
        for e in edges
        if e.to_table == "exchange.resident_health_records" and e.transform == "filter"
    }
    assert "minor_under_14:withheld" in rules
    assert any(r.startswith("reidentification:k=") for r in rules)


GRAPH = [
    Edge("ingest", "source:sys/t", "F", "raw_x.t", "f", "copy"),
    Edge("mask", "raw_x.t", "f", "staging.t", "f", "mask:pseudonym", "pseudonym"),
    Edge("dbt", "staging.t", "f", "exchange.m", "g", "derive"),
    Edge("dbt", "staging.t", None, "exchange.m", "n", "aggregate"),
    Edge("mask", "raw_x.t", "h", "staging.t", None, "mask:drop", "drop"),
]


def test_walks_follow_columns_and_table_level_inputs_table_by_table():
    graph = LineageGraph(GRAPH)
    up = graph.upstream("exchange.m", "n")
    assert [(h.depth, h.edge.from_table, h.edge.from_column) for h in up] == [
        (1, "staging.t", None),
        (2, "raw_x.t", None),
        (3, "source:sys/t", None),
    ]
    assert up[1].edge.transform == "mask:drop,mask:pseudonym"  # the table hop names every transform
    down = graph.downstream("source:sys/t", "F")
    assert [(h.edge.to_table, h.edge.to_column) for h in down] == [
        ("raw_x.t", "f"),
        ("staging.t", "f"),
        ("exchange.m", "g"),
    ]


def test_names_resolve_by_the_longest_known_table_and_unknown_ones_say_what_is_known():
    graph = LineageGraph(GRAPH)
    assert graph.resolve("source:sys/t.F") == ("source:sys/t", "F")
    assert graph.resolve("exchange.m") == ("exchange.m", None)
    with pytest.raises(UnknownNode, match=r"exchange\.m has no column 'x'.*columns: g, n"):
        graph.resolve("exchange.m.x")
    with pytest.raises(UnknownNode, match=r"did you mean exchange\.m"):
        graph.resolve("exchange.mm.g")


def _run(run_id: str, hour: int) -> LineageRun:
    return LineageRun(run_id, datetime(2026, 11, 30, hour), "abc", len(GRAPH), 1, 1, None, 5)


def test_readers_take_the_newest_complete_run_only(catalog):
    assert latest_run(catalog) is None
    write_run(catalog, _run("first", 9), GRAPH)
    write_run(catalog, _run("second", 10), GRAPH[:2])
    # A run that died after its edges, before its run row: never read.
    orphan = [e.row("dead", datetime(2026, 11, 30, 11), "abc") for e in GRAPH]
    import pyarrow as pa

    from governance.lineage.model import EDGES_SCHEMA

    commit(catalog, LINEAGE_EDGES, pa.Table.from_pylist(orphan, schema=EDGES_SCHEMA), "append")
    run = latest_run(catalog)
    assert run is not None and run.run_id == "second"
    assert read_edges(catalog, run.run_id) == GRAPH[:2]
    doc = catalog.load_table(LINEAGE_EDGES).schema().find_field("recorded_at").doc
    assert "Asia/Shanghai" in doc

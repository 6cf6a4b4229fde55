"""Query-time lineage from Trino's completed-query events: edges, the transform rule, names, the graph."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from governance.lineage import Edge, latest_run
from governance.lineage.current import current_lineage
from governance.lineage.model import RUNS_SCHEMA
from governance.lineage.record import Extraction
from governance.lineage.store import LineageRun, write_run
from governance.lineage.trino import node, query_edges, query_lineage, record_queries
from infra.iceberg.writer import commit, ensure_table
from infra.zones import LINEAGE_RUNS
from tests.unit.governance.audit.trino_events import completed

END = datetime(2026, 5, 1, 10, 0, 1, 500000, tzinfo=UTC)
PARKS = ("lakehouse", "exchange", "parking_lots")


def _src(column: str, table: tuple[str, str, str] = PARKS) -> tuple[str, str, str, str]:
    return (*table, column)


def _lineage(event: dict):
    return query_lineage(event, END)


def _edges(event: dict) -> list[tuple[str, str | None, str, str | None, str]]:
    found = _lineage(event)
    assert found is not None
    return [(e.from_table, e.from_column, e.to_table, e.to_column, e.transform) for e in found.edges]


def test_a_grouped_ctas_derives_its_key_and_counts_the_rows_it_read():
    sql = (
        "CREATE TABLE lakehouse_admin.kpi.lots_by_district AS "
        "SELECT district, count(*) AS n FROM lakehouse.exchange.parking_lots GROUP BY district"
    )
    event = completed(
        "20260501_100000_00007_abcde",
        sql,
        ("lakehouse_admin", "kpi", "lots_by_district"),
        {"district": [_src("district")], "n": []},
        inputs=[PARKS],
        user="steward",
    )
    assert _edges(event) == [
        ("exchange.parking_lots", "district", "kpi.lots_by_district", "district", "derive"),
        ("exchange.parking_lots", None, "kpi.lots_by_district", "n", "aggregate"),
    ]
    run = _lineage(event).run
    assert (run.run_id, run.producer, run.run_by, run.statement) == (
        "20260501_100000_00007_abcde",
        "trino",
        "steward",
        "CREATE TABLE",
    )
    assert run.code_version == "trino 476" and run.edges == 2 and run.unresolved is None
    assert run.recorded_at == datetime(2026, 5, 1, 18, 0, 1, 500000)  # the query's end, China time
    assert {e.producer for e in _lineage(event).edges} == {"trino"}


@pytest.mark.parametrize(
    ("item", "sources", "transform"),
    [
        ("plate", ["plate"], "copy"),
        ("p.plate", ["plate"], "copy"),
        ("plate AS plate", ["plate"], "copy"),
        ("lot_id AS plate", ["lot_id"], "derive"),  # renamed: not the same column any more
        ("CAST(plate AS varchar) AS plate", ["plate"], "derive"),
        ("upper(plate) AS plate", ["plate"], "derive"),
        ("concat(plate, lot_id) AS plate", ["plate", "lot_id"], "derive"),
        ("max(plate) AS plate", ["plate"], "aggregate"),
    ],
)
def test_copy_only_for_a_bare_column_of_the_same_name_in_a_plain_projection(item, sources, transform):
    sql = f"CREATE TABLE lakehouse_admin.scratch.t AS SELECT {item}, lot_id FROM lakehouse.exchange.x p"
    event = completed(
        "q", sql, ("lakehouse_admin", "scratch", "t"), {"plate": [_src(s) for s in sources], "lot_id": []}
    )
    got = {(e.from_column, e.transform) for e in _lineage(event).edges if e.to_column == "plate"}
    assert got == {(s, transform) for s in sources}


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE s.t AS SELECT DISTINCT plate FROM exchange.x",
        "CREATE TABLE s.t AS SELECT plate FROM exchange.x GROUP BY plate",
        "CREATE TABLE s.t AS SELECT plate, row_number() OVER (ORDER BY plate) AS k FROM exchange.x",
        "CREATE TABLE s.t AS SELECT plate FROM exchange.x UNION SELECT plate FROM exchange.y",
        "this is not SQL at all (((",
    ],
)
def test_anything_but_a_plain_projection_or_unreadable_sql_is_derive(sql):
    event = completed("q", sql, ("lakehouse_admin", "s", "t"), {"plate": [_src("plate")]})
    assert [e.transform for e in _lineage(event).edges] == ["derive"]


def test_select_star_and_insert_with_a_column_list_map_columns_to_their_items():
    star = completed(
        "q1",
        "CREATE TABLE lakehouse_admin.scratch.t AS SELECT *, 1 AS one FROM lakehouse.exchange.parking_lots",
        ("lakehouse_admin", "scratch", "t"),
        {"lot_id": [_src("lot_id")], "district": [_src("district")], "one": []},
    )
    assert [(e.to_column, e.transform) for e in _lineage(star).edges] == [
        ("lot_id", "copy"),
        ("district", "copy"),
    ]
    assert json.loads(_lineage(star).run.unresolved) == ["one"]  # a constant has no input
    counted = completed(
        "q0",
        "CREATE TABLE s.t AS SELECT count(*) AS n FROM (VALUES 1, 2) AS v(x)",
        ("lakehouse_admin", "s", "t"),
        {"n": []},
    )
    assert _lineage(counted).edges == [] and json.loads(_lineage(counted).run.unresolved) == ["n"]
    insert = completed(
        "q2",
        "INSERT INTO lakehouse_admin.scratch.t (district, lot_id) SELECT district, lot_id || 'x' "
        "FROM lakehouse.exchange.parking_lots",
        ("lakehouse_admin", "scratch", "t"),
        {"district": [_src("district")], "lot_id": [_src("lot_id")]},
        update_type="INSERT",
    )
    assert [(e.to_column, e.transform) for e in _lineage(insert).edges] == [
        ("district", "copy"),
        ("lot_id", "derive"),
    ]


def test_trino_catalogs_map_to_zone_tables_and_other_catalogs_keep_their_name():
    assert node("lakehouse", "exchange", "parks") == "exchange.parks"
    assert node("lakehouse_admin", "kpi", "x") == "kpi.x"
    assert node("lakehouse_admin", "lineage_scratch", "x") == "lineage_scratch.x"
    assert node("system", "runtime", "nodes") == "system.runtime.nodes"


def test_only_completed_queries_that_wrote_columns_have_lineage():
    columns = {"a": [_src("a")]}
    target = ("lakehouse_admin", "kpi", "t")
    assert _lineage(completed("q", "CREATE TABLE t AS SELECT a FROM x", target, columns, failed=True)) is None
    assert _lineage(completed("q", "SELECT a FROM x", None, inputs=[PARKS], update_type=None)) is None
    assert _lineage(completed("q", "DELETE FROM t", target, {}, update_type="DELETE")) is None
    assert query_lineage(completed("q", "CREATE TABLE t AS SELECT a FROM x", target, columns), None) is None
    unversioned = completed("q", "CREATE TABLE t AS SELECT a FROM x", target, columns, server_version=None)
    assert _lineage(unversioned).run.code_version == "trino"


def _ctas(query_id: str, ended: datetime, table: str, source: str, update_type: str = "CREATE TABLE"):
    sql = f"CREATE TABLE lakehouse_admin.kpi.{table} AS SELECT {source} AS v FROM lakehouse.exchange.parking_lots"
    event = completed(
        query_id, sql, ("lakehouse_admin", "kpi", table), {"v": [_src(source)]}, update_type=update_type
    )
    return query_lineage(event, ended)


PIPELINE = [
    Edge("mask", "raw_transport.parking_lots", "district", "staging.parking_lots", "district", "copy"),
    Edge("publish", "staging.parking_lots", "district", "exchange.parking_lots", "district", "copy"),
]


def _pipeline_run(run_id: str, hour: int) -> LineageRun:
    return LineageRun(run_id, datetime(2026, 5, 1, hour), "abc", len(PIPELINE), 1, 0, None, 3)


def test_recorded_queries_join_the_pipeline_graph_and_never_count_as_its_latest_run(catalog):
    write_run(catalog, _pipeline_run("dagster-run", 9), PIPELINE)
    assert record_queries(catalog, [_ctas("q1", END, "t", "district")]).runs == 1
    assert latest_run(catalog).run_id == "dagster-run"  # the query ended later, yet is not the project's run

    def not_computed() -> Extraction:
        raise AssertionError("a recorded pipeline run exists: nothing is computed")

    current = current_lineage(catalog, not_computed)
    hops = current.graph.upstream("kpi.t", "v")
    assert [(h.edge.producer, h.edge.from_table, h.edge.from_column) for h in hops] == [
        ("trino", "exchange.parking_lots", "district"),
        ("publish", "staging.parking_lots", "district"),
        ("mask", "raw_transport.parking_lots", "district"),
    ]
    assert current.queries == 1 and "1 Trino query" in current.describe()


def test_a_re_created_table_shows_its_newest_creation_and_the_inserts_after_it(catalog):
    record_queries(catalog, [_ctas("q1", END, "t", "district")])
    record_queries(catalog, [_ctas("q2", END + timedelta(minutes=1), "t", "lot_id")])
    record_queries(catalog, [_ctas("q3", END + timedelta(minutes=2), "t", "capacity", update_type="INSERT")])
    record_queries(catalog, [_ctas("q4", END, "other", "district")])
    shown = query_edges(catalog)
    assert sorted((e.to_table, e.from_column) for e in shown.edges) == [
        ("kpi.other", "district"),
        ("kpi.t", "capacity"),
        ("kpi.t", "lot_id"),
    ]
    assert shown.queries == 3


def test_an_older_runs_table_gains_the_optional_columns_and_keeps_its_runs(catalog):
    old_schema = pa.schema([f for f in RUNS_SCHEMA if f.name not in ("producer", "run_by", "statement")])
    ensure_table(catalog, LINEAGE_RUNS, old_schema)
    old = {k: v for k, v in _pipeline_run("before", 8).row().items() if k in old_schema.names}
    commit(catalog, LINEAGE_RUNS, pa.Table.from_pylist([old], schema=old_schema), "append")
    assert query_edges(catalog).edges == []  # no query column yet: nothing to show, no error

    record_queries(catalog, [_ctas("q1", END, "t", "district")])
    columns = catalog.load_table(LINEAGE_RUNS).schema().column_names
    assert {"producer", "run_by", "statement"} <= set(columns)
    assert latest_run(catalog).run_id == "before"
    assert [e.from_column for e in query_edges(catalog).edges] == ["district"]

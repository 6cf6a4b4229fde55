"""Loading the query log records the lineage of the queries that wrote a table, once (real local catalog)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from governance.audit.query_log import load_query_log, read_spool
from governance.lineage.model import EDGES_SCHEMA
from governance.lineage.trino import query_edges, query_lineage
from infra.iceberg.writer import commit, ensure_table
from infra.zones import LINEAGE_EDGES, LINEAGE_RUNS, QUERY_LOG
from tests.unit.governance.audit.trino_events import completed

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LOTS = ("lakehouse", "exchange", "parking_lots")


def _spool(n: int) -> list[dict]:
    """n steward CTAS queries into kpi, each from two source columns, and one plain read between them."""
    events = []
    for i in range(n):
        sql = (
            f"CREATE TABLE lakehouse_admin.kpi.t{i} AS SELECT district, count(*) AS n, max(capacity) AS top "
            "FROM lakehouse.exchange.parking_lots GROUP BY district"
        )
        columns = {"district": [(*LOTS, "district")], "n": [], "top": [(*LOTS, "capacity")]}
        ended = START + timedelta(minutes=i)
        events.append(
            completed(f"q{i}", sql, ("lakehouse_admin", "kpi", f"t{i}"), columns, [LOTS], ended=ended)
        )
        events.append(
            completed(f"r{i}", "SELECT 1", None, inputs=[LOTS], user="analyst_transport", update_type=None)
        )
    return events


def _count(catalog, table: str) -> int:
    return catalog.load_table(table).scan().to_arrow().num_rows


def test_a_load_records_each_writing_query_once_however_often_the_spool_is_read(catalog, tmp_path):
    spool = tmp_path / "query-events.ndjson"
    spool.write_text("".join(json.dumps(e) + "\n" for e in _spool(3)), encoding="utf-8")
    first = load_query_log(catalog, read_spool(spool), {})
    assert (first.rows_written, first.lineage_runs, first.lineage_edges) == (6, 3, 9)
    runs = catalog.load_table(LINEAGE_RUNS).scan().to_arrow().to_pylist()
    assert sorted((r["run_id"], r["producer"], r["run_by"], r["statement"]) for r in runs) == [
        (f"q{i}", "trino", "steward", "CREATE TABLE") for i in range(3)
    ]
    again = load_query_log(catalog, read_spool(spool), {})
    assert (again.rows_written, again.lineage_runs, again.lineage_edges) == (0, 0, 0)
    assert (_count(catalog, QUERY_LOG), _count(catalog, LINEAGE_RUNS), _count(catalog, LINEAGE_EDGES)) == (
        6,
        3,
        9,
    )
    edges = {
        (e.from_table, e.from_column, e.to_table, e.to_column, e.transform)
        for e in query_edges(catalog).edges
    }
    assert ("exchange.parking_lots", None, "kpi.t1", "n", "aggregate") in edges
    assert ("exchange.parking_lots", "capacity", "kpi.t1", "top", "aggregate") in edges
    assert ("exchange.parking_lots", "district", "kpi.t1", "district", "derive") in edges


def test_a_load_that_died_after_the_edges_finishes_the_run_without_doubling_them(catalog):
    events = _spool(1)
    ensure_table(catalog, LINEAGE_EDGES, EDGES_SCHEMA)
    died = query_lineage(events[0], START)
    assert died is not None
    rows = [e.row(died.run.run_id, died.run.recorded_at, died.run.code_version) for e in died.edges]
    commit(catalog, LINEAGE_EDGES, pa.Table.from_pylist(rows, schema=EDGES_SCHEMA), "append")
    assert query_edges(catalog).edges == []  # edges without their run row are never read

    done = load_query_log(catalog, events, {})
    assert (done.lineage_runs, done.lineage_edges) == (1, 0)
    assert _count(catalog, LINEAGE_EDGES) == len(died.edges)
    assert len(query_edges(catalog).edges) == len(died.edges)

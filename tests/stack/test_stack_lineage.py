"""Against the REAL servers: a table a steward creates through Trino is traced to its source columns.

Trino's HTTP event listener sends `ioMetadata.output` with each column's `sourceColumns`; loading the query
log records them as lineage (producer `trino`), and the graph `lakehouse lineage` answers from walks them.
The module needs no pipeline run: the steward makes the source table too (how the graph joins the pipeline's
own lineage is a unit test, tests/unit/governance/test_lineage_trino.py).
"""

from __future__ import annotations

import time

import pytest
import trino
from pyiceberg.expressions import EqualTo

from governance.audit.query_log import ingest_query_log
from governance.lineage.current import current_lineage
from governance.lineage.record import Extraction
from infra.catalog import open_catalog
from infra.stack import trino as trino_node
from infra.stack.secrets import STEWARD_USER
from infra.zones import LINEAGE_EDGES, LINEAGE_RUNS, QUERY_LOG
from tests.stack.stack_data import eventually

pytestmark = pytest.mark.stack

# A steward's scratch schema: no zone, so no department rule names it (kpi would be read by every department).
SCRATCH = "lineage_scratch"
ANALYST = "analyst_transport"


def _sql(running, sql: str, user: str = STEWARD_USER) -> list[list[object]]:
    return trino_node.query(running.settings, running.paths, sql, running.user(user))


def _runs_into(running, table: str) -> list[dict]:
    """The trino lineage runs whose edges end in `table`, each with its edges."""
    catalog = open_catalog(running.settings)
    if not catalog.table_exists(LINEAGE_EDGES) or not catalog.table_exists(LINEAGE_RUNS):
        return []
    edges = [
        e for e in catalog.load_table(LINEAGE_EDGES).scan().to_arrow().to_pylist() if e["to_table"] == table
    ]
    runs = catalog.load_table(LINEAGE_RUNS).scan().to_arrow().to_pylist()
    ids = {e["run_id"] for e in edges}
    return [
        {**r, "edge_rows": [e for e in edges if e["run_id"] == r["run_id"]]}
        for r in runs
        if r["run_id"] in ids
    ]


@pytest.fixture(scope="module")
def scratch(running_stack):
    _sql(running_stack, f"CREATE SCHEMA IF NOT EXISTS lakehouse_admin.{SCRATCH}")
    yield SCRATCH
    for (name,) in _sql(running_stack, f"SHOW TABLES FROM lakehouse_admin.{SCRATCH}"):
        _sql(running_stack, f"DROP TABLE lakehouse_admin.{SCRATCH}.{name}")
    _sql(running_stack, f"DROP SCHEMA lakehouse_admin.{SCRATCH}")


def _no_pipeline_run() -> Extraction:
    # This module needs no pipeline: the graph below is the recorded Trino lineage alone.
    return Extraction([], 0, 0, [], 0.0)


def test_a_stewards_ctas_is_traced_through_trino_to_its_source_columns(running_stack, scratch) -> None:
    stamp = time.time_ns()
    lots, by_town = f"lots_{stamp}", f"lots_by_town_{stamp}"
    _sql(
        running_stack,
        f"CREATE TABLE lakehouse_admin.{scratch}.{lots} AS SELECT * FROM "
        "(VALUES ('临港', 10), ('泥城', 20), ('临港', 5)) AS t(town, capacity)",
    )
    _sql(
        running_stack,
        f"CREATE TABLE lakehouse_admin.{scratch}.{by_town} AS SELECT town, count(*) AS n, "
        f"sum(capacity) AS spaces FROM lakehouse.{scratch}.{lots} GROUP BY town",
    )
    assert sorted(_sql(running_stack, f"SELECT town, n, spaces FROM {scratch}.{by_town}")) == [
        ["临港", 2, 15],
        ["泥城", 1, 20],
    ]
    source, ours = f"{scratch}.{lots}", f"{scratch}.{by_town}"
    # The scratch schema stays the stewards': a department cannot read what a steward derived.
    with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
        _sql(running_stack, f"SELECT count(*) FROM {ours}", ANALYST)

    settings = running_stack.settings
    eventually(
        lambda: ingest_query_log(settings) is not None and bool(_runs_into(running_stack, ours)), "lineage"
    )
    (run,) = _runs_into(running_stack, ours)
    assert (run["producer"], run["run_by"], run["statement"]) == ("trino", STEWARD_USER, "CREATE TABLE")
    assert run["code_version"].startswith("trino 4")
    edges = {(e["from_table"], e["from_column"], e["to_column"], e["transform"]) for e in run["edge_rows"]}
    assert edges == {
        (source, "town", "town", "derive"),  # a GROUP BY key: not a plain copy
        (source, None, "n", "aggregate"),  # count(*) reads the rows, no column
        (source, "capacity", "spaces", "aggregate"),
    }
    catalog = open_catalog(settings)
    log = catalog.load_table(QUERY_LOG).scan(row_filter=EqualTo("query_id", run["run_id"]))
    assert [r["user"] for r in log.to_arrow().to_pylist()] == [STEWARD_USER]  # run id = the logged query's id

    # Re-reading the spool records nothing twice.
    again = ingest_query_log(settings)
    assert (again.lineage_runs, again.lineage_edges) == (0, 0)
    assert len(_runs_into(running_stack, ours)[0]["edge_rows"]) == 3

    # What `lakehouse lineage <table>.town --upstream` answers from.
    graph = current_lineage(catalog, _no_pipeline_run).graph
    assert graph.resolve(f"{ours}.town") == (ours, "town")
    hops = graph.upstream(ours, "town")
    assert [(h.edge.producer, h.edge.from_table, h.edge.from_column, h.edge.transform) for h in hops] == [
        ("trino", source, "town", "derive")
    ]
    assert [(h.edge.from_table, h.edge.from_column) for h in graph.upstream(ours, "n")] == [(source, None)]

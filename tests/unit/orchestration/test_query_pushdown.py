"""Embedded `lakehouse sql` reads only what a query needs, and answers exactly as the whole-table copy did."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
import sqlglot
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import DateType, LongType, NestedField, StringType, TimestampType

from infra.iceberg.pushdown import plan_scans
from orchestration.query import run_sql

TRIPS = "exchange.trips"
LOTS = "exchange.lots"
DAYS = 6


def _build(catalog: Catalog) -> None:
    """Trips over six day partitions (one append per day, so one file per day) and a small lots table."""
    catalog.create_namespace_if_not_exists("exchange")
    schema = Schema(
        NestedField(1, "trip_id", LongType(), required=False),
        NestedField(2, "lot", StringType(), required=False),
        NestedField(3, "entered_at", TimestampType(), required=False),
        NestedField(4, "fee", LongType(), required=False),
        NestedField(5, "note", StringType(), required=False),
        NestedField(6, "day", DateType(), required=False),
    )
    spec = PartitionSpec(PartitionField(3, 1000, DayTransform(), "entered_at_day"))
    trips = catalog.create_table(TRIPS, schema=schema, partition_spec=spec)
    for d in range(DAYS):
        day = date(2026, 11, 1) + timedelta(days=d)
        rows = range(d * 40, d * 40 + 40)
        trips.append(
            pa.table(
                {
                    "trip_id": pa.array(rows, pa.int64()),
                    "lot": [f"L{i % 4}" for i in rows],
                    "entered_at": [datetime(day.year, day.month, day.day, i % 24, i % 60) for i in rows],
                    "fee": pa.array([(i * 7) % 100 - 5 for i in rows], pa.int64()),
                    "note": [None if i % 3 else f"n'{i}" for i in rows],
                    "day": [day] * len(rows),
                }
            )
        )
    lots = catalog.create_table(
        LOTS,
        schema=Schema(
            NestedField(1, "lot", StringType(), required=False),
            NestedField(2, "district", StringType(), required=False),
        ),
    )
    lots.append(pa.table({"lot": ["L0", "L1", "L2", "L5"], "district": ["A", "B", "A", None]}))


@pytest.fixture
def trips_catalog(catalog: Catalog) -> Catalog:
    _build(catalog)
    return catalog


QUERIES = [
    "select trip_id, lot from exchange.trips order by trip_id",
    "select * from exchange.trips where entered_at >= '2026-11-03' and entered_at < '2026-11-05' order by trip_id",
    "select trip_id from exchange.trips where day = DATE '2026-11-02' order by 1",
    "select trip_id, fee from exchange.trips where fee > 50 order by trip_id",
    "select trip_id from exchange.trips where fee between -5 and 3 and lot in ('L1', 'L3') order by 1",
    "select trip_id from exchange.trips where fee = -2 or lot = 'L0' order by 1",
    "select trip_id from exchange.trips where 30 <= fee and note is not null order by 1",
    "select count(*) as n from exchange.trips where entered_at < '2026-11-02 12:00:00'",
    "select count(*) as n, max(note) as m from exchange.trips where note is null",
    "select lot, count(*) as n, sum(fee) as s from exchange.trips where day >= '2026-11-04' group by lot order by lot",
    "select t.trip_id, l.district from exchange.trips t join exchange.lots l on t.lot = l.lot"
    " where l.district = 'A' and t.fee between 10 and 60 and day <= '2026-11-03' order by 1",
    "select t.trip_id, l.district from exchange.trips t left join exchange.lots l using (lot)"
    " where l.district is null and t.fee > 80 order by 1",
    "select a.trip_id from exchange.trips a join exchange.trips b on a.trip_id = b.trip_id + 1"
    " where a.fee > 90 order by 1",
    "with x as (select lot, fee from exchange.trips where lot = 'L2') select lot, sum(fee) as s from x group by lot",
    "select t from exchange.trips t where t.trip_id < 3 order by t.trip_id",
    "select #2, #4 from exchange.trips where trip_id between 5 and 7 order by #1",
    "select trip_id from exchange.trips where trip_id in (select trip_id + 200 from exchange.trips where fee < 0)"
    " order by 1",
    "select table_name, column_name from information_schema.columns, exchange.lots where lot = 'L1'"
    " and table_schema = 'exchange' order by 1, 2",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_results_equal_with_and_without_push_down(trips_catalog: Catalog, sql: str) -> None:
    pushed = run_sql(trips_catalog, sql).to_pylist()
    whole = run_sql(trips_catalog, sql, pushdown=False).to_pylist()
    assert pushed == whole
    assert whole  # every query above matches some rows, so equality is not two empty answers


def _plans(catalog: Catalog, sql: str) -> dict:
    statement = sqlglot.parse_one(sql, read="duckdb")
    keys = {("exchange", "trips"), ("exchange", "lots")} & {
        (t.db, t.name) for t in statement.find_all(sqlglot.exp.Table)
    }
    return plan_scans(statement, {key: catalog.load_table(key).schema() for key in keys})


def test_a_filter_on_the_partition_column_plans_fewer_files(trips_catalog: Catalog) -> None:
    sql = "select trip_id from exchange.trips where entered_at >= '2026-11-03' and entered_at < '2026-11-05'"
    plan = _plans(trips_catalog, sql)[("exchange", "trips")]
    table = trips_catalog.load_table(TRIPS)
    assert len(list(table.scan().plan_files())) == DAYS
    assert len(list(table.scan(row_filter=plan.row_filter).plan_files())) == 2


def test_projection_names_only_the_columns_used(trips_catalog: Catalog) -> None:
    plans = _plans(trips_catalog, "select t.lot, sum(fee) from exchange.trips t group by 1")
    assert plans[("exchange", "trips")].columns == ("lot", "fee")
    assert _plans(trips_catalog, "select count(*) from exchange.trips")[("exchange", "trips")].columns == ()
    for sql in [
        "select * from exchange.trips",
        "select t.* from exchange.trips t",
        "select columns('fee|lot') from exchange.trips",
        "select t from exchange.trips t",
        "select #2 from exchange.trips",
        "select lot from exchange.trips natural join exchange.lots",
    ]:
        assert _plans(trips_catalog, sql)[("exchange", "trips")].columns is None, sql


@pytest.mark.parametrize(
    "sql",
    [
        "select trip_id from exchange.trips where fee > 5 or lot = 'L1'",  # OR
        "select trip_id from exchange.trips where fee > 5.5",  # a float against a long column
        "select trip_id from exchange.trips where lot <> 'L1'",
        "select trip_id from exchange.trips where fee + 1 > 5",
        "select trip_id from exchange.trips where cast(fee as varchar) = '5'",
        "select trip_id from exchange.trips where entered_at > '2026-11-03 00:00:00+08:00'",
        "select trip_id from exchange.trips where lot = DATE '2026-11-01'",  # DuckDB would cast the column
        "select a.trip_id from exchange.trips a, exchange.trips b where a.fee > 5",  # read twice
        "select l.lot from exchange.lots l left join exchange.trips t using (lot) where t.fee > 5",
        "select trip_id from exchange.trips, exchange.lots where fee > 5",  # unqualified beside a join
    ],
)
def test_what_is_not_plainly_understood_is_not_pushed(trips_catalog: Catalog, sql: str) -> None:
    plan = _plans(trips_catalog, sql)[("exchange", "trips")]
    assert plan.row_filter == AlwaysTrue() and plan.pushed == ()


def test_pushed_conjuncts_are_reported(trips_catalog: Catalog) -> None:
    sql = "select trip_id from exchange.trips t where t.fee >= 10 and lot in ('L1') and note is null and fee*2 > 3"
    plan = _plans(trips_catalog, sql)[("exchange", "trips")]
    assert plan.pushed == ("t.fee >= 10", "lot IN ('L1')", "note IS NULL")
    rows = trips_catalog.load_table(TRIPS).scan(row_filter=plan.row_filter).to_arrow().to_pylist()
    assert rows and all(r["fee"] >= 10 and r["lot"] == "L1" and r["note"] is None for r in rows)


def test_a_list_column_is_read_whole_by_select_star(tmp_path, monkeypatch):
    """A list column's nested field ("tags.element") is no column of its own to select."""
    import pyarrow as pa

    from infra.catalog import open_catalog
    from infra.iceberg.writer import commit, ensure_table
    from infra.settings import load_settings
    from orchestration.query import run_sql

    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "home"))
    catalog = open_catalog(load_settings())
    schema = pa.schema(
        [pa.field("grant_id", pa.string(), nullable=False), pa.field("tags", pa.list_(pa.string()))]
    )
    ensure_table(catalog, "governance.list_probe", schema)
    data = pa.table({"grant_id": ["g1", "g2"], "tags": [["a", "b"], None]}, schema=schema)
    commit(catalog, "governance.list_probe", data, "overwrite")
    rows = run_sql(catalog, "select * from governance.list_probe order by grant_id").to_pylist()
    assert rows == [{"grant_id": "g1", "tags": ["a", "b"]}, {"grant_id": "g2", "tags": None}]
    named = run_sql(catalog, "select tags from governance.list_probe where grant_id = 'g1'").to_pylist()
    assert named == [{"tags": ["a", "b"]}]

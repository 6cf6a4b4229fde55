"""Embedded `lakehouse sql`: DESCRIBE and information_schema show the business names the pipeline wrote."""

from __future__ import annotations

import logging
import threading

import duckdb
import pyarrow as pa
import pytest

from governance.column_docs import column_docs, table_doc
from governance.contracts import load_contracts
from governance.publish import write_derived
from orchestration.query import QueryError, _sqlglot_quiet, referenced_tables, run_sql, sql_literal

SESSIONS = "exchange.parking_sessions"
LOTS = "exchange.parking_lots"


def _publish_empty(catalog, table: str) -> dict[str, str]:
    """The exchange table as publish writes it (schema and docs from the contract), without rows."""
    contract = load_contracts()[table.split(".")[1]]
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in contract.exchange_columns])
    write_derived(catalog, table, schema.empty_table(), table_doc(table).iceberg())
    return column_docs(table)


@pytest.mark.parametrize("text", ["停车费(元)", "O'Brien's 'quoted'", "back\\slash ''", "多行\n说明"])
def test_sql_literal_round_trips_through_duckdb(text: str) -> None:
    with duckdb.connect() as connection:
        assert connection.execute(f"select {sql_literal(text)}").fetchone() == (text,)
        connection.execute("create table t (a int)")
        connection.execute(f"comment on column t.a is {sql_literal(text)}")
        assert connection.execute(
            "select comment from duckdb_columns() where table_name = 't'"
        ).fetchone() == (text,)


def test_describe_shows_the_business_names(catalog) -> None:
    expected = _publish_empty(catalog, SESSIONS)
    assert expected
    result = run_sql(catalog, f"DESCRIBE {SESSIONS}").to_pylist()
    assert {r["column_name"]: r["comment"] for r in result if r["comment"]} == expected
    assert [r["column_name"] for r in result] == list(catalog.load_table(SESSIONS).schema().column_names)


def test_a_quote_in_a_doc_reaches_describe_intact(catalog) -> None:
    contract = load_contracts()["parking_sessions"]
    renamed = contract.columns[0].model_copy(update={"business_name": "停车'流水号"})
    changed = contract.model_copy(update={"columns": (renamed, *contract.columns[1:])})
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in contract.exchange_columns])
    write_derived(
        catalog, SESSIONS, schema.empty_table(), table_doc(SESSIONS, {contract.name: changed}).iceberg()
    )
    rows = run_sql(catalog, f"describe {SESSIONS}").to_pylist()
    assert rows[0]["comment"] == "停车'流水号"


def test_information_schema_lists_every_table_with_comments(catalog) -> None:
    sessions = _publish_empty(catalog, SESSIONS)
    lots = _publish_empty(catalog, LOTS)
    rows = run_sql(
        catalog,
        "select table_name, column_name, column_comment as doc from information_schema.columns"
        " where table_schema = 'exchange' order by table_name, ordinal_position",
    ).to_pylist()
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["doc"]:  # DuckDB names the column COLUMN_COMMENT
            found.setdefault(row["table_name"], {})[row["column_name"]] = row["doc"]
    assert found == {"parking_lots": lots, "parking_sessions": sessions}
    tables = run_sql(
        catalog,
        "select table_name, table_comment as doc from information_schema.tables where table_schema = 'exchange'",
    ).to_pylist()
    assert {r["table_name"]: r["doc"] for r in tables} == {
        "parking_lots": table_doc(LOTS).comment,
        "parking_sessions": table_doc(SESSIONS).comment,
    }


def test_information_schema_joined_with_a_table_copies_only_that_table(catalog) -> None:
    _publish_empty(catalog, SESSIONS)
    _publish_empty(catalog, LOTS)
    assert referenced_tables(f"select * from information_schema.columns, {LOTS}") == {
        ("exchange", "parking_lots")
    }
    rows = run_sql(catalog, "select table_name, comment from duckdb_columns() where schema_name = 'exchange'")
    assert set(rows.column("table_name").to_pylist()) == {"parking_lots", "parking_sessions"}


def test_file_reading_table_functions_stay_refused(catalog) -> None:
    with pytest.raises(QueryError, match="read_csv"):
        run_sql(catalog, "select * from read_csv('/etc/passwd')")
    with pytest.raises(QueryError, match="qualify"):
        referenced_tables("select * from parking_sessions")


@pytest.mark.parametrize(("sql", "named"), [("call pg_sleep(1)", "CALL"), ("pragma version", "PRAGMA")])
def test_a_statement_that_is_no_query_is_refused_by_name_without_echoing_it(sql, named, caplog) -> None:
    with pytest.raises(QueryError, match=f"not {named}$"):
        referenced_tables(sql)
    assert not [r for r in caplog.records if sql in r.getMessage()]  # sqlglot's own warning quotes it


def test_a_query_cannot_read_the_environment_or_change_duckdb_settings(catalog) -> None:
    with pytest.raises(QueryError, match="getenv"):  # the process's secrets live there
        run_sql(catalog, "select getenv('HOME') as home")
    setting = run_sql(catalog, "select current_setting('enable_external_access') as v")
    assert setting.column("v").to_pylist() == [False]


def test_a_query_that_does_not_parse_is_refused_saying_where_without_quoting_it() -> None:
    with pytest.raises(QueryError, match=r"line 1, column \d+$") as refused:
        referenced_tables("select * from exchange.residents where id_number = '310115194812236125' and (")
    assert "310115" not in str(refused.value) and "\x1b" not in str(refused.value)


def test_an_error_names_what_failed_but_not_the_value(catalog) -> None:
    with pytest.raises(QueryError) as refused:
        run_sql(catalog, "select cast('13812345678x' as integer) as v")
    assert str(refused.value) == "Conversion Error: Could not convert string '…' to INT32"
    with pytest.raises(QueryError, match='Referenced column "nosuch" not found'):
        run_sql(catalog, "select nosuch from (select 1 as v)")


def test_quieting_sqlglot_silences_this_thread_only(caplog) -> None:
    """The parse hides sqlglot's echo of the query from its own thread; other threads log as configured."""
    log = logging.getLogger("sqlglot")
    caplog.set_level(logging.WARNING, logger="sqlglot")
    other = threading.Thread(target=lambda: log.warning("from another thread"))
    with _sqlglot_quiet():
        log.warning("from the parsing thread")
        other.start()
        other.join()
    log.warning("after the parse")
    assert [r.getMessage() for r in caplog.records] == ["from another thread", "after the parse"]

"""Read-only SQL over the Iceberg tables on the embedded profile (DuckDB over pyiceberg scans).

Each table a query names is copied into an in-memory DuckDB, but only the columns the query names and the
rows its simple WHERE conditions may keep (``infra.iceberg.pushdown``: Iceberg skips the files those rule
out; DuckDB still applies the whole query), with its Iceberg column docs and table comment
as DuckDB comments, so `DESCRIBE exchange.parking_sessions` shows the business names as Trino does, and
`information_schema.columns` (column ``COLUMN_COMMENT``) or ``duckdb_columns()`` list every lakehouse table:
tables the query only inspects are created empty, with their schema and comments, not copied.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import sqlglot
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table
from sqlglot import exp

from infra.iceberg.docs import COMMENT_PROPERTY
from infra.iceberg.pushdown import ScanPlan, plan_scans

READ_ONLY_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.With, exp.Describe)
# Schemas DuckDB answers from its own catalog: naming one means "tell me about the tables".
METADATA_SCHEMAS = frozenset({"information_schema", "pg_catalog"})
# Table functions that only describe the catalog (file readers such as read_csv stay refused).
METADATA_FUNCTIONS = frozenset({"duckdb_columns", "duckdb_tables", "duckdb_views", "duckdb_schemas"})
# What `DESCRIBE zone.table` answers: DuckDB's own DESCRIBE (1.5) has no comment column; Trino's has one.
DESCRIBE_SQL = (
    "select column_name, data_type as column_type, case when is_nullable then 'YES' else 'NO' end as null,"
    " comment from duckdb_columns() where schema_name = ? and table_name = ? order by column_index"
)


class QueryError(ValueError):
    pass


class _OtherThreadsOnly(logging.Filter):
    """Drops the records of the thread that created it; another thread's logging goes on as configured."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextlib.contextmanager
def _sqlglot_quiet() -> Iterator[None]:
    # sqlglot warns when it keeps a statement it does not know as a bare command, quoting the whole query
    # (which may hold personal values); the refusal below names that statement instead. A filter for this
    # thread only: the logger's level is shared by every thread of the process (Dagster's, the webserver's).
    quiet = _OtherThreadsOnly()
    sqlglot_log = logging.getLogger("sqlglot")
    sqlglot_log.addFilter(quiet)
    try:
        yield
    finally:
        sqlglot_log.removeFilter(quiet)


def _parse(sql: str) -> exp.Expression:
    try:
        with _sqlglot_quiet():
            statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise QueryError(f"cannot parse the SQL: {_where(exc)}") from None
    if len(statements) != 1 or statements[0] is None:
        raise QueryError("give exactly one statement")
    statement = statements[0]
    if not isinstance(statement, READ_ONLY_ROOTS):
        kind = statement.name if isinstance(statement, exp.Command) else statement.key
        raise QueryError(f"only read-only queries are allowed here, not {kind.upper()}")
    return statement


# A quoted string in DuckDB's messages is a value (a cell it could not convert, a literal of the query);
# identifiers are double-quoted. The "LINE 1: …" excerpt quotes the query around the fault.
_QUOTED_VALUE = re.compile(r"'(?:[^']|'')*'")
_QUERY_EXCERPT = re.compile(r"\n+LINE \d+:.*", re.DOTALL)


def _without_values(message: str) -> str:
    """DuckDB's error without the values it quotes: a cell it could not convert may be personal data."""
    return _QUOTED_VALUE.sub("'…'", _QUERY_EXCERPT.sub("", message)).strip()


def _where(exc: sqlglot.errors.ParseError) -> str:
    """What sqlglot found wrong and where, without its quote of the query around that place (a literal in
    it may be a personal value) and without its terminal colour codes."""
    first = exc.errors[0] if exc.errors else {}
    if "line" not in first:
        return "not SQL this reader understands"
    return f"{first.get('description') or 'unexpected text'} at line {first['line']}, column {first['col']}"


def _function_name(table: exp.Table) -> str | None:
    """The table function a FROM item calls (``duckdb_columns()``), or None for a named table."""
    if isinstance(table.this, exp.Anonymous):
        return table.this.name.lower()
    return table.this.sql_name().lower() if isinstance(table.this, exp.Func) else None


def _scan(statement: exp.Expression) -> tuple[set[tuple[str, str]], bool]:
    """(the zone-qualified tables the statement reads, whether it asks the catalog about tables)."""
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    tables: set[tuple[str, str]] = set()
    inspects = False
    for table in statement.find_all(exp.Table):
        function = _function_name(table)
        if function is not None:
            if function not in METADATA_FUNCTIONS:
                raise QueryError(f"table function {function}() is not allowed here; query lakehouse tables")
            inspects = True
            continue
        if table.name in ctes and not table.db:
            continue
        if table.db.lower() in METADATA_SCHEMAS:
            inspects = True
            continue
        if not table.db:
            raise QueryError(f"qualify table {table.name!r} with its zone, e.g. exchange.{table.name}")
        tables.add((table.db, table.name))
    return tables, inspects


def referenced_tables(sql: str) -> set[tuple[str, str]]:
    """The lakehouse tables a read-only statement reads (information_schema and the like left out)."""
    return _scan(_parse(sql))[0]


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal: single quotes doubled, nothing else special (DuckDB and Trino
    standard strings treat backslashes literally). For statements that take no parameters (COMMENT ON)."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _create(connection: duckdb.DuckDBPyConnection, namespace: str, name: str, data: pa.Table) -> str:
    # Identifiers cannot be bound as parameters; these come from the catalog and are quoted with their own
    # quotes doubled.
    schema, table = quote_identifier(namespace), quote_identifier(name)
    connection.execute(f"create schema if not exists {schema}")
    # Registered Arrow is copied into a local table so the names match the zone names exactly.
    connection.register("_arrow_source", data)
    connection.execute(f"create table {schema}.{table} as select * from _arrow_source")
    connection.unregister("_arrow_source")
    return f"{schema}.{table}"


def _fill(connection: duckdb.DuckDBPyConnection, qualified: str, iceberg: Table, plan: ScanPlan) -> None:
    """Stream only the planned columns of the rows that may match into the (empty, full-schema) table.

    Iceberg skips the files its partition values and column metrics rule out; the batches go into DuckDB
    one at a time. Columns the query never names stay NULL, so DESCRIBE and information_schema still show
    the whole schema. The copy (not a view over the reader) is deliberate: a reader can be read only once,
    and DuckDB may scan a table more than once in one query.
    """
    fields = plan.selected_fields(iceberg.schema())
    reader = iceberg.scan(row_filter=plan.row_filter, selected_fields=fields).to_arrow_batch_reader()
    names = ", ".join(quote_identifier(name) for name in fields)
    connection.register("_arrow_source", reader)
    connection.execute(f"insert into {qualified} ({names}) select {names} from _arrow_source")
    connection.unregister("_arrow_source")


def _comment(connection: duckdb.DuckDBPyConnection, qualified: str, iceberg: Table) -> None:
    """The Iceberg table's comment and column docs as DuckDB comments (COMMENT ON takes no parameters)."""
    comment = iceberg.properties.get(COMMENT_PROPERTY)
    if comment:
        connection.execute(f"comment on table {qualified} is {sql_literal(comment)}")
    for field in iceberg.schema().fields:
        if field.doc:
            column = f"{qualified}.{quote_identifier(field.name)}"
            connection.execute(f"comment on column {column} is {sql_literal(field.doc)}")


def _all_tables(catalog: Catalog) -> list[tuple[str, str]]:
    found = []
    for namespace in catalog.list_namespaces():
        for identifier in catalog.list_tables(namespace):
            found.append((".".join(identifier[:-1]), identifier[-1]))
    return sorted(found)


def run_sql(catalog: Catalog, sql: str, *, pushdown: bool = True) -> pa.Table:
    """``pushdown=False`` copies each table whole (the behaviour before push-down; tests and bench compare)."""
    statement = _parse(sql)
    tables, inspects = _scan(statement)
    connection = duckdb.connect(":memory:")
    try:
        loaded: dict[tuple[str, str], Table] = {}
        for namespace, name in sorted(tables):
            identifier = f"{namespace}.{name}"
            if not catalog.table_exists(identifier):
                raise QueryError(f"no table {identifier}; see `lakehouse tables`")
            loaded[(namespace, name)] = catalog.load_table(identifier)
        plans = plan_scans(statement, {key: iceberg.schema() for key, iceberg in loaded.items()})
        for (namespace, name), iceberg in loaded.items():
            if pushdown:
                empty = iceberg.schema().as_arrow().empty_table()
                qualified = _create(connection, namespace, name, empty)
                _fill(connection, qualified, iceberg, plans[(namespace, name)])
            else:
                qualified = _create(connection, namespace, name, iceberg.scan().to_arrow())
            _comment(connection, qualified, iceberg)
        if inspects:
            # Every other table with its schema and comments but no rows: enough to be listed and described.
            for namespace, name in _all_tables(catalog):
                if (namespace, name) not in tables:
                    iceberg = catalog.load_table((namespace, name))
                    empty = iceberg.schema().as_arrow().empty_table()
                    _comment(connection, _create(connection, namespace, name, empty), iceberg)
        # The parse above refuses file readers by name; DuckDB itself also refuses, from here on, whatever
        # reaches outside the tables just copied in (files, environment variables, extensions, settings).
        connection.execute("set enable_external_access = false")
        connection.execute("set lock_configuration = true")
        described = statement.this if isinstance(statement, exp.Describe) else None
        if isinstance(described, exp.Table) and described.db:
            return connection.execute(DESCRIBE_SQL, [described.db, described.name]).to_arrow_table()
        return connection.execute(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(_without_values(str(exc))) from None
    finally:
        connection.close()

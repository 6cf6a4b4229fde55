"""Read-only SQL over the Iceberg tables on the embedded profile (DuckDB over pyiceberg scans)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import sqlglot
from pyiceberg.catalog import Catalog
from sqlglot import exp

READ_ONLY_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.With, exp.Describe)


class QueryError(ValueError):
    pass


def referenced_tables(sql: str) -> set[tuple[str, str]]:
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise QueryError(f"cannot parse the SQL: {exc}") from exc
    if len(statements) != 1 or statements[0] is None:
        raise QueryError("give exactly one statement")
    statement = statements[0]
    if not isinstance(statement, READ_ONLY_ROOTS):
        raise QueryError(f"only read-only queries are allowed here, not {statement.key.upper()}")
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    tables = set()
    for table in statement.find_all(exp.Table):
        if table.name in ctes and not table.db:
            continue
        if not table.db:
            raise QueryError(f"qualify table {table.name!r} with its zone, e.g. exchange.{table.name}")
        tables.add((table.db, table.name))
    return tables


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def run_sql(catalog: Catalog, sql: str) -> pa.Table:
    connection = duckdb.connect(":memory:")
    try:
        for namespace, name in sorted(referenced_tables(sql)):
            identifier = f"{namespace}.{name}"
            if not catalog.table_exists(identifier):
                raise QueryError(f"no table {identifier}; see `lakehouse tables`")
            data = catalog.load_table(identifier).scan().to_arrow()
            # Identifiers cannot be bound as parameters; these were parsed from the query, exist in the
            # catalog, and are quoted with their own quotes doubled.
            schema, table = _quote(namespace), _quote(name)
            connection.execute(f"create schema if not exists {schema}")
            # Registered Arrow is copied into a local table so the view names match the zone names exactly.
            connection.register("_arrow_source", data)
            connection.execute(f"create table {schema}.{table} as select * from _arrow_source")
            connection.unregister("_arrow_source")
        return connection.execute(sql).fetch_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        connection.close()

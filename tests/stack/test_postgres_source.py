"""The SQL connector against a real PostgreSQL server: incremental by watermark, advanced only on commit."""

from __future__ import annotations

import sqlite3
from datetime import date
from urllib.parse import quote

import psycopg
import pytest

from governance.contracts import load_contracts
from infra.catalog import open_catalog
from ingest.load import load_dataset
from ingest.simulator import simulate

pytestmark = pytest.mark.stack
SCHEMA = "online_service_hall"


@pytest.fixture
def department_database(running_stack, tmp_path, monkeypatch):
    """The service hall's approval steps, copied from the simulator's SQLite file into PostgreSQL."""
    settings = running_stack.settings
    simulate(tmp_path / "sources", scale=0.01, days=1, seed=9, start=date(2026, 11, 20))
    with sqlite3.connect(tmp_path / "sources" / "online_service_hall.db") as source:
        columns = [row[1] for row in source.execute("pragma table_info(approval_steps)")]
        rows = source.execute("select * from approval_steps order by step_id").fetchall()
    dsn = f"host=127.0.0.1 port={settings.pg_port} dbname=sharing user={settings.pg_user} password={settings.pg_password}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"drop schema if exists {SCHEMA} cascade")
        connection.execute(f"create schema {SCHEMA}")
        definitions = ", ".join(f"{c} bigint" if c == "step_id" else f"{c} text" for c in columns)
        connection.execute(f"create table {SCHEMA}.approval_steps ({definitions})")
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"insert into {SCHEMA}.approval_steps values ({placeholders})", rows[:-5])
    options = quote(f"-csearch_path={SCHEMA}")
    url = (
        f"postgresql+psycopg://{settings.pg_user}:{settings.pg_password}@127.0.0.1:{settings.pg_port}/sharing"
        f"?options={options}"
    )
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")
    return url, dsn, rows


def test_postgres_source_loads_incrementally(department_database):
    url, dsn, rows = department_database
    contract = load_contracts()["approval_steps"]
    catalog = open_catalog()
    first = load_dataset(contract, url, catalog)
    assert (first.rows_in, first.rows_loaded) == (len(rows) - 5, len(rows) - 5)
    assert load_dataset(contract, url, catalog).status == "unchanged"
    with psycopg.connect(dsn, autocommit=True) as connection, connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(rows[0]))
        cursor.executemany(f"insert into {SCHEMA}.approval_steps values ({placeholders})", rows[-5:])
    second = load_dataset(contract, url, catalog)
    assert (second.rows_in, second.rows_loaded) == (5, 5)
    table = catalog.load_table(contract.raw_table)
    assert table.scan().to_arrow().num_rows == len(rows)
    assert table.properties["lakehouse.watermark"] == str(max(r[0] for r in rows))

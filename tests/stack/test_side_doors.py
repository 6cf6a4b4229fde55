"""Side doors of issue #14 on the real stack: ways past the table rules an analyst might try. Each is refused.

Table procedures and retention session properties (finding 2), SHOW STATS on a row-filtered grant (6a),
Iceberg metadata tables, system information, metadata of denied tables, DDL/DML, table functions, and
another user's name in X-Trino-User. The steward account is the control: what is closed to analysts is
open to it, in the steward catalog (docs/threat-model.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import trino

from infra.catalog import open_catalog
from infra.stack import trino as trino_node
from infra.stack.secrets import STEWARD_USER
from tests.stack.stack_data import Wanted, granted, pipeline_once, with_service_account

pytestmark = pytest.mark.stack

ANALYST = "analyst_transport"
OWN = "exchange.parking_lots"  # transport provides it: the analyst reads every row and column
GRANTED = "exchange.kiosk_checks"  # health's, granted to transport for one kiosk's rows
SCRATCH = "lakehouse_admin.side_door_test"


def _connection(running, user: str, login: str | None = None, **extra) -> trino.dbapi.Connection:
    """A connection that logs in as `login` (default `user`) and names `user` in X-Trino-User."""
    account = running.user(login or user)
    session = requests.Session()
    session.verify = str(trino_node.cert_pem(running.paths))
    session.trust_env = False
    return trino.dbapi.connect(
        host=running.settings.trino_host,
        port=running.settings.trino_port,
        http_scheme="https",
        auth=trino.auth.BasicAuthentication(account.name, account.password),
        http_session=session,
        user=user,
        catalog="lakehouse",
        request_timeout=60,
        **extra,
    )


def _sql(running, sql: str, user: str = ANALYST) -> list[list[object]]:
    with _connection(running, user) as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return [list(r) for r in cursor.fetchall()]


def _refused(running, sql: str, user: str = ANALYST) -> None:
    with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
        _sql(running, sql, user)


def _snapshots(running, table: str) -> int:
    return len(open_catalog(running.settings).load_table(table).snapshots())


@pytest.fixture(scope="module")
def doors(running_stack) -> Iterator:
    pipeline_once(running_stack)
    (kiosk,) = _sql(running_stack, f"SELECT min(kiosk_id) FROM {GRANTED}", STEWARD_USER)[0]
    wanted = [
        Wanted("kiosk_checks", "transport", ("check_id", "kiosk_id", "checked_at"), f"kiosk_id = '{kiosk}'")
    ]
    with granted(running_stack, wanted):
        yield running_stack


@pytest.mark.parametrize(
    "procedure",
    [
        "optimize",
        "optimize_manifests",
        "expire_snapshots(retention_threshold => '0s')",
        "remove_orphan_files(retention_threshold => '0s')",
        "drop_extended_stats",
        "rollback_to_snapshot(1)",
    ],
)
def test_table_procedures_on_tables_the_analyst_reads_are_refused(doors, procedure) -> None:
    """Finding 2: they succeeded on any table an analyst could read (Trino 476's file-based rules do not
    govern them at all); the catalog everyone reads now refuses them by its connector."""
    before = {t: _snapshots(doors, t) for t in (OWN, GRANTED)}
    for table in (OWN, GRANTED):
        _refused(doors, f"ALTER TABLE {table} EXECUTE {procedure}")
    assert {t: _snapshots(doors, t) for t in (OWN, GRANTED)} == before


@pytest.mark.parametrize(
    "prop",
    [
        "lakehouse.expire_snapshots_min_retention = '0s'",
        "lakehouse.remove_orphan_files_min_retention = '0s'",
        "lakehouse.statistics_enabled = true",
        "lakehouse_admin.expire_snapshots_min_retention = '0s'",
        "resource_overcommit = true",
        "query_max_memory = '100GB'",
    ],
)
def test_session_properties_that_weaken_guards_are_refused(doors, prop) -> None:
    _refused(doors, f"SET SESSION {prop}")
    # Given as a session header rather than a statement: refused before the query runs.
    name, value = (part.strip().strip("'") for part in prop.split("="))
    with (
        _connection(doors, ANALYST, session_properties={name: value}) as conn,
        pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"),
    ):
        conn.cursor().execute(f"SELECT count(*) FROM {OWN}")


def test_an_analyst_may_bound_the_own_query_and_the_steward_may_set_retention(doors) -> None:
    for prop in ("query_max_run_time = '10m'", "query_max_execution_time = '5m'"):
        assert _sql(doors, f"SET SESSION {prop}") == []
    assert (
        _sql(doors, "SET SESSION lakehouse_admin.expire_snapshots_min_retention = '1d'", STEWARD_USER) == []
    )


def test_procedures_and_table_functions_are_refused(doors) -> None:
    _refused(doors, "CALL lakehouse.system.rollback_to_snapshot('exchange', 'parking_lots', 1)")
    _refused(doors, "CALL system.runtime.kill_query(query_id => 'x', message => 'x')")
    # table_changes reads a table's rows by snapshot, outside any row filter.
    _refused(doors, "SELECT * FROM TABLE(lakehouse.system.table_changes('exchange', 'kiosk_checks', 0, 1))")


def test_show_stats_shows_no_ranges_of_rows_the_reader_cannot_see(doors) -> None:
    """Finding 6a: SHOW STATS FOR (SELECT …) gave a row-filtered reader the whole table's column maxima.
    The catalog everyone reads serves no statistics; the steward catalog still has them."""
    granted_rows = _sql(doors, f"SELECT count(*) FROM {GRANTED}")[0][0]
    stats = _sql(doors, f"SHOW STATS FOR (SELECT checked_at, kiosk_id FROM {GRANTED})")
    assert stats and all(row[1:] == [None] * (len(row) - 1) for row in stats), stats
    steward = _sql(doors, f"SHOW STATS FOR lakehouse_admin.{GRANTED}", STEWARD_USER)
    whole = {row[0]: row for row in steward}
    assert whole["checked_at"][5] is not None and whole[None][4] > granted_rows  # ranges exist, withheld
    _refused(doors, f"SHOW STATS FOR {GRANTED}")  # the ungranted columns


@pytest.mark.parametrize(
    "suffix", ["files", "snapshots", "history", "manifests", "partitions", "properties", "refs"]
)
def test_iceberg_metadata_tables_are_refused(doors, suffix) -> None:
    """They carry every data file's column bounds, paths and snapshot history, outside row filters."""
    for table in (OWN, GRANTED, "kpi.sharing_rate"):
        schema, name = table.split(".")
        _refused(doors, f'SELECT * FROM {schema}."{name}${suffix}" LIMIT 1')


def test_system_information_is_refused(doors) -> None:
    for table in ("runtime.queries", "runtime.nodes", "runtime.tasks", "runtime.transactions"):
        _refused(doors, f"SELECT count(*) FROM system.{table}")


@pytest.mark.parametrize("table", ["raw_health.resident_health_records", "exchange.resident_health_records"])
def test_denied_tables_show_no_metadata(doors, table) -> None:
    for sql in (
        f"DESCRIBE {table}",
        f"SHOW CREATE TABLE {table}",
        f"SHOW COLUMNS FROM {table}",
        f"SHOW STATS FOR {table}",
    ):
        _refused(doors, sql)
    schema, name = table.split(".")
    listed = f"SELECT count(*) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = '{name}'"
    assert _sql(doors, listed) == [[0]]
    jdbc = (
        f"SELECT count(*) FROM system.jdbc.columns WHERE table_schem = '{schema}' AND table_name = '{name}'"
    )
    assert _sql(doors, jdbc) == [[0]]


@pytest.mark.parametrize(
    "statement",
    [
        f"INSERT INTO {OWN} SELECT * FROM {OWN} LIMIT 1",
        f"DELETE FROM {OWN}",
        f"UPDATE {OWN} SET lot_name = 'x'",
        f"TRUNCATE TABLE {OWN}",
        f"ALTER TABLE {OWN} ADD COLUMN x varchar",
        f"COMMENT ON TABLE {OWN} IS 'x'",
        f"DROP TABLE {OWN}",
        "CREATE TABLE exchange.side_door AS SELECT 1 AS x",
        "CREATE VIEW exchange.side_door AS SELECT * FROM raw_health.resident_health_records",
        "CREATE SCHEMA lakehouse.side_door",
        f"SELECT count(*) FROM lakehouse_admin.{OWN}",
        "CREATE TABLE lakehouse_admin.exchange.side_door AS SELECT 1 AS x",
    ],
)
def test_no_ddl_or_dml_for_analysts_in_either_catalog(doors, statement) -> None:
    rows = _sql(doors, f"SELECT count(*) FROM {OWN}", STEWARD_USER)
    _refused(doors, statement)
    assert _sql(doors, f"SELECT count(*) FROM {OWN}", STEWARD_USER) == rows


@pytest.mark.parametrize(
    ("login", "claimed"),
    [(ANALYST, STEWARD_USER), (ANALYST, "analyst_health"), ("analyst_data_office", STEWARD_USER)],
)
def test_another_users_name_in_x_trino_user_is_refused(doors, login, claimed) -> None:
    with (
        _connection(doors, claimed, login=login) as conn,
        pytest.raises(
            (trino.exceptions.TrinoUserError, trino.exceptions.HttpError), match=r"Access Denied|403"
        ),
    ):
        conn.cursor().execute("SELECT count(*) FROM raw_health.resident_health_records").fetchall()


def test_superset_acts_for_analysts_only_and_reads_nothing_as_itself(doors) -> None:
    service = with_service_account(doors)
    with _connection(doors, ANALYST, login=service) as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT count(*) FROM {OWN}")
        assert cursor.fetchall()[0][0] > 0  # as the analyst, the analyst's rules
    with (
        _connection(doors, service) as conn,
        pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"),
    ):
        conn.cursor().execute(f"SELECT count(*) FROM {OWN}").fetchall()
    for claimed in ("admin", "superset_other"):
        with (
            _connection(doors, claimed, login=service) as conn,
            pytest.raises(
                (trino.exceptions.TrinoUserError, trino.exceptions.HttpError), match=r"Access Denied|403"
            ),
        ):
            conn.cursor().execute("SELECT 1").fetchall()


def test_the_steward_maintains_tables_in_the_steward_catalog(doors) -> None:
    """The control: procedures, writes and retention properties are the steward's, in lakehouse_admin."""
    for sql in (
        f"CREATE SCHEMA IF NOT EXISTS {SCRATCH}",
        f"CREATE TABLE {SCRATCH}.t AS SELECT 1 AS a",
        f"INSERT INTO {SCRATCH}.t VALUES (2)",
        f"ALTER TABLE {SCRATCH}.t EXECUTE optimize",
        f"ALTER TABLE {SCRATCH}.t EXECUTE expire_snapshots(retention_threshold => '7d')",
    ):
        _sql(doors, sql, STEWARD_USER)
    assert _sql(doors, f"SELECT count(*) FROM {SCRATCH}.t", STEWARD_USER) == [[2]]
    with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
        _sql(doors, "CREATE TABLE side_door_test.u AS SELECT 1 AS a", STEWARD_USER)  # not in the read catalog
    _sql(doors, f"DROP TABLE {SCRATCH}.t", STEWARD_USER)
    _sql(doors, f"DROP SCHEMA {SCRATCH}", STEWARD_USER)

"""The acceptance matrix of issue #14 on the real stack: every user × every table of every zone.

Users: the steward, every `analyst_<department>` (the data office's too) and Superset's service account.
Tables: whatever the steward's SHOW TABLES lists in each schema after the tiny pipeline, with live grants of
each kind (row-filtered and column-limited, whole-row opening a mart, one to the data office). Per user and
table: count(*), SELECT * and each personal column alone, LIMIT 1, on one connection per user. The
expectation comes from `access_expectations` (the catalogue, the live grants and dbt's manifest read by the
rules of docs/sharing.md), never from the access policy under test. An escape is a query that returns what
the rules deny (a table, a column, an unmasked personal value, rows beyond the grant); an over-denial the
reverse. Both must be 0.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import trino

from governance.catalogue import read_catalogue
from governance.sharing.grants import live_grants
from governance.sharing.store import RequestStore, sharing_db_url
from infra.catalog import open_catalog
from infra.dbt_manifest import load_manifest
from infra.stack import trino as trino_node
from infra.stack.secrets import STEWARD_USER
from infra.stack.superset.secrets import SERVICE_USER
from infra.vocabulary import DEPARTMENTS
from tests.stack.access_expectations import Expect, Expectations, entries_of
from tests.stack.stack_data import Wanted, granted, pipeline_once, with_service_account

pytestmark = pytest.mark.stack

MASK = "***"
USERS = (STEWARD_USER, *(f"analyst_{d}" for d in DEPARTMENTS), SERVICE_USER)


@dataclass(frozen=True)
class Finding:
    kind: str  # "escape" | "over-denial" | "error"
    user: str
    table: str
    query: str
    detail: str


def _sql(running, sql: str, user: str = STEWARD_USER) -> list[list[object]]:
    return trino_node.query(running.settings, running.paths, sql, running.user(user))


def _quote(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


@pytest.fixture(scope="module")
def matrix(running_stack) -> Iterator:
    pipeline_once(running_stack)
    with_service_account(running_stack)
    most = "SELECT {0} FROM exchange.{1} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    kiosk = _sql(running_stack, most.format("kiosk_id", "kiosk_checks"))[0][0]
    vehicle = _sql(running_stack, most.format("vehicle_type", "rental_trips"))[0][0]
    wanted = [
        # Some rows and columns; the personal column resident_id_number is not granted.
        Wanted(
            "kiosk_checks", "transport", ("check_id", "kiosk_id", "checked_at"), f"kiosk_id = {_quote(kiosk)}"
        ),
        # Every row, a granted personal column; opens the mart hotline_tickets_by_street.
        Wanted(
            "hotline_tickets",
            "emergency",
            ("ticket_id", "received_at", "category", "street", "caller_mobile"),
        ),
        # Every row; opens parking_utilisation_hourly for gov_services (plate not granted).
        Wanted("parking_sessions", "gov_services", ("session_id", "lot_id", "entered_at")),
        # The data office is a department like any other: it needs a grant too.
        Wanted(
            "rental_trips",
            "data_office",
            ("trip_id", "vehicle_type", "user_mobile"),
            f"vehicle_type = {_quote(vehicle)}",
        ),
    ]
    with granted(running_stack, wanted):
        yield running_stack


def _tables(running) -> dict[str, list[str]]:
    """Every table of every zone with its columns, as the steward lists them."""
    found: dict[str, list[str]] = {}
    for (schema,) in _sql(running, "SHOW SCHEMAS FROM lakehouse"):
        if schema == "information_schema":
            continue
        for (table,) in _sql(running, f'SHOW TABLES FROM lakehouse."{schema}"'):
            found[f"{schema}.{table}"] = []
    rows = _sql(
        running, "SELECT table_schema, table_name, column_name FROM lakehouse.information_schema.columns"
    )
    for schema, table, column in rows:
        if f"{schema}.{table}" in found:
            found[f"{schema}.{table}"].append(column)
    return found


def _expectations(running) -> Expectations:
    manifest = load_manifest()
    marts = {
        f"exchange.{m.name}": manifest.upstream_datasets(m)
        for m in manifest.marts()
        if m.schema == "exchange"
    }
    return Expectations(
        entries=entries_of(read_catalogue(open_catalog(running.settings))),
        grants=live_grants(store=RequestStore.open(sharing_db_url(running.settings))),
        mart_inputs=marts,
        stewards=frozenset({STEWARD_USER}),
        departments=tuple(DEPARTMENTS),
    )


def _name(table: str) -> str:
    schema, name = table.split(".")
    return f'lakehouse."{schema}"."{name}"'


def _expected_rows(running, tables: Mapping[str, list[str]], expectations: Expectations) -> dict:
    """Rows each reader should count: the steward's count, under the grant's row conditions where any."""
    wanted = {(t, None) for t in tables}
    wanted |= {
        (t, expectations.expect(u, t).row_conditions)
        for u in USERS
        for t in tables
        if expectations.expect(u, t).row_conditions
    }
    counts = {}
    for table, conditions in sorted(wanted, key=str):
        where = " WHERE " + " OR ".join(f"({c})" for c in conditions) if conditions else ""
        counts[(table, conditions)] = _sql(running, f"SELECT count(*) FROM {_name(table)}{where}")[0][0]
    return counts


def _run(cursor, sql: str) -> tuple[list | None, list[str], str | None]:
    """Rows and column names, or None and the refusal ('Access Denied') or error text."""
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
        return rows, [d[0] for d in cursor.description or ()], None
    except trino.exceptions.TrinoUserError as exc:
        return None, [], "denied" if "Access Denied" in str(exc) else str(exc).splitlines()[0]


def _values(user: str, table: str, sql: str, expect: Expect, names: list[str], rows: list) -> list[Finding]:
    """A returned row: masked columns must read '***', the table's other personal columns must not."""
    found = []
    for name, value in zip(names, rows[0] if rows else (), strict=False):
        if name in expect.masked and value != MASK:
            found.append(Finding("escape", user, table, sql, f"{name} unmasked"))
        elif name in expect.personal - expect.masked and value == MASK:
            found.append(Finding("over-denial", user, table, sql, f"{name} masked"))
    return found


def _check(user, table, sql, allowed, expect, result, counts=None) -> list[Finding]:
    rows, names, refusal = result
    if refusal not in (None, "denied"):
        return [Finding("error", user, table, sql, refusal)]
    if allowed and refusal:
        return [Finding("over-denial", user, table, sql, "Access Denied")]
    if not allowed and not refusal:
        return [Finding("escape", user, table, sql, f"answered {rows!r:.80}")]
    if not allowed:
        return []
    if counts is not None:
        got, want = rows[0][0], counts[(table, expect.row_conditions)]
        if got != want:
            kind = "escape" if got > want else "over-denial"
            return [Finding(kind, user, table, sql, f"{got} rows, expected {want}")]
        return []
    return _values(user, table, sql, expect, names, rows)


def _check_user(running, account, tables, expectations, counts) -> tuple[list[Finding], Counter]:
    findings: list[Finding] = []
    tally: Counter = Counter()
    user = account.name
    with trino_node.connect(running.settings, running.paths, account.name, account.password) as conn:
        cursor = conn.cursor()
        for table, columns in sorted(tables.items()):
            expect = expectations.expect(user, table)
            tally["tables read"] += expect.readable
            queries = [(f"SELECT count(*) FROM {_name(table)}", expect.readable, True)]
            queries.append(
                (f"SELECT * FROM {_name(table)} LIMIT 1", expect.readable and expect.columns is None, False)
            )
            for column in sorted(set(columns) & expectations.personal_names):
                queries.append(
                    (f'SELECT "{column}" FROM {_name(table)} LIMIT 1', expect.allows(column), False)
                )
            for sql, allowed, counted in queries:
                tally["queries"] += 1
                result = _run(cursor, sql)
                tally["answered"] += result[2] is None
                findings += _check(user, table, sql, allowed, expect, result, counts if counted else None)
    return findings, tally


def test_every_user_reads_every_table_exactly_as_the_rules_say(matrix) -> None:
    started = time.monotonic()
    tables = _tables(matrix)
    zones = {t.split(".")[0] for t in tables}
    assert {"raw_health", "staging", "exchange", "kpi", "governance"} <= zones, zones
    expectations = _expectations(matrix)
    assert len(expectations.grants) == 4  # the fixture's, and nobody else's
    counts = _expected_rows(matrix, tables, expectations)
    accounts = [matrix.user(u) for u in USERS]  # read once: the users file is rewritten on every read
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda a: _check_user(matrix, a, tables, expectations, counts), accounts))
    findings = [f for found, _ in results for f in found]
    print(f"\naccess matrix: {len(USERS)} users x {len(tables)} tables in {len(zones)} zones")
    print(f"{'user':<28}{'tables read':>12}{'queries':>9}{'answered':>10}{'escapes':>9}{'over-denied':>12}")
    for user, (found, tally) in zip(USERS, results, strict=True):
        kinds = Counter(f.kind for f in found)
        print(
            f"{user:<28}{tally['tables read']:>12}{tally['queries']:>9}{tally['answered']:>10}"
            f"{kinds['escape']:>9}{kinds['over-denial']:>12}"
        )
    total = Counter(f.kind for f in findings)
    queries = sum(t["queries"] for _, t in results)
    print(
        f"{queries} queries in {time.monotonic() - started:.0f} s: {total['escape']} escapes, "
        f"{total['over-denial']} over-denials, {total['error']} errors"
    )
    shown = "\n".join(f"{f.kind}: {f.user} {f.query} -> {f.detail}" for f in findings[:30])
    assert not findings, f"{len(findings)} findings:\n{shown}"

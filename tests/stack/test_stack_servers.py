"""Against the REAL servers: pyiceberg and Trino share the PostgreSQL catalog and the S3 warehouse.

The stack stops in test_zz_shutdown.py, which sorts last.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import stat
from pathlib import Path

import pyarrow as pa
import pytest
import trino

from governance.sharing.service import rules_at_start
from infra import stack
from infra.catalog import open_catalog
from infra.stack import procs
from infra.stack import trino as trino_node
from infra.stack.model import StackError
from infra.stack.secrets import STEWARD_USER, TRINO_USERS_FILE

pytestmark = pytest.mark.stack

NAMESPACE = "stack_test"


def _sql(running, sql: str, user: str = STEWARD_USER) -> list[list[object]]:
    return trino_node.query(running.settings, running.paths, sql, running.user(user))


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F"}  # 127.0.0.1 as IPv4 and IPv4-mapped IPv6


def test_all_components_healthy(running_stack) -> None:
    statuses = {s.name: s for s in stack.status(running_stack.settings)}
    assert set(statuses) == {"postgres", "s3", "audit", "trino", "trino-worker"}
    assert all(s.healthy and s.pid for s in statuses.values()), statuses
    assert statuses["trino"].version == "Trino 476"
    assert statuses["postgres"].version.startswith("15")


def test_servers_listen_on_loopback_only(running_stack) -> None:
    s = running_stack.settings
    s3_port = int(s.s3_endpoint.rsplit(":", 1)[1])
    for port in (s.pg_port, s3_port, s.audit_port, s.trino_port, s.trino_worker_port):
        addresses = _listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, (port, addresses)


def test_up_twice_starts_no_second_copy(running_stack) -> None:
    before = {s.name: s.pid for s in stack.status(running_stack.settings)}
    again = {
        s.name: s.pid
        for s in stack.up(
            running_stack.settings, with_worker=True, progress=lambda _m: None, access_rules=rules_at_start
        )
    }
    assert again == before


def test_secrets_are_private(running_stack) -> None:
    for name in ("stack.json", TRINO_USERS_FILE):
        mode = stat.S_IMODE((running_stack.paths.secrets / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_pyiceberg_writes_trino_reads(running_stack) -> None:
    catalog = open_catalog(running_stack.settings)
    catalog.create_namespace_if_not_exists(NAMESPACE)
    rows = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "name": pa.array(["张三", "Li Si", None], pa.string()),
            "amount": pa.array(
                [decimal.Decimal("12.50"), decimal.Decimal("0.01"), None], pa.decimal128(10, 2)
            ),
            "day": pa.array([dt.date(2026, 1, 1), dt.date(2026, 2, 28), dt.date(2026, 12, 31)], pa.date32()),
        }
    )
    table = catalog.create_table((NAMESPACE, "from_pyiceberg"), schema=rows.schema)
    table.append(rows)
    assert table.location().startswith(f"s3://{running_stack.settings.s3_bucket}/")

    got = _sql(running_stack, f"SELECT id, name, amount, day FROM {NAMESPACE}.from_pyiceberg ORDER BY id")
    assert got == [
        [1, "张三", decimal.Decimal("12.50"), dt.date(2026, 1, 1)],
        [2, "Li Si", decimal.Decimal("0.01"), dt.date(2026, 2, 28)],
        [3, None, None, dt.date(2026, 12, 31)],
    ]
    # The generated rules share only the exchange and kpi zones with departments.
    with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
        _sql(running_stack, f"SELECT count(*) FROM {NAMESPACE}.from_pyiceberg", "analyst_health")


def test_trino_ctas_pyiceberg_reads(running_stack) -> None:
    # Stewards write through the steward catalog: the catalog everyone reads refuses writes.
    _sql(
        running_stack,
        f"CREATE TABLE lakehouse_admin.{NAMESPACE}.from_trino AS "
        "SELECT * FROM (VALUES (1, 'a', DATE '2026-03-01'), (2, '临港', DATE '2026-03-02')) AS t(k, label, d)",
    )
    catalog = open_catalog(running_stack.settings)
    got = catalog.load_table((NAMESPACE, "from_trino")).scan().to_arrow().sort_by("k").to_pylist()
    assert got == [
        {"k": 1, "label": "a", "d": dt.date(2026, 3, 1)},
        {"k": 2, "label": "临港", "d": dt.date(2026, 3, 2)},
    ]


def test_only_stewards_write(running_stack) -> None:
    with pytest.raises(trino.exceptions.TrinoUserError, match="Access Denied"):
        _sql(running_stack, f"CREATE TABLE {NAMESPACE}.not_allowed AS SELECT 1 AS x", "analyst_transport")


def test_wrong_password_is_rejected(running_stack) -> None:
    s, paths = running_stack.settings, running_stack.paths
    for user, password in ((STEWARD_USER, "wrong-password"), ("nobody", "whatever")):
        with (
            trino_node.connect(s, paths, user, password) as conn,
            pytest.raises(trino.exceptions.HttpError) as err,
        ):
            conn.cursor().execute("SELECT 1").fetchall()
        assert "401" in str(err.value) or "Unauthorized" in str(err.value)


def test_worker_joins_and_queries_run(running_stack) -> None:
    def active() -> list[list[object]]:
        return sorted(
            _sql(
                running_stack, "SELECT node_id, coordinator FROM system.runtime.nodes WHERE state = 'active'"
            )
        )

    # test_faults_trino_worker kills and restarts this worker earlier in the session; once, on a loaded
    # machine, the coordinator's failure detector had it inactive again minutes later. A worker that comes
    # back within two minutes passes; one that does not fails with the log named.
    worker = running_stack.paths.trino / "worker"
    with contextlib.suppress(StackError):
        procs.wait_until(
            lambda: active() == [["coordinator", True], ["worker-1", False]],
            what="the Trino worker (active in system.runtime.nodes)",
            timeout=120,
            log_file=worker,
            interval=3,
        )
    assert active() == [["coordinator", True], ["worker-1", False]], f"see {worker}"
    got = _sql(
        running_stack,
        f"SELECT count(*), sum(k) FROM {NAMESPACE}.from_trino CROSS JOIN UNNEST(sequence(1, 1000)) AS u(n)",
    )
    assert got == [[2000, 3000]]

"""The stack's PostgreSQL databases in a backup: pg_dump -Fc / pg_restore with the binaries the stack runs.

The password reaches pg_dump and pg_restore through PGPASSWORD in their environment, never their argument
list (which `ps` shows every user of the host). Databases are named by the stack's own list.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from infra.backup.manifest import BackupError
from infra.settings import Settings
from infra.stack.postgres import DATABASES, find_bindir

CATALOG_DATABASE = "iceberg_catalog"
STATE_DATABASES = tuple(db for db in DATABASES if db != CATALOG_DATABASE)
DUMP_SUFFIX = ".dump"
# pyiceberg's JDBC-compatible catalog table (Trino reads the same rows); views share it under schema V1.
_CATALOG_ROWS = "SELECT * FROM iceberg_tables WHERE catalog_name = %s"
_USER_TABLES = "SELECT schemaname, relname FROM pg_stat_user_tables ORDER BY 1, 2"


def _binary(name: str) -> Path:
    bindir = find_bindir()
    if bindir is None or not (bindir / name).is_file():
        raise BackupError(f"{name}: not found beside the stack's PostgreSQL (run `lakehouse up` once)")
    return bindir / name


def _run(command: list[str], settings: Settings, what: str) -> str:
    done = subprocess.run(
        command,
        env={**os.environ, "PGPASSWORD": settings.pg_password},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    return done.stdout


def _server(settings: Settings, database: str) -> list[str]:
    return [
        "--host",
        settings.pg_host,
        "--port",
        str(settings.pg_port),
        "--username",
        settings.pg_user,
        "--dbname",
        database,
        "--no-password",
    ]


def _connect(settings: Settings, database: str) -> psycopg.Connection:
    return psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=database,
        connect_timeout=10,
    )


@contextmanager
def catalog_snapshot(settings: Settings) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    """An exported snapshot of the catalog database and the tables it holds at that instant.

    pg_dump --snapshot dumps exactly what this transaction sees, so the dump and the list of metadata
    files whose objects are copied are one point in time, whatever loads commit meanwhile.
    """
    try:
        connection = _connect(settings, CATALOG_DATABASE)
    except psycopg.Error as exc:
        raise BackupError(f"the stack's PostgreSQL does not answer ({exc}); `lakehouse up` first") from exc
    with connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot = str(connection.execute("SELECT pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
        try:
            cursor = connection.execute(_CATALOG_ROWS, (settings.catalog_name,))
        except psycopg.errors.UndefinedTable as exc:
            raise BackupError("the catalog database holds no tables yet; nothing to back up") from exc
        columns = [c.name for c in cursor.description or []]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        tables = [
            (str(r["table_namespace"]), str(r["table_name"]), str(r["metadata_location"]))
            for r in rows
            if (r.get("iceberg_type") or "TABLE") == "TABLE"
        ]
        yield snapshot, tables


def dump(settings: Settings, database: str, target: Path, snapshot: str | None = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(_binary("pg_dump")),
        "--format=custom",
        "--file",
        str(target),
        *_server(settings, database),
    ]
    if snapshot is not None:
        command += ["--snapshot", snapshot]
    _run(command, settings, f"pg_dump of {database}")


def restore(settings: Settings, database: str, dump_file: Path) -> None:
    """Into an existing (empty) database; --clean drops the empty tables a server made at start first."""
    command = [
        str(_binary("pg_restore")),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *_server(settings, database),
        str(dump_file),
    ]
    _run(command, settings, f"pg_restore of {database}")


def dump_problems(path: Path, name: str) -> list[str]:
    """A dump pg_restore cannot list is damaged, whatever its checksum says."""
    done = subprocess.run(
        [str(_binary("pg_restore")), "--list", str(path)], capture_output=True, text=True, check=False
    )
    return [] if done.returncode == 0 else [f"{name}: pg_restore cannot read it ({done.stderr.strip()})"]


def tables_with_rows(settings: Settings, database: str) -> list[str]:
    """The tables of `database` that hold at least one row: a restore target must have none."""
    with _connect(settings, database) as connection:
        found = []
        for schema, name in connection.execute(_USER_TABLES).fetchall():
            probe = sql.SQL("SELECT EXISTS (SELECT 1 FROM {}.{})").format(
                sql.Identifier(schema), sql.Identifier(name)
            )
            if connection.execute(probe).fetchone()[0]:  # type: ignore[index]
                found.append(f"{schema}.{name}")
        return found

"""PostgreSQL from Debian's packages: our own cluster under $LAKEHOUSE_HOME/stack/postgres."""

from __future__ import annotations

import os
import pwd
import re
import signal
import subprocess
from pathlib import Path

import psycopg

from infra.settings import Settings
from infra.stack import apt, procs
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths
from infra.stack.templates import render, write

NAME = "postgres"
OS_USER = "postgres"  # initdb and postgres refuse to run as root
DATABASES = ("iceberg_catalog", "dagster", "superset", "sharing")
PG_ROOT = Path("/usr/lib/postgresql")  # Debian's layout: /usr/lib/postgresql/<major>/bin
UNIX_SOCKET_MAX = 107


def find_bindir() -> Path | None:
    found = [p.parent for p in PG_ROOT.glob("*/bin/postgres")]
    found.sort(key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0, reverse=True)
    return found[0] if found else None


def ensure_installed(progress: Progress) -> Path:
    """Debian's PostgreSQL binaries; apt-get installs them when missing (we run as root)."""
    bindir = find_bindir()
    if bindir is None:
        apt.install("postgresql", progress)
        bindir = find_bindir()
    if bindir is None:
        raise StackError(f"postgresql installed but no {PG_ROOT}/<version>/bin/postgres found")
    return bindir


def _owner_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(OS_USER)
    except KeyError as exc:
        raise StackError(f"OS user {OS_USER!r} is missing (Debian's postgresql package creates it)") from exc
    return entry.pw_uid, entry.pw_gid


def data_dir(paths: StackPaths) -> Path:
    return paths.postgres / "data"


def socket_dir(paths: StackPaths) -> Path:
    return paths.postgres / "socket"


def _prepare_dirs(paths: StackPaths, port: int) -> None:
    uid, gid = _owner_ids()
    for folder in (paths.postgres, data_dir(paths), socket_dir(paths)):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, uid, gid)
    data_dir(paths).chmod(0o700)
    sock = socket_dir(paths) / f".s.PGSQL.{port}"
    if len(str(sock)) > UNIX_SOCKET_MAX:
        raise StackError(
            f"unix socket path too long ({len(str(sock))} > {UNIX_SOCKET_MAX}): use a shorter LAKEHOUSE_HOME"
        )
    try:
        procs.run(["test", "-w", str(data_dir(paths))], what="access check", user=OS_USER)
    except StackError as exc:
        raise StackError(
            f"the {OS_USER} OS user cannot reach {data_dir(paths)}: a parent folder is not traversable "
            "(needs o+x); choose a LAKEHOUSE_HOME outside private folders such as /root"
        ) from exc


def _initdb(bindir: Path, paths: StackPaths, progress: Progress) -> None:
    if (data_dir(paths) / "PG_VERSION").is_file():
        return
    progress(f"initdb {data_dir(paths)}")
    procs.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data_dir(paths)),
            "--username=postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
        ],
        what="initdb",
        user=OS_USER,
        cwd=str(paths.postgres),
    )
    conf = data_dir(paths) / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as handle:
        handle.write("\ninclude 'lakehouse.conf'\n")


def _write_config(paths: StackPaths, port: int) -> None:
    uid, gid = _owner_ids()
    target = data_dir(paths) / "lakehouse.conf"
    write(target, render("postgres/lakehouse.conf", port=port, socket_dir=socket_dir(paths)), mode=0o600)
    os.chown(target, uid, gid)


def _psql(bindir: Path, paths: StackPaths, port: int, sql: str) -> str:
    return procs.run(
        [
            str(bindir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(socket_dir(paths)),
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "postgres",
        ],
        what="psql bootstrap",
        user=OS_USER,
        input=sql,
        cwd=str(paths.postgres),
    )


def bootstrap_sql(role: str, password: str, databases: tuple[str, ...] = DATABASES) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", password) or not re.fullmatch(r"[a-z_][a-z0-9_]*", role):
        raise StackError("role and password must be plain identifiers / URL-safe tokens")
    creates = "\n".join(
        f'SELECT \'CREATE DATABASE "{db}" OWNER "{role}"\' '
        f"WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{db}') \\gexec"
        for db in databases
    )
    return render("postgres/bootstrap.sql", role=role, password=password, databases=creates)


def up(settings: Settings, paths: StackPaths, progress: Progress) -> ComponentStatus:
    bindir = ensure_installed(progress)
    pid_file, log_file = paths.pid_file(NAME), paths.log_file(NAME)
    pid = procs.running_pid(pid_file)
    if pid is None:
        if procs.port_open(settings.pg_host, settings.pg_port):
            raise StackError(f"port {settings.pg_port} is already in use by another program")
        _prepare_dirs(paths, settings.pg_port)
        _initdb(bindir, paths, progress)
        _write_config(paths, settings.pg_port)
        progress(f"starting PostgreSQL on 127.0.0.1:{settings.pg_port}")
        pid = procs.spawn(
            [str(bindir / "postgres"), "-D", str(data_dir(paths))],
            pid_file=pid_file,
            log_file=log_file,
            cwd=paths.postgres,
            user=OS_USER,
        )
        procs.wait_until(
            lambda: _accepting(bindir, settings),
            what="PostgreSQL",
            timeout=60,
            log_file=log_file,
            pid=pid,
            interval=0.3,
        )
    _psql(bindir, paths, settings.pg_port, bootstrap_sql(settings.pg_user, settings.pg_password))
    return status(settings, paths)


def _accepting(bindir: Path, settings: Settings) -> bool:
    cmd = [str(bindir / "pg_isready"), "-q", "-h", settings.pg_host, "-p", str(settings.pg_port)]
    return subprocess.run(cmd, check=False).returncode == 0


def status(settings: Settings, paths: StackPaths) -> ComponentStatus:
    pid = procs.running_pid(paths.pid_file(NAME))
    version, healthy = "", False
    if pid is not None:
        try:
            with psycopg.connect(
                host=settings.pg_host,
                port=settings.pg_port,
                user=settings.pg_user,
                password=settings.pg_password,
                dbname="iceberg_catalog",
                connect_timeout=5,
            ) as conn:
                version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
                healthy = True
        except psycopg.Error:
            healthy = False
    return ComponentStatus(
        name=NAME,
        url=f"postgresql://{settings.pg_host}:{settings.pg_port}",
        version=version,
        healthy=healthy,
        pid=pid,
        log=str(paths.log_file(NAME)),
    )


def stop(paths: StackPaths) -> int | None:
    """Fast shutdown (SIGINT): SIGTERM would wait for every client to disconnect."""
    return procs.stop_recorded(paths.pid_file(NAME), sig=signal.SIGINT, timeout=60)

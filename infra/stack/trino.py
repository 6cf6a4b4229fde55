"""Trino coordinator (and optional worker) from the cached install, HTTPS + password login."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import requests
import trino

from infra.settings import Settings
from infra.stack import procs
from infra.stack.jdk import Jdk, find_jdk
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths
from infra.stack.secrets import STEWARD_USER, StackSecrets, TrinoUser
from infra.stack.templates import write
from infra.stack.trino_config import TrinoNode, default_rules, render_node
from infra.stack.trino_install import ensure_installed, install_dir
from infra.stack.trino_nodes import WORKER, coordinator_node, worker_node

START_TIMEOUT = 300  # 1-3 min on 2 cores; leave room for a busy machine


def known_workers(settings: Settings, paths: StackPaths) -> list[TrinoNode]:
    """Every worker this home has configured or has a PID file for (for `status` and `down`), by number.

    Read from the folders, not from a setting: a stack started with three workers is stopped whole by a
    `down` that was not told how many there were."""
    indexes = set()
    if (paths.trino / "worker").is_dir() or paths.pid_file(WORKER).exists():
        indexes.add(1)
    found = (
        [p.name.removeprefix("worker-") for p in paths.trino.glob("worker-*")] if paths.trino.is_dir() else []
    )
    if paths.run.is_dir():
        found += [p.stem.removeprefix(f"{WORKER}-") for p in paths.run.glob(f"{WORKER}-*.pid")]
    indexes.update(int(n) for n in found if n.isdigit() and int(n) >= 2)
    return [worker_node(settings, paths, index) for index in sorted(indexes)]


def tls_dir(paths: StackPaths) -> Path:
    return paths.trino / "tls"


def cert_pem(paths: StackPaths) -> Path:
    """The self-signed certificate clients verify against (`verify=` in Python, `--cacert`-like elsewhere)."""
    return tls_dir(paths) / "trino.pem"


def keystore_path(paths: StackPaths) -> Path:
    return tls_dir(paths) / "keystore.p12"


def ensure_tls(paths: StackPaths, stack: StackSecrets, jdk: Jdk, progress: Progress) -> Path:
    """Self-signed certificate for 127.0.0.1/localhost, made once with the JDK's keytool."""
    keystore, pem = keystore_path(paths), cert_pem(paths)
    if keystore.is_file() and pem.is_file():
        return keystore
    tls_dir(paths).mkdir(parents=True, exist_ok=True)
    keystore.unlink(missing_ok=True)
    progress("generating a self-signed TLS certificate for Trino")
    password = stack.trino_keystore_password
    procs.run(
        [
            str(jdk.keytool),
            "-genkeypair",
            "-alias",
            "trino",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "3650",
            "-dname",
            "CN=127.0.0.1, O=Lingang city data lakehouse",
            "-ext",
            "SAN=ip:127.0.0.1,dns:localhost",
            "-storetype",
            "PKCS12",
            "-keystore",
            str(keystore),
            "-storepass",
            password,
            "-keypass",
            password,
        ],
        what="keytool -genkeypair",
    )
    procs.run(
        [
            str(jdk.keytool),
            "-exportcert",
            "-rfc",
            "-alias",
            "trino",
            "-keystore",
            str(keystore),
            *("-storepass", password, "-file", str(pem)),
        ],
        what="keytool -exportcert",
    )
    keystore.chmod(0o600)
    return keystore


def configure(
    node: TrinoNode, settings: Settings, paths: StackPaths, stack: StackSecrets, users: list[TrinoUser]
) -> None:
    files = render_node(
        node,
        settings=settings,
        stack=stack,
        users=users,
        plugin_dir=install_dir(paths) / "plugin",
        keystore=keystore_path(paths),
        truststore=cert_pem(paths),
        coordinator_etc=coordinator_node(settings, paths).etc,
    )
    for name, text in files.items():
        # All 600: passwords, keys and the audit token, and the rest (users, groups) is nobody else's business.
        write(node.etc / name, text)
    node.data.mkdir(parents=True, exist_ok=True)
    # Trino 476 reads the group provider from the fixed relative path etc/group-provider.properties;
    # the launcher runs in the data dir, so point data/etc at the node's etc/.
    link = node.data / "etc"
    if not link.is_symlink():
        link.symlink_to(node.etc, target_is_directory=True)
    rules = node.etc / "rules.json"
    if node.coordinator and not rules.exists():
        # Only a default: the access-rules generator owns this file afterwards.
        write(rules, default_rules())


def launcher_pid_file(node: TrinoNode) -> Path:
    """Where Trino's own launcher records the PID it started (it refuses to start while that PID exists)."""
    return node.data / "var" / "run" / "launcher.pid"


def _forget_dead_launcher(node: TrinoNode) -> None:
    """Drop the launcher's PID file when that process is gone or a zombie.

    A node killed with SIGKILL by the process that started it stays a zombie until that process waits
    for it, and Trino's launcher (`kill -0`) takes a zombie for a running server: "already running as
    <pid>", and the node never starts again. Reap it if it is ours; a file naming a gone PID goes.
    """
    pid_file = launcher_pid_file(node)
    pid = procs.read_pid(pid_file)
    if pid is None:
        return
    procs.reap(pid)
    if not procs.is_alive(pid):
        pid_file.unlink(missing_ok=True)


def _launch(node: TrinoNode, paths: StackPaths, jdk: Jdk) -> int:
    _forget_dead_launcher(node)
    server = install_dir(paths)
    env = {
        **os.environ,
        "JAVA_HOME": str(jdk.home),
        "PATH": f"{jdk.home / 'bin'}:{os.environ.get('PATH', '')}",
    }
    cmd = [
        str(server / "bin" / "launcher"),
        "run",
        f"--etc-dir={node.etc}",
        f"--data-dir={node.data}",
        f"--jvm-dir={jdk.home}",
    ]
    # `launcher run` execs java in place, so the recorded PID is the JVM's.
    return procs.spawn(
        cmd, pid_file=paths.pid_file(node.name), log_file=paths.log_file(node.name), cwd=node.data, env=env
    )


def info(url: str, paths: StackPaths) -> dict[str, object]:
    response = httpx.get(f"{url}/v1/info", verify=str(cert_pem(paths)), timeout=5)
    response.raise_for_status()
    return dict(response.json())


def _ready(url: str, paths: StackPaths) -> bool:
    return info(url, paths).get("starting") is False


def connect(settings: Settings, paths: StackPaths, user: str, password: str) -> trino.dbapi.Connection:
    """A DB-API connection as `user`, verifying the stack's own CA certificate."""
    session = requests.Session()
    session.verify = str(cert_pem(paths))
    # With trust_env, requests lets REQUESTS_CA_BUNDLE override the session's CA file (and would
    # route loopback through HTTP(S)_PROXY): neither applies to our own server.
    session.trust_env = False
    return trino.dbapi.connect(
        host=settings.trino_host,
        port=settings.trino_port,
        http_scheme="https",
        auth=trino.auth.BasicAuthentication(user, password),
        http_session=session,
        user=user,
        catalog="lakehouse",
        request_timeout=60,
    )


def query(settings: Settings, paths: StackPaths, sql: str, user: TrinoUser) -> list[list[object]]:
    with connect(settings, paths, user.name, user.password) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        return [list(row) for row in cur.fetchall()]


def active_nodes(settings: Settings, paths: StackPaths, steward: TrinoUser) -> list[str]:
    rows = query(settings, paths, "SELECT node_id FROM system.runtime.nodes WHERE state = 'active'", steward)
    return sorted(str(r[0]) for r in rows)


def up(
    node: TrinoNode,
    settings: Settings,
    paths: StackPaths,
    stack: StackSecrets,
    users: list[TrinoUser],
    progress: Progress,
) -> ComponentStatus:
    ensure_installed(paths, progress)
    jdk = find_jdk()
    ensure_tls(paths, stack, jdk, progress)
    steward = next(u for u in users if u.name == STEWARD_USER)
    pid = procs.running_pid(paths.pid_file(node.name))
    # Rewritten even when running: the password and group files are re-read every 5 s.
    configure(node, settings, paths, stack, users)
    if pid is None:
        if procs.port_open("127.0.0.1", node.https_port):
            raise StackError(f"port {node.https_port} is already in use by another program")
        role = "coordinator" if node.coordinator else "worker"
        progress(f"starting Trino {role} on https://127.0.0.1:{node.https_port} (Java {jdk.major}; 1-3 min)")
        pid = _launch(node, paths, jdk)
        log = paths.log_file(node.name)
        url = f"https://127.0.0.1:{node.https_port}"
        procs.wait_until(
            lambda: _ready(url, paths), what=f"Trino {role}", timeout=START_TIMEOUT, log_file=log, pid=pid
        )
        if node.coordinator:
            # Proves password login, the PostgreSQL catalog and the S3 settings load.
            procs.wait_until(
                lambda: query(settings, paths, "SHOW SCHEMAS FROM lakehouse", steward) is not None,
                what="Trino catalog 'lakehouse'",
                timeout=60,
                log_file=log,
                pid=pid,
            )
        else:
            procs.wait_until(
                lambda: node.node_id in active_nodes(settings, paths, steward),
                what="Trino worker registration",
                timeout=120,
                log_file=log,
                pid=pid,
            )
    return status(node, paths)


def status(node: TrinoNode, paths: StackPaths) -> ComponentStatus:
    pid = procs.running_pid(paths.pid_file(node.name))
    url = f"https://127.0.0.1:{node.https_port}"
    version, healthy = "", False
    if pid is not None:
        try:
            data = info(url, paths)
            node_version = data.get("nodeVersion")
            version = f"Trino {node_version.get('version', '')}" if isinstance(node_version, dict) else ""
            healthy = data.get("starting") is False
        except (httpx.HTTPError, ValueError, OSError):  # OSError: the stack's certificate file is gone
            healthy = False
    return ComponentStatus(
        name=node.name, url=url, version=version, healthy=healthy, pid=pid, log=str(paths.log_file(node.name))
    )


def stop(name: str, paths: StackPaths) -> int | None:
    return procs.stop_recorded(paths.pid_file(name), timeout=60)

"""Superset as a stack component: gunicorn on 127.0.0.1, metadata in the stack's PostgreSQL.

Same contract as the other components (infra.stack.registry): `up` installs (cached venv), configures,
migrates once per Superset version, starts and waits for /health; `stop` signals the recorded PID.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import httpx
import requests
import trino

from infra.settings import Settings
from infra.stack import procs
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths
from infra.stack.secrets import STEWARD_USER, write_private
from infra.stack.superset import install
from infra.stack.superset.secrets import ensure_service_user, load_or_create, people
from infra.stack.trino import cert_pem

NAME = "superset"
DEFAULT_PORT = 58088
VERSION = "6.1.0"
CONFIG_MODULE = Path(__file__).resolve().parent / "superset_config.py"
START_TIMEOUT = 180
# Variables that must not reach Superset: REQUESTS_CA_BUNDLE makes the trino client ignore the
# certificate we pass (requests lets it override a session's `verify`); proxies must not see loopback.
DROPPED_ENV = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
)


def port(settings: Settings) -> int:
    value = settings.extra.get("superset_port") or os.environ.get("LAKEHOUSE_SUPERSET_PORT", "")
    return int(value) if str(value).strip() else DEFAULT_PORT


def url(settings: Settings) -> str:
    return f"http://127.0.0.1:{port(settings)}"


def home(paths: StackPaths) -> Path:
    return paths.root / "superset"


def settings_file(paths: StackPaths) -> Path:
    return home(paths) / "settings.json"


def metadata_uri(settings: Settings) -> str:
    password = quote(settings.pg_password, safe="")
    return (
        f"postgresql+psycopg2://{settings.pg_user}:{password}@{settings.pg_host}:{settings.pg_port}/superset"
    )


def trino_uri(settings: Settings, service_user: str, password: str) -> str:
    """SQLAlchemy URI of the Trino database connection (password login as Superset's service account)."""
    return f"trino://{service_user}:{quote(password, safe='')}@{settings.trino_host}:{settings.trino_port}/lakehouse"


def trino_extra(paths: StackPaths) -> dict[str, object]:
    """Connection options: HTTPS verified against the stack's own certificate."""
    return {
        "engine_params": {"connect_args": {"http_scheme": "https", "verify": str(cert_pem(paths))}},
        "allows_virtual_table_explore": True,
    }


def configure(settings: Settings, paths: StackPaths) -> Path:
    secrets = load_or_create(paths.secrets)
    (home(paths) / "data").mkdir(parents=True, exist_ok=True)
    write_private(
        settings_file(paths),
        {
            "secret_key": secrets.secret_key,
            "metadata_uri": metadata_uri(settings),
            "data_dir": str(home(paths) / "data"),
        },
    )
    return settings_file(paths)


def server_env(paths: StackPaths, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(
        {
            "SUPERSET_CONFIG_PATH": str(CONFIG_MODULE),
            "LAKEHOUSE_SUPERSET_SETTINGS": str(settings_file(paths)),
            "SUPERSET_HOME": str(home(paths) / "data"),
            "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
            "FLASK_APP": "superset.app:create_app()",
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env


def initialise(venv: Path, env: dict[str, str], paths: StackPaths, progress: Progress) -> None:
    """`db upgrade` + `init` + the steward admin, once per Superset install (~35 s; skipped after)."""
    marker = home(paths) / "initialised"
    stamp = f"{install.lock_hash()}\n"
    if marker.is_file() and marker.read_text(encoding="utf-8") == stamp:
        return
    superset = str(venv / "bin" / "superset")
    progress("superset db upgrade (~20 s)")
    procs.run([superset, "db", "upgrade"], what="superset db upgrade", env=env)
    progress("superset init (~20 s)")
    procs.run([superset, "init"], what="superset init", env=env)
    steward = next(u for u in people(paths.secrets) if u.name == STEWARD_USER)
    # The data office's steward administers Superset and runs the provisioning (same name as in Trino,
    # so impersonation maps the provisioning user to a Trino user too).
    procs.run(
        [
            superset,
            *("fab", "create-admin", "--username", steward.name, "--firstname", "数据"),
            *("--lastname", "管家", "--email", f"{steward.name}@lakehouse.invalid"),
            *("--password", steward.password),
        ],
        what="superset fab create-admin",
        env=env,
    )
    marker.write_text(stamp, encoding="utf-8")


def _impersonates(settings: Settings, paths: StackPaths) -> bool:
    """True once Trino accepts Superset's account acting as the steward (the password file and the
    impersonation rule are re-read by Trino every 5 s, so a fresh account needs a moment)."""
    service = ensure_service_user(paths.secrets)
    session = requests.Session()
    session.verify = str(cert_pem(paths))
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
    conn = trino.dbapi.connect(
        host=settings.trino_host,
        port=settings.trino_port,
        http_scheme="https",
        user=STEWARD_USER,
        auth=trino.auth.BasicAuthentication(service.name, service.password),
        http_session=session,
        request_timeout=30,
    )
    with conn:
        conn.cursor().execute("SELECT 1").fetchall()
    return True


def _healthy(settings: Settings) -> bool:
    response = httpx.get(f"{url(settings)}/health", timeout=3, trust_env=False)
    return response.status_code == 200 and response.text.strip() == "OK"


def up(settings: Settings, paths: StackPaths, progress: Progress) -> ComponentStatus:
    venv = install.ensure_installed(progress, paths.cache)
    configure(settings, paths)
    # Trino denies impersonation unless rules.json allows it: the generated rules include Superset's rule
    # (governance.access.impersonation), written at `up` before Trino starts.
    procs.wait_until(
        lambda: _impersonates(settings, paths),
        what="Trino login of Superset's service account (impersonating the steward)",
        timeout=60,
        log_file=paths.log_file("trino"),
    )
    env = server_env(paths, venv)
    pid_file, log_file = paths.pid_file(NAME), paths.log_file(NAME)
    pid = procs.running_pid(pid_file)
    if pid is None:
        if procs.port_open("127.0.0.1", port(settings)):
            raise StackError(f"port {port(settings)} is already in use by another program")
        initialise(venv, env, paths, progress)
        progress(f"starting Superset {VERSION} on {url(settings)}")
        pid = procs.spawn(
            [
                str(venv / "bin" / "gunicorn"),
                *("--bind", f"127.0.0.1:{port(settings)}"),
                # Two processes x 4 threads: dashboards fire one request per chart at once.
                *("--workers", "2", "--worker-class", "gthread", "--threads", "4"),
                *("--timeout", "120", "--limit-request-line", "0", "--limit-request-field_size", "0"),
                # gunicorn 27 opens a control socket under ~/.gunicorn by default: one per stack instead.
                *("--control-socket", str(home(paths) / "gunicorn.ctl")),
                "superset.app:create_app()",
            ],
            pid_file=pid_file,
            log_file=log_file,
            cwd=home(paths),
            env=env,
        )
        procs.wait_until(
            lambda: _healthy(settings), what="Superset", timeout=START_TIMEOUT, log_file=log_file, pid=pid
        )
    return status(settings, paths)


def status(settings: Settings, paths: StackPaths) -> ComponentStatus:
    pid, healthy = procs.pid_and_health(paths.pid_file(NAME), lambda: _healthy(settings))
    return ComponentStatus(
        name=NAME,
        url=url(settings),
        version=f"Superset {VERSION}" if pid is not None else "",
        healthy=healthy,
        pid=pid,
        log=str(paths.log_file(NAME)),
    )


def configured(paths: StackPaths) -> bool:
    return settings_file(paths).is_file() or paths.pid_file(NAME).exists()


def stop(paths: StackPaths) -> int | None:
    # gunicorn's master stops its workers on SIGTERM; stop_pid kills the group if it hangs.
    return procs.stop_recorded(paths.pid_file(NAME), timeout=30)

"""Runtime settings, read from environment variables with safe defaults.

One setting, ``LAKEHOUSE_PROFILE``, picks where the lakehouse lives:

* ``embedded`` (default): no servers. pyiceberg SqlCatalog on SQLite, warehouse in a local folder.
* ``stack``: PostgreSQL JDBC catalog shared with Trino, warehouse on the local S3 API server.
* ``cluster``: the same catalog and storage run by the city (Kubernetes, ``infra/cluster/``): every address and
  credential comes from ``LAKEHOUSE_*`` environment variables (``CLUSTER_REQUIRED_ENV``); nothing is read from a
  local secrets file and no credential has a default.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROFILES = ("embedded", "stack", "cluster")
# What the cluster profile cannot run without: the operator sets them (the pods get them from the
# `lakehouse-settings` ConfigMap and the `lakehouse-secrets` Secret, docs/cluster.md). No defaults: a
# forgotten host would otherwise silently point at 127.0.0.1, and a forgotten password be blank.
CLUSTER_REQUIRED_ENV = (
    "LAKEHOUSE_PG_HOST",
    "LAKEHOUSE_PG_PASSWORD",
    "LAKEHOUSE_S3_ENDPOINT",
    "LAKEHOUSE_S3_ACCESS_KEY",
    "LAKEHOUSE_S3_SECRET_KEY",
    "LAKEHOUSE_TRINO_HOST",
)
# dbt's target per profile (dbt_project/profiles.yml): the stack and the cluster build their marts in Trino
# (docs/adr/0016-marts-built-by-trino-on-the-stack.md), the embedded profile in DuckDB.
DBT_TARGETS = {"embedded": "embedded", "stack": "trino", "cluster": "trino"}
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    profile: str
    home: Path
    catalog_name: str
    pg_host: str = "127.0.0.1"
    pg_port: int = 55432
    pg_user: str = "lakehouse"
    pg_password: str = ""
    s3_endpoint: str = "http://127.0.0.1:59000"
    s3_bucket: str = "lakehouse"
    s3_access_key: str = "lakehouse"
    s3_secret_key: str = ""
    trino_host: str = "127.0.0.1"
    trino_port: int = 58443
    trino_worker_port: int = 58444
    # Our receiver of Trino's query events (HTTP on loopback; the events go to a local spool file).
    audit_port: int = 58480
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def sources_dir(self) -> Path:
        """Where the simulator drops the department systems' hand-overs."""
        return self.home / "sources"

    @property
    def duckdb_path(self) -> Path:
        return self.home / "dbt.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def state_dir(self) -> Path:
        """Small local state: sharing requests store, secrets generated at first use."""
        return self.home / "state"

    @property
    def secrets_dir(self) -> Path:
        """Generated credentials of the stack profile (mode 600 files)."""
        return self.home / "secrets"

    @property
    def trino_url(self) -> str:
        """HTTPS endpoint of the Trino coordinator (self-signed certificate, password login)."""
        return f"https://{self.trino_host}:{self.trino_port}"

    @property
    def sqlite_catalog_uri(self) -> str:
        return f"sqlite:///{self.home / 'catalog.db'}"

    @property
    def dbt_target(self) -> str:
        return DBT_TARGETS[self.profile]

    @property
    def pg_jdbc_url(self) -> str:
        """The Iceberg JDBC catalog as Trino's connector names it (credentials go separately)."""
        return f"jdbc:postgresql://{self.pg_host}:{self.pg_port}/iceberg_catalog"

    @property
    def pg_catalog_uri(self) -> str:
        return f"postgresql+psycopg://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/iceberg_catalog"


# Files and folders the lakehouse creates are its owner's only (0600 / 0700): they hold data (warehouse,
# catalog.db, dbt.duckdb, sources, reports), secrets and every query's text.
PRIVATE_UMASK = 0o077


def keep_files_private() -> None:
    """Make every file this process (and what it starts) creates from now on owner-only.

    A umask rather than a chmod per file: pyiceberg, DuckDB, SQLite, dbt, Dagster and the servers all create
    files of their own, with their library's default mode.
    """
    os.umask(PRIVATE_UMASK)


def exposed_paths(root: Path, traversable: Iterable[Path] = ()) -> list[tuple[Path, int]]:
    """Files and folders under `root` (itself included) that other users could read, write or list.

    `traversable` folders may keep search permission (x) for group and others: the PostgreSQL OS user
    must pass through the home to its data dir. Symlinks and sockets are not files anybody reads.
    Returns (path, mode) pairs: paths only, never contents.
    """
    allowed_x = {Path(p) for p in traversable}
    found: list[tuple[Path, int]] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        mode = stat.S_IMODE(here.lstat().st_mode)
        if mode & (0o066 if here in allowed_x else 0o077):
            found.append((here, mode))
        for name in files:
            path = here / name
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                found.append((path, stat.S_IMODE(info.st_mode)))
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    return found


def make_private(root: Path, traversable: Iterable[Path] = ()) -> int:
    """Take group and other permissions off every file and folder under `root` (a home made before files
    were private), search permission on `traversable` folders excepted; returns how many were changed."""
    allowed_x = {Path(p) for p in traversable}
    found = exposed_paths(root, allowed_x)
    for path, mode in found:
        path.chmod(mode & (0o711 if path in allowed_x else 0o700))
    return len(found)


def load_settings() -> Settings:
    # Every entry point (CLI, Dagster, tests) reads the settings before it writes under the home.
    keep_files_private()
    profile = _env("LAKEHOUSE_PROFILE", "embedded")
    if profile not in PROFILES:
        raise ValueError(f"LAKEHOUSE_PROFILE={profile!r} is not one of {', '.join(PROFILES)}")
    home = Path(_env("LAKEHOUSE_HOME", str(PROJECT_ROOT / "var"))).expanduser().resolve()
    if profile == "cluster":
        return _cluster_settings(home)
    # The stack generates its credentials at `up`; read them unless the environment overrides them.
    generated = _stack_secrets(home) if profile != "embedded" else {}
    return Settings(
        profile=profile,
        home=home,
        catalog_name=_env("LAKEHOUSE_CATALOG_NAME", "lakehouse"),
        pg_host=_env("LAKEHOUSE_PG_HOST", "127.0.0.1"),
        pg_port=int(_env("LAKEHOUSE_PG_PORT", "55432")),
        pg_user=_env("LAKEHOUSE_PG_USER", "lakehouse"),
        pg_password=os.environ.get("LAKEHOUSE_PG_PASSWORD") or generated.get("pg_password", ""),
        s3_endpoint=_env("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:59000"),
        s3_bucket=_env("LAKEHOUSE_S3_BUCKET", "lakehouse"),
        s3_access_key=_env("LAKEHOUSE_S3_ACCESS_KEY", generated.get("s3_access_key", "lakehouse")),
        s3_secret_key=os.environ.get("LAKEHOUSE_S3_SECRET_KEY") or generated.get("s3_secret_key", ""),
        trino_host=_env("LAKEHOUSE_TRINO_HOST", "127.0.0.1"),
        trino_port=int(_env("LAKEHOUSE_TRINO_PORT", "58443")),
        trino_worker_port=int(_env("LAKEHOUSE_TRINO_WORKER_PORT", "58444")),
        audit_port=int(_env("LAKEHOUSE_AUDIT_PORT", "58480")),
    )


class ClusterSettingsError(ValueError):
    """The cluster profile is active but an address or credential it needs is not in the environment."""


# The Settings field each required variable fills.
_CLUSTER_FIELDS = {
    "LAKEHOUSE_PG_HOST": "pg_host",
    "LAKEHOUSE_PG_PASSWORD": "pg_password",
    "LAKEHOUSE_S3_ENDPOINT": "s3_endpoint",
    "LAKEHOUSE_S3_ACCESS_KEY": "s3_access_key",
    "LAKEHOUSE_S3_SECRET_KEY": "s3_secret_key",
    "LAKEHOUSE_TRINO_HOST": "trino_host",
}


def missing_cluster_env(settings: Settings) -> list[str]:
    """The CLUSTER_REQUIRED_ENV variables these settings got no value from, in their declared order."""
    return [
        name for name in CLUSTER_REQUIRED_ENV if not str(getattr(settings, _CLUSTER_FIELDS[name])).strip()
    ]


def require_cluster_env(settings: Settings) -> None:
    """Refuse, naming every missing variable at once, before anything tries to connect."""
    missing = missing_cluster_env(settings)
    if missing:
        raise ClusterSettingsError(
            f"LAKEHOUSE_PROFILE=cluster needs {', '.join(missing)} in the environment "
            "(in the cluster: the lakehouse-settings ConfigMap and lakehouse-secrets Secret; docs/cluster.md)"
        )


def _cluster_settings(home: Path) -> Settings:
    """Everything from the environment. Missing values stay blank here (so `--help` and commands that
    need no server still run); `infra.catalog` calls `require_cluster_env` before it connects."""
    return Settings(
        profile="cluster",
        home=home,
        catalog_name=_env("LAKEHOUSE_CATALOG_NAME", "lakehouse"),
        pg_host=_env("LAKEHOUSE_PG_HOST", ""),
        pg_port=int(_env("LAKEHOUSE_PG_PORT", "5432")),
        pg_user=_env("LAKEHOUSE_PG_USER", "lakehouse"),
        pg_password=os.environ.get("LAKEHOUSE_PG_PASSWORD", ""),
        s3_endpoint=_env("LAKEHOUSE_S3_ENDPOINT", ""),
        s3_bucket=_env("LAKEHOUSE_S3_BUCKET", "lakehouse"),
        s3_access_key=_env("LAKEHOUSE_S3_ACCESS_KEY", ""),
        s3_secret_key=os.environ.get("LAKEHOUSE_S3_SECRET_KEY", ""),
        trino_host=_env("LAKEHOUSE_TRINO_HOST", ""),
        trino_port=int(_env("LAKEHOUSE_TRINO_PORT", "8443")),
        trino_worker_port=int(_env("LAKEHOUSE_TRINO_WORKER_PORT", "8443")),
        audit_port=int(_env("LAKEHOUSE_AUDIT_PORT", "8480")),
    )


STACK_SECRETS_FILE = "stack.json"


def _stack_secrets(home: Path) -> dict[str, str]:
    path = home / "secrets" / STACK_SECRETS_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: str(v) for k, v in data.items()}

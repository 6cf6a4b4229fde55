"""Runtime settings, read from environment variables with safe defaults.

One setting, ``LAKEHOUSE_PROFILE``, picks where the lakehouse lives:

* ``embedded`` (default): no servers. pyiceberg SqlCatalog on SQLite, warehouse in a local folder.
* ``stack``: PostgreSQL JDBC catalog shared with Trino, warehouse on the local S3 API server.
* ``cluster``: as ``stack``, with Trino workers and dbt-trino (configured under ``infra/cluster``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROFILES = ("embedded", "stack", "cluster")
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
    def sqlite_catalog_uri(self) -> str:
        return f"sqlite:///{self.home / 'catalog.db'}"

    @property
    def pg_catalog_uri(self) -> str:
        return (
            f"postgresql+psycopg://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/iceberg_catalog"
        )


def load_settings() -> Settings:
    profile = _env("LAKEHOUSE_PROFILE", "embedded")
    if profile not in PROFILES:
        raise ValueError(f"LAKEHOUSE_PROFILE={profile!r} is not one of {', '.join(PROFILES)}")
    home = Path(_env("LAKEHOUSE_HOME", str(PROJECT_ROOT / "var"))).expanduser().resolve()
    return Settings(
        profile=profile,
        home=home,
        catalog_name=_env("LAKEHOUSE_CATALOG_NAME", "lakehouse"),
        pg_host=_env("LAKEHOUSE_PG_HOST", "127.0.0.1"),
        pg_port=int(_env("LAKEHOUSE_PG_PORT", "55432")),
        pg_user=_env("LAKEHOUSE_PG_USER", "lakehouse"),
        pg_password=os.environ.get("LAKEHOUSE_PG_PASSWORD", ""),
        s3_endpoint=_env("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:59000"),
        s3_bucket=_env("LAKEHOUSE_S3_BUCKET", "lakehouse"),
        s3_access_key=_env("LAKEHOUSE_S3_ACCESS_KEY", "lakehouse"),
        s3_secret_key=os.environ.get("LAKEHOUSE_S3_SECRET_KEY", ""),
    )

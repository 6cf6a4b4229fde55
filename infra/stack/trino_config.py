"""Render a Trino node's `etc/` (pure functions: no servers, no downloads; unit-tested)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.settings import Settings
from infra.stack.secrets import StackSecrets, TrinoUser
from infra.stack.templates import render
from infra.vocabulary import DEPARTMENTS

PBKDF2_ITERATIONS = 10_000
# Two Trino catalogs over the one Iceberg catalog (docs/threat-model.md). Everyone reads through READ_CATALOG,
# where the connector itself refuses every write, DDL and table procedure: Trino 476's file-based rules do
# not govern `ALTER TABLE … EXECUTE` at all (trinodb/trino#22874), so no rule could keep analysts from
# expiring snapshots or rolling a table back. STEWARD_CATALOG serves the same tables with writes, table
# procedures and statistics; the generated rules open it to the named steward accounts only.
READ_CATALOG = "lakehouse"
STEWARD_CATALOG = "lakehouse_admin"
# Appended to READ_CATALOG's properties. Statistics off there too: Trino computes them before row filters
# and column grants, so `SHOW STATS FOR (SELECT …)` showed a row-filtered reader the whole table's ranges.
READ_ONLY_PROPERTIES = """
# Everyone reads here; no user writes, alters or runs table procedures through this catalog.
iceberg.security=read_only
# Statistics ignore row filters: without them SHOW STATS shows no column ranges of rows a reader cannot see.
iceberg.table-statistics-enabled=false
"""

# Appended to STEWARD_CATALOG's properties: the floors Trino holds ad hoc maintenance to, set to the default
# maintenance policy (infra/iceberg/maintain_all.maintenance_policy: snapshots 7 days, orphan files 72 h)
# so `lakehouse maintain` is accepted as is; a steward asking it for less sends that as the session's
# minimum for its own connection (infra/iceberg/maintenance_trino.py), which the rules allow stewards only.
STEWARD_PROPERTIES = """
# Floors of ALTER TABLE … EXECUTE expire_snapshots / remove_orphan_files: the default maintenance policy.
iceberg.expire-snapshots.min-retention=7d
iceberg.remove-orphan-files.min-retention=72h
"""


@dataclass(frozen=True)
class TrinoNode:
    """One Trino process: the coordinator or a worker, each with its own etc/ and data dir."""

    name: str  # "trino", "trino-worker", "trino-worker-2" …: also its pid/log file name
    coordinator: bool
    https_port: int
    base: Path  # $LAKEHOUSE_HOME/stack/trino/<role>
    heap: str
    index: int = 1  # a worker's number (1-based); its node id says it

    @property
    def etc(self) -> Path:
        return self.base / "etc"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def node_id(self) -> str:
        return "coordinator" if self.coordinator else f"worker-{self.index}"


def hash_password(password: str, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Trino password-file entry: PBKDF2WithHmacSHA1 as `iterations:hex(salt):hex(hash)`.

    bcrypt would need the `bcrypt` package, which is not in the venv; Trino accepts PBKDF2 equally.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, iterations, dklen=32)
    return f"{iterations}:{salt.hex()}:{digest.hex()}"


def password_file(users: Iterable[TrinoUser]) -> str:
    return "".join(f"{u.name}:{hash_password(u.password)}\n" for u in users)


class GroupFileError(ValueError):
    """A user is in a group that is not a department id of the glossary."""


def group_file(users: Iterable[TrinoUser], departments: Iterable[str] = DEPARTMENTS) -> str:
    """Trino's group file (`group:user1,user2`); every group must be a department id of the glossary.

    Written at `up` and again by the access-rules refresh while Trino runs (one implementation)."""
    known = set(departments)
    members: dict[str, list[str]] = {}
    for user in users:
        for group in user.groups:
            if group not in known:
                raise GroupFileError(
                    f"user {user.name!r} is in group {group!r}, which is not a department id "
                    f"({', '.join(sorted(known))})"
                )
            members.setdefault(group, []).append(user.name)
    return "".join(f"{group}:{','.join(sorted(names))}\n" for group, names in sorted(members.items()))


def catalog_file(settings: Settings, read_only: bool = True) -> str:
    """READ_CATALOG's properties (read_only) or STEWARD_CATALOG's: the same Iceberg catalog and bucket."""
    text = render(
        "trino/lakehouse.properties",
        pg_host=settings.pg_host,
        pg_port=settings.pg_port,
        pg_user=settings.pg_user,
        pg_password=settings.pg_password,
        catalog_name=settings.catalog_name,
        bucket=settings.s3_bucket,
        s3_endpoint=settings.s3_endpoint,
        s3_access_key=settings.s3_access_key,
        s3_secret_key=settings.s3_secret_key,
    )
    return text + (READ_ONLY_PROPERTIES if read_only else STEWARD_PROPERTIES)


def render_node(
    node: TrinoNode,
    *,
    settings: Settings,
    stack: StackSecrets,
    users: list[TrinoUser],
    plugin_dir: Path,
    keystore: Path,
    truststore: Path,
    coordinator_etc: Path,
) -> dict[str, str]:
    """File name (relative to the node's etc/) -> content."""
    common = {
        "https_port": node.https_port,
        "keystore": keystore,
        "truststore": truststore,
        "keystore_password": stack.trino_keystore_password,
        "shared_secret": stack.trino_shared_secret,
        "etc_dir": node.etc,
        "plugin_dir": plugin_dir,
        "query_max_memory": "2GB",
    }
    files = {
        "jvm.config": render("trino/jvm.config", heap=node.heap),
        "node.properties": render("trino/node.properties", node_id=node.node_id, data_dir=node.data),
        "log.properties": render("trino/log.properties"),
        f"catalog/{READ_CATALOG}.properties": catalog_file(settings, read_only=True),
        f"catalog/{STEWARD_CATALOG}.properties": catalog_file(settings, read_only=False),
        # One rules file for the cluster: the worker reads the coordinator's.
        "access-control.properties": render(
            "trino/access-control.properties", rules_file=coordinator_etc / "rules.json"
        ),
    }
    # Every node checks passwords: a node without an authenticator trusts the X-Trino-User header.
    files["password-authenticator.properties"] = render(
        "trino/password-authenticator.properties", password_file=node.etc / "password.db"
    )
    files["password.db"] = password_file(users)
    if node.coordinator:
        files["config.properties"] = render("trino/coordinator.properties", **common)
        files["group-provider.properties"] = render(
            "trino/group-provider.properties", group_file=node.etc / "groups.txt"
        )
        files["groups.txt"] = group_file(users)
        files["http-event-listener.properties"] = render(
            "trino/http-event-listener.properties",
            ingest_uri=f"http://127.0.0.1:{settings.audit_port}/events",
            audit_token=stack.audit_token,
        )
    else:
        files["config.properties"] = render(
            "trino/worker.properties", coordinator_port=settings.trino_port, **common
        )
    return files


def default_rules() -> str:
    """Fail closed until the generated rules replace it: stewards (data_office) only, nobody else."""
    return render("trino/rules.json")

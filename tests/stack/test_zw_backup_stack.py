"""灾备 on the REAL stack: `lakehouse backup create` (pg_dump of the catalog and state databases, the bucket's
referenced objects), the catalog database and the bucket wiped, `lakehouse backup restore` → every table back
at its snapshot with the same rows and checksum of `select *`, Trino serving them again; a stack that still
holds data is refused, a damaged backup does not verify, and no secret is in the backup.

Named to run late: it wipes and restores the session's stack (the tests after it see the restored state).
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from infra.catalog import catalog_properties, open_catalog
from infra.iceberg.objects import delete_file, list_files
from infra.stack import trino as trino_node
from infra.stack.postgres import DATABASES
from infra.stack.secrets import STEWARD_USER
from tests.stack.stack_cli import lakehouse
from tests.stack.stack_data import pipeline_once
from tests.table_state import catalog_state

pytestmark = pytest.mark.stack


def _wipe(settings) -> None:
    """What a lost server leaves: every row of every database gone, every object of the warehouse gone."""
    for database in DATABASES:
        with psycopg.connect(
            host=settings.pg_host,
            port=settings.pg_port,
            user=settings.pg_user,
            password=settings.pg_password,
            dbname=database,
        ) as connection:
            for schema, name in connection.execute(
                "SELECT schemaname, relname FROM pg_stat_user_tables"
            ).fetchall():
                connection.execute(
                    sql.SQL("TRUNCATE {}.{} CASCADE").format(sql.Identifier(schema), sql.Identifier(name))
                )
    catalog = open_catalog(settings)
    io = catalog._load_file_io(catalog_properties(settings))
    for stored in list_files(io, catalog_properties(settings)["warehouse"]):
        delete_file(io, stored.name)


def _secrets_of(running) -> list[bytes]:
    settings = running.settings
    found = [settings.pg_password.encode(), settings.s3_secret_key.encode()]
    found += [u.password.encode() for u in (running.user(STEWARD_USER),)]
    key_file = settings.home / "secrets" / "pseudonym.key"
    if key_file.is_file():
        found.append(key_file.read_text(encoding="utf-8").strip().encode())
    return [s for s in found if len(s) >= 8]


def _steward_count(running, table: str) -> int:
    zone, name = table.split(".")
    rows = trino_node.query(
        running.settings,
        running.paths,
        f'SELECT count(*) FROM lakehouse."{zone}"."{name}"',
        running.user(STEWARD_USER),
    )
    return int(rows[0][0])


def test_backup_wipe_restore_on_the_stack(running_stack, tmp_path: Path) -> None:
    pipeline_once(running_stack)
    settings = running_stack.settings
    before = catalog_state(open_catalog(settings))
    assert len(before) >= 10 and sum(rows for _, rows, _ in before.values()) > 100
    root = tmp_path / "backups"

    made = lakehouse(running_stack, "backup", "create", "--root", str(root))
    assert made.returncode == 0, made.stdout + made.stderr
    (folder,) = [p for p in root.iterdir() if p.is_dir()]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "stack" and manifest["home"] == f"s3://{settings.s3_bucket}"
    assert {t["table"]: t["snapshot_id"] for t in manifest["tables"]} == {
        name: state[0] for name, state in before.items()
    }
    assert {t["table"]: t["rows"] for t in manifest["tables"]} == {
        name: state[1] for name, state in before.items()
    }
    paths = {f["path"] for f in manifest["files"]}
    assert {f"postgres/{db}.dump" for db in DATABASES} <= paths
    assert all(p.startswith(("postgres/", "s3/warehouse/")) for p in paths)
    # No secret in any byte of the backup: not the stack's passwords, not the pseudonymisation key.
    secrets = _secrets_of(running_stack)
    for stored in folder.rglob("*"):
        if stored.is_file():
            content = stored.read_bytes()
            assert not any(s in content for s in secrets), f"{stored}: holds a secret"

    verified = lakehouse(running_stack, "backup", "verify", str(folder))
    assert verified.returncode == 0, verified.stdout + verified.stderr

    refused = lakehouse(running_stack, "backup", "restore", str(folder))
    assert refused.returncode != 0 and "fresh stack" in refused.stderr, refused.stderr

    _wipe(settings)
    assert catalog_state(open_catalog(settings)) == {}

    restored = lakehouse(running_stack, "backup", "restore", str(folder))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert catalog_state(open_catalog(settings)) == before
    table = next(t for t in before if t.startswith("exchange.") and before[t][1] > 0)
    assert _steward_count(running_stack, table) == before[table][1]  # Trino serves the restored catalog

    damaged = next(folder.glob("s3/warehouse/**/*.parquet"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    broken = lakehouse(running_stack, "backup", "verify", str(folder))
    assert broken.returncode != 0 and "SHA-256" in broken.stderr

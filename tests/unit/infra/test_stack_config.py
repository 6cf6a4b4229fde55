"""Config rendering of the stack (Trino etc/, s3proxy, PostgreSQL bootstrap): no servers."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
from pathlib import Path

import pytest

from infra.settings import Settings
from infra.stack import postgres, registry, s3
from infra.stack.maven import artifact_path
from infra.stack.model import StackError
from infra.stack.paths import StackPaths
from infra.stack.secrets import StackSecrets, TrinoUser, load_or_create, load_or_create_users, with_secrets
from infra.stack.trino_config import TrinoNode, default_rules, group_file, hash_password, render_node
from infra.vocabulary import DEPARTMENTS

SECRETS = StackSecrets("pgpw", "s3key", "s3secret", "shared-secret", "kspw", "audit-token")
USERS = [TrinoUser("steward", "pw1", ("data_office",)), TrinoUser("analyst_health", "pw2", ("health",))]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        profile="stack",
        home=tmp_path,
        catalog_name="lakehouse",
        pg_password="pgpw",
        s3_access_key="s3key",
        s3_secret_key="s3secret",
        trino_port=18443,
        trino_worker_port=18444,
    )


def _props(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#") and "=" in line]
    return dict(line.split("=", 1) for line in lines)


def _render(settings: Settings, coordinator: bool) -> dict[str, str]:
    base = settings.home / "stack" / "trino"
    node = TrinoNode(
        "trino" if coordinator else "trino-worker",
        coordinator,
        18443 if coordinator else 18444,
        base / ("coordinator" if coordinator else "worker"),
        heap="3G",
    )
    return render_node(
        node,
        settings=settings,
        stack=SECRETS,
        users=USERS,
        plugin_dir=Path("/cache/trino/plugin"),
        keystore=base / "tls" / "keystore.p12",
        truststore=base / "tls" / "trino.pem",
        coordinator_etc=base / "coordinator" / "etc",
    )


def test_coordinator_config(settings: Settings) -> None:
    files = _render(settings, coordinator=True)
    assert not any("${" in text for text in files.values())
    config = _props(files["config.properties"])
    assert config["coordinator"] == "true"
    assert config["http-server.http.enabled"] == "false"
    assert config["http-server.https.port"] == "18443"
    assert config["http-server.authentication.type"] == "PASSWORD"
    assert config["internal-communication.shared-secret"] == "shared-secret"
    assert config["discovery.uri"] == "https://127.0.0.1:18443"
    assert _props(files["node.properties"])["node.bind-ip"] == "127.0.0.1"
    access = _props(files["access-control.properties"])
    assert access["security.config-file"].endswith("coordinator/etc/rules.json")
    assert access["security.refresh-period"] == "5s"
    # The web UI hands JVM thread dumps of every node to any logged-in user: it is off.
    assert config["web-ui.enabled"] == "false"
    listener = _props(files["http-event-listener.properties"])
    assert listener["http-event-listener.connect-http-headers"] == "Authorization: Bearer audit-token"
    assert listener["http-event-listener.connect-ingest-uri"] == "http://127.0.0.1:58480/events"
    # Trino's start-up table of properties does not redact the listener's headers.
    assert _props(files["log.properties"])["Bootstrap"] == "WARN"
    jvm = files["jvm.config"].splitlines()
    assert {"--add-modules=jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow", "-Xmx3G"} <= set(
        jvm
    )


def test_read_catalog_refuses_writes_and_serves_no_statistics(settings: Settings) -> None:
    files = _render(settings, coordinator=True)
    read, steward = (_props(files[f"catalog/{name}.properties"]) for name in ("lakehouse", "lakehouse_admin"))
    # Trino 476's file-based rules cannot refuse ALTER TABLE … EXECUTE: the connector of the shared catalog does.
    assert read["iceberg.security"] == "read_only"
    assert read["iceberg.table-statistics-enabled"] == "false"
    assert "iceberg.security" not in steward and "iceberg.table-statistics-enabled" not in steward
    shared = {k: v for k, v in read.items() if not k.startswith(("iceberg.security", "iceberg.table-stat"))}
    floors = {k: v for k, v in steward.items() if k.endswith(".min-retention")}
    # Maintenance floors at the default policy (7 days of snapshots, 72 h before an orphan may go).
    assert floors == {
        "iceberg.expire-snapshots.min-retention": "7d",
        "iceberg.remove-orphan-files.min-retention": "72h",
    }
    assert shared == {k: v for k, v in steward.items() if k not in floors}  # the same catalog and bucket


def test_iceberg_catalog_matches_pyiceberg(settings: Settings) -> None:
    catalog = _props(_render(settings, coordinator=True)["catalog/lakehouse.properties"])
    assert catalog["iceberg.catalog.type"] == "jdbc"
    assert catalog["iceberg.jdbc-catalog.catalog-name"] == settings.catalog_name
    assert (
        catalog["iceberg.jdbc-catalog.connection-url"] == "jdbc:postgresql://127.0.0.1:55432/iceberg_catalog"
    )
    assert catalog["fs.native-s3.enabled"] == "true"
    assert catalog["s3.path-style-access"] == "true"
    assert catalog["s3.region"] == "us-east-1"
    assert (catalog["s3.endpoint"], catalog["s3.aws-access-key"]) == (settings.s3_endpoint, "s3key")


def test_worker_config(settings: Settings) -> None:
    files = _render(settings, coordinator=False)
    config = _props(files["config.properties"])
    assert config["coordinator"] == "false"
    assert config["discovery.uri"] == "https://127.0.0.1:18443"
    assert config["http-server.https.port"] == "18444"
    # A worker without an authenticator would trust any X-Trino-User header on its management API.
    assert config["http-server.authentication.type"] == "PASSWORD"
    assert _props(files["password-authenticator.properties"])["file.password-file"].endswith(
        "worker/etc/password.db"
    )
    assert files["password.db"].startswith("steward:")
    # The worker has no web UI to switch off (an unused property would stop it at start-up).
    assert "web-ui.enabled" not in config
    # One rules file for the cluster.
    assert _props(files["access-control.properties"])["security.config-file"].endswith(
        "coordinator/etc/rules.json"
    )


def test_password_file_is_pbkdf2_trino_can_verify(settings: Settings) -> None:
    line = _render(settings, coordinator=True)["password.db"].splitlines()[0]
    user, iterations, salt, digest = line.split(":")
    expected = hashlib.pbkdf2_hmac(
        "sha1", b"pw1", bytes.fromhex(salt), int(iterations), dklen=len(digest) // 2
    )
    assert user == "steward" and int(iterations) >= 1000 and expected.hex() == digest
    assert hash_password("x") != hash_password("x")  # salted


def test_group_file_and_default_rules() -> None:
    assert group_file(USERS) == "data_office:steward\nhealth:analyst_health\n"
    rules = json.loads(default_rules())
    assert {"catalog": ".*", "allow": "none"} in rules["catalogs"]  # fail closed: stewards only
    # The steward account by name: a department group would open it to analyst_data_office too.
    assert all(rule.get("user") == "steward" and "group" not in rule for rule in rules["tables"])


def test_demo_users_cover_every_department(tmp_path: Path) -> None:
    users = load_or_create_users(tmp_path)
    groups = {g for u in users for g in u.groups}
    assert groups == set(DEPARTMENTS)
    assert next(u for u in users if u.name == "steward").groups == ("data_office",)
    path = tmp_path / "trino-users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.stat().st_mtime_ns
    assert [u.password for u in load_or_create_users(tmp_path)] == [u.password for u in users]  # stable
    # Read, not rewritten: a rewrite truncates first, and a concurrent reader then saw an empty file.
    assert path.stat().st_mtime_ns == written


def test_generated_secrets_fill_settings(tmp_path: Path, settings: Settings) -> None:
    generated = load_or_create(tmp_path)
    assert load_or_create(tmp_path) == generated
    empty = dataclasses.replace(
        settings, profile="embedded", pg_password="", s3_access_key="lakehouse", s3_secret_key=""
    )
    filled = with_secrets(empty, generated)
    assert filled.profile == "stack"
    assert (filled.pg_password, filled.s3_access_key, filled.s3_secret_key) == (
        generated.pg_password,
        generated.s3_access_key,
        generated.s3_secret_key,
    )


def test_secrets_added_later_are_filled_in_without_touching_the_others(tmp_path: Path) -> None:
    older = {k: v for k, v in dataclasses.asdict(load_or_create(tmp_path)).items() if k != "audit_token"}
    (tmp_path / "stack.json").write_text(json.dumps(older))
    upgraded = load_or_create(tmp_path)
    assert len(upgraded.audit_token) >= 32
    assert {k: v for k, v in dataclasses.asdict(upgraded).items() if k != "audit_token"} == older
    assert load_or_create(tmp_path) == upgraded  # written back once, stable afterwards
    assert stat.S_IMODE((tmp_path / "stack.json").stat().st_mode) == 0o600


def test_s3proxy_properties(settings: Settings) -> None:
    props = _props(s3.render_properties(settings, StackPaths(settings.home, settings.home / "cache")))
    assert props["s3proxy.endpoint"] == "http://127.0.0.1:59000"
    assert props["jclouds.filesystem.basedir"] == str(settings.home / "stack" / "s3")
    assert (props["s3proxy.identity"], props["s3proxy.credential"]) == ("s3key", "s3secret")


def test_postgres_bootstrap_sql() -> None:
    sql = postgres.bootstrap_sql("lakehouse", "Abc-123_x")
    for db in ("iceberg_catalog", "dagster", "superset", "sharing"):
        assert f'CREATE DATABASE "{db}" OWNER "lakehouse"' in sql
    assert "PASSWORD 'Abc-123_x'" in sql
    with pytest.raises(StackError):
        postgres.bootstrap_sql("lakehouse", "x'; DROP ROLE postgres; --")


def test_components_pull_in_what_they_need() -> None:
    assert registry.resolve(None, with_worker=False) == ["postgres", "s3", "audit", "trino"]
    assert registry.resolve(["trino-worker"], with_worker=False) == [
        "postgres",
        "s3",
        "audit",
        "trino",
        "trino-worker",
    ]
    assert registry.resolve(["s3"], with_worker=False) == ["s3"]
    with pytest.raises(StackError):
        registry.resolve(["minio"], with_worker=False)


def test_maven_artifact_path() -> None:
    path = artifact_path(Path("/m2"), "io.trino:trino-server-core:476:tar.gz")
    assert path == Path("/m2/io/trino/trino-server-core/476/trino-server-core-476.tar.gz")
    jar = artifact_path(Path("/m2"), "org.gaul:s3proxy:3.0.0:jar:jar-with-dependencies")
    assert jar.name == "s3proxy-3.0.0-jar-with-dependencies.jar"

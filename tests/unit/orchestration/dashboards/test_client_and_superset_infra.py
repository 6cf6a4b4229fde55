"""REST client encoding, Superset install/config helpers, impersonation rule merging."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from governance.access import impersonation
from infra.settings import load_settings
from infra.stack.paths import StackPaths
from infra.stack.superset import install, server
from infra.stack.superset.secrets import SERVICE_USER, ensure_service_user, load_or_create, people
from orchestration.dashboards.client import rison


def test_rison_encodes_filters_with_chinese_and_quotes() -> None:
    query = {"filters": [{"col": "name", "opr": "eq", "value": "默认拒绝 it's!"}], "page": 0}
    assert rison(query) == "(filters:!((col:'name',opr:'eq',value:'默认拒绝 it!'s!!')),page:0)"
    assert rison([True, False, None]) == "!(!t,!f,!n)"


def test_lock_pins_every_package_exactly() -> None:
    lines = [ln for ln in install.LOCK.read_text().splitlines() if ln and not ln.startswith((" ", "#"))]
    assert all("==" in ln for ln in lines)
    pinned = dict(ln.split("==", 1) for ln in lines)
    assert pinned["apache-superset"] == "6.1.0"
    assert pinned["sqlalchemy"].startswith("1.4")
    assert int(pinned["flask-caching"].split(".")[1]) < 5
    for name in ("trino", "rich", "psycopg2-binary", "cachetools"):
        assert name in pinned


def test_venv_is_keyed_by_the_lock_hash(tmp_path: Path) -> None:
    lock = tmp_path / "a.lock"
    lock.write_text("x==1\n")
    first = install.venv_dir(tmp_path, lock)
    lock.write_text("x==2\n")
    assert install.venv_dir(tmp_path, lock) != first
    assert first.parent == tmp_path


def test_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    first = load_or_create(tmp_path)
    assert load_or_create(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "superset.json").stat().st_mode) == 0o600
    service = ensure_service_user(tmp_path)
    assert ensure_service_user(tmp_path).password == service.password
    assert service.groups == ()
    names = {u.name for u in people(tmp_path)}
    assert SERVICE_USER not in names and "steward" in names and "analyst_transport" in names


def test_impersonation_rule_is_merged_once_keeping_other_rules() -> None:
    other = {"original_user": "admin", "new_user": ".*", "allow": False}
    current = {"tables": [{"privileges": ["SELECT"]}], "impersonation": [other]}
    merged = impersonation.with_impersonation(current)
    assert impersonation.with_impersonation(merged) == merged
    assert merged["tables"] == [{"privileges": ["SELECT"]}]
    assert merged["impersonation"][1] == other
    pattern = merged["impersonation"][0]["new_user"]
    import re

    assert re.fullmatch(pattern, "analyst_transport") and re.fullmatch(pattern, "steward")
    assert not re.fullmatch(pattern, SERVICE_USER) and not re.fullmatch(pattern, "admin")


def test_server_env_drops_the_ca_bundle_override(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    paths = StackPaths.of(load_settings())
    env = server.server_env(paths, tmp_path / "venv")
    assert "REQUESTS_CA_BUNDLE" not in env
    assert env["SUPERSET_CONFIG_PATH"].endswith("superset_config.py")


def test_config_blocks_outside_hosts(monkeypatch, tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(
        json.dumps({"secret_key": "k", "metadata_uri": "postgresql://x", "data_dir": "/d"})
    )
    monkeypatch.setenv("LAKEHOUSE_SUPERSET_SETTINGS", str(settings_file))
    namespace: dict[str, object] = {}
    exec(compile(server.CONFIG_MODULE.read_text(), "superset_config.py", "exec"), namespace)
    csp = json.dumps(namespace["TALISMAN_CONFIG"])
    assert "scarf" not in csp and "https://" not in csp
    assert namespace["SECRET_KEY"] == "k"
    assert namespace["FEATURE_FLAGS"]["DASHBOARD_RBAC"] is True  # type: ignore[index]

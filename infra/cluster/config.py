"""The files the cluster manifests mount that only our code can write (pure apart from `write_config`).

The kustomize base (infra/cluster/base) reads them from GENERATED_DIR as a kustomize Component: Trino's
access rules and group file (ConfigMap `trino-access`), its password file (Secret `trino-auth`), the
credentials every pod gets as environment variables (Secret `lakehouse-secrets`) and Superset's settings
(Secret `superset-settings`). Credentials the city owns (PostgreSQL, S3, the pseudonym key) come from the
operator's environment; the tokens the lakehouse owns are generated here once and kept across renders
(a re-render must not log every client out). The rules are given by the caller: governance renders them
(orchestration/cli_cluster.py), this floor only writes them.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from infra.stack.secrets import TrinoUser
from infra.stack.trino_config import group_file, password_file

CLUSTER_DIR = Path(__file__).resolve().parent
# Where the base's kustomization looks for the generated Component (git-ignored: it holds secrets).
GENERATED_DIR = CLUSTER_DIR / "generated"
# The kustomization whose `lakehouse-settings` ConfigMap every pod reads its addresses from.
SHARED_KUSTOMIZATION = CLUSTER_DIR / "shared" / "kustomization.yaml"
SETTINGS_CONFIGMAP = "lakehouse-settings"

# Names the manifests use. A test renders the overlays and checks each one against Trino's config.
ACCESS_CONFIGMAP = "trino-access"
AUTH_SECRET = "trino-auth"
ENV_SECRET = "lakehouse-secrets"
SUPERSET_SECRET = "superset-settings"
RULES_FILE = "rules.json"
GROUPS_FILE = "groups.txt"
PASSWORD_FILE = "password.db"
ENV_FILE = "secrets.env"
SUPERSET_FILE = "superset-settings.json"
# Plain passwords of the Trino users, for the operator to hand out; never mounted anywhere.
USERS_FILE = "trino-users.json"

# The city's credentials: the operator exports them before rendering (no defaults, none generated: they
# already exist in the city's PostgreSQL and object store, or in its key management for the pseudonym key).
OPERATOR_ENV = (
    "LAKEHOUSE_PG_PASSWORD",
    "LAKEHOUSE_S3_ACCESS_KEY",
    "LAKEHOUSE_S3_SECRET_KEY",
    "LAKEHOUSE_PSEUDONYM_KEY",
)
# The lakehouse's own tokens: node-to-node secret, the audit receiver's bearer token, Superset's key.
GENERATED_ENV = ("LAKEHOUSE_TRINO_SHARED_SECRET", "LAKEHOUSE_AUDIT_TOKEN", "SUPERSET_SECRET_KEY")


class ClusterConfigError(ValueError):
    """A credential the render needs is missing or cannot go into an env file."""


@dataclass(frozen=True)
class RenderedConfig:
    out: Path
    files: tuple[str, ...]
    users: tuple[str, ...]


def operator_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The operator's credentials from `environ`; refuses naming every missing one at once."""
    missing = [name for name in OPERATOR_ENV if not environ.get(name, "").strip()]
    if missing:
        raise ClusterConfigError(f"export {', '.join(missing)} before rendering (docs/cluster.md)")
    values = {name: environ[name].strip() for name in OPERATOR_ENV}
    for name, value in values.items():
        # An env file has one KEY=VALUE per line: a newline would cut the secret and inject another key.
        if "\n" in value or "\r" in value:
            raise ClusterConfigError(f"{name} contains a line break")
    return values


def settings_literals(kustomization: Path = SHARED_KUSTOMIZATION) -> dict[str, str]:
    """The `lakehouse-settings` literals the pods get, so what render-config writes (Superset's database URL)
    names the same PostgreSQL as they do."""
    import yaml

    data = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
    generator = next(g for g in data.get("configMapGenerator", []) if g["name"] == SETTINGS_CONFIGMAP)
    return dict(literal.split("=", 1) for literal in generator.get("literals", []))


def read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def env_file(values: Mapping[str, str]) -> str:
    return "".join(f"{key}={values[key]}\n" for key in sorted(values))


def superset_settings(values: Mapping[str, str], pg_user: str, pg_host: str, pg_port: int) -> str:
    """What infra/stack/superset/superset_config.py reads (LAKEHOUSE_SUPERSET_SETTINGS), for the cluster."""
    # The city's password may hold URL characters (@, /, :): quoted, it stays one password.
    password = quote(values["LAKEHOUSE_PG_PASSWORD"], safe="")
    uri = f"postgresql+psycopg2://{quote(pg_user, safe='')}:{password}@{pg_host}:{pg_port}/superset"
    data = {"secret_key": values["SUPERSET_SECRET_KEY"], "metadata_uri": uri, "data_dir": "/var/lib/superset"}
    return json.dumps(data, indent=2) + "\n"


def component(env_name: str = ENV_FILE) -> str:
    """The kustomize Component the base includes: the generators over the files written beside it.

    No name-suffix hash: Trino re-reads the rules, groups and passwords every 5 s from the mounted folder,
    and the kubelet refreshes a mounted ConfigMap/Secret in place, so a new render needs no restart; a hashed
    name would roll every Trino pod instead."""
    return f"""# Generated by `lakehouse cluster render-config`; holds references to secrets beside it. Do not commit.
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
generatorOptions:
  disableNameSuffixHash: true
configMapGenerator:
  - name: {ACCESS_CONFIGMAP}
    files:
      - {RULES_FILE}
      - {GROUPS_FILE}
secretGenerator:
  - name: {AUTH_SECRET}
    files:
      - {PASSWORD_FILE}
  - name: {ENV_SECRET}
    envs:
      - {env_name}
  - name: {SUPERSET_SECRET}
    files:
      - {SUPERSET_FILE}
"""


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def write_config(
    out: Path,
    *,
    rules: str,
    users: Iterable[TrinoUser],
    environ: Mapping[str, str],
    pg_user: str = "lakehouse",
    pg_host: str = "postgres",
    pg_port: int = 5432,
) -> RenderedConfig:
    """Write every generated input into `out` (owner-only files) and the Component that mounts them."""
    operator = operator_values(environ)
    kept = read_env_file(out / ENV_FILE)
    tokens = {name: kept.get(name) or secrets.token_urlsafe(48) for name in GENERATED_ENV}
    values = {**tokens, **operator}
    members = list(users)
    files = {
        RULES_FILE: rules,
        GROUPS_FILE: group_file(members),
        PASSWORD_FILE: password_file(members),
        ENV_FILE: env_file(values),
        SUPERSET_FILE: superset_settings(values, pg_user, pg_host, pg_port),
        "kustomization.yaml": component(),
    }
    for name, text in files.items():
        _write_private(out / name, text)
    return RenderedConfig(out, tuple(sorted({*files, USERS_FILE})), tuple(u.name for u in members))

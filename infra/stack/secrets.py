"""Credentials generated at the first `up`, kept under $LAKEHOUSE_HOME/secrets/ (mode 600)."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from infra.settings import STACK_SECRETS_FILE, Settings
from infra.vocabulary import DEPARTMENTS, STEWARD_DEPARTMENT

TRINO_USERS_FILE = "trino-users.json"
STEWARD_USER = "steward"
STEWARD_GROUP = STEWARD_DEPARTMENT


@dataclass(frozen=True)
class StackSecrets:
    pg_password: str
    s3_access_key: str
    s3_secret_key: str
    trino_shared_secret: str
    trino_keystore_password: str
    # Trino's event listener sends it; the query-event receiver refuses posts without it.
    audit_token: str


@dataclass(frozen=True)
class TrinoUser:
    name: str
    password: str
    groups: tuple[str, ...]


def _token() -> str:
    # URL-safe characters only: these values go into properties files, JDBC URLs and SQL literals.
    return secrets.token_urlsafe(24)


def write_private(path: Path, data: object) -> None:
    """Write JSON readable by the owner only (created 600, never world-readable for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    path.chmod(0o600)


def _generate() -> dict[str, str]:
    return {
        "pg_password": _token(),
        "s3_access_key": f"lakehouse-{secrets.token_hex(4)}",
        "s3_secret_key": _token(),
        "trino_shared_secret": secrets.token_urlsafe(64),
        "trino_keystore_password": _token(),
        "audit_token": secrets.token_urlsafe(32),
    }


def load_or_create(secrets_dir: Path) -> StackSecrets:
    """The stack's secrets; generated at the first `up`, and any secret a newer version added is filled in
    (existing values are never replaced: the running servers were configured with them)."""
    path = secrets_dir / STACK_SECRETS_FILE
    known: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    fields = {f.name for f in dataclasses.fields(StackSecrets)}
    merged = {**_generate(), **{k: v for k, v in known.items() if k in fields}}
    created = StackSecrets(**merged)
    if fields - set(known):
        write_private(path, {**known, **dataclasses.asdict(created)})
    return created


def demo_users() -> list[tuple[str, tuple[str, ...]]]:
    """A steward plus one analyst per department (glossary ids are the Trino groups)."""
    users = [(STEWARD_USER, (STEWARD_GROUP,))]
    users += [(f"analyst_{dept}", (dept,)) for dept in DEPARTMENTS]
    return users


def load_or_create_users(secrets_dir: Path) -> list[TrinoUser]:
    path = secrets_dir / TRINO_USERS_FILE
    known: dict[str, dict[str, object]] = {}
    if path.is_file():
        known = json.loads(path.read_text(encoding="utf-8"))
    users = []
    for name, groups in demo_users():
        entry = known.get(name, {})
        password = str(entry.get("password") or _token())
        users.append(TrinoUser(name=name, password=password, groups=groups))
    # Users added by hand to the file are kept.
    for name, entry in known.items():
        if name not in {u.name for u in users}:
            users.append(TrinoUser(name, str(entry["password"]), tuple(entry.get("groups", ()))))  # type: ignore[arg-type]
    wanted = {u.name: {"password": u.password, "groups": list(u.groups)} for u in users}
    if wanted != known:
        # Only when something changed: a rewrite truncates the file first, and a reader in another process
        # or thread (a `lakehouse sql` while a test polls Trino) then read it empty ("Expecting value").
        write_private(path, wanted)
    return users


def with_secrets(settings: Settings, stack: StackSecrets) -> Settings:
    """The settings the stack profile runs with: generated credentials unless the environment set them."""
    return dataclasses.replace(
        settings,
        profile="stack" if settings.profile == "embedded" else settings.profile,
        pg_password=settings.pg_password or stack.pg_password,
        s3_access_key=stack.s3_access_key
        if settings.s3_access_key == "lakehouse"
        else settings.s3_access_key,
        s3_secret_key=settings.s3_secret_key or stack.s3_secret_key,
    )

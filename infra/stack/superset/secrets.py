"""Superset's generated secrets and its Trino service account (files under $LAKEHOUSE_HOME/secrets, 600).

Superset logs in to Trino as one service account and impersonates the analyst who runs the chart, so
Trino's per-department rules apply to each analyst. Superset user names are therefore the Trino user
names of infra.stack.secrets (`steward`, `analyst_<department>`), with the same generated passwords.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from infra.stack.secrets import TRINO_USERS_FILE, TrinoUser, load_or_create_users, write_private

SUPERSET_SECRETS_FILE = "superset.json"
SERVICE_USER = "superset"


@dataclass(frozen=True)
class SupersetSecrets:
    secret_key: str


def load_or_create(secrets_dir: Path) -> SupersetSecrets:
    """The Flask secret key (signs sessions, encrypts stored DB passwords): generated once, never in git."""
    path = secrets_dir / SUPERSET_SECRETS_FILE
    if path.is_file():
        return SupersetSecrets(**json.loads(path.read_text(encoding="utf-8")))
    created = SupersetSecrets(secret_key=secrets.token_urlsafe(48))
    write_private(path, {"secret_key": created.secret_key})
    return created


def ensure_service_user(secrets_dir: Path) -> TrinoUser:
    """Add Superset's Trino account (no groups: it reads nothing as itself) to trino-users.json.

    infra.stack.secrets keeps users added to that file, so Trino's password file includes it from the
    next `up` of the coordinator on.
    """
    path = secrets_dir / TRINO_USERS_FILE
    known = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if SERVICE_USER not in known:
        known[SERVICE_USER] = {"password": secrets.token_urlsafe(24), "groups": []}
        write_private(path, known)
    return next(u for u in load_or_create_users(secrets_dir) if u.name == SERVICE_USER)


def people(secrets_dir: Path) -> list[TrinoUser]:
    """The humans who log in to Superset: every Trino user except the service account."""
    return [u for u in load_or_create_users(secrets_dir) if u.name != SERVICE_USER]

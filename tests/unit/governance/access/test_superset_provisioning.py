"""What provisioning sends Superset about access: per-user caching, and who holds the stewards' role."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from governance.access.superset_roles import STEWARD_ROLE
from infra.settings import load_settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser
from orchestration.dashboards import provision

BUILTIN = {"Admin": 1, provision.BUILTIN_VIEWER: 2, provision.BUILTIN_SQL: 3}
ROLES = {"data_office": 10, "transport": 11, STEWARD_ROLE: 12}


class _RecordingApi:
    """Stands in for SupersetClient: no database exists yet, the created one is recorded."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []

    def find_one(self, resource: str, **equal: Any) -> None:
        return None

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.posted.append((path, body))
        return {"id": 7}


def test_the_trino_database_caches_per_user(lakehouse_home) -> None:
    """Issue #14, finding 6c: Trino serves each analyst their own rows (impersonation); a data cache
    keyed without the user would hand them to the next analyst who opens the chart."""
    settings = dataclasses.replace(load_settings(), profile="stack")
    paths = StackPaths.of(settings)
    api = _RecordingApi()
    assert provision.upsert_database(api, settings, paths) == 7
    ((path, body),) = api.posted
    extra = json.loads(body["extra"])
    assert path == "/api/v1/database/" and body["impersonate_user"] is True
    assert extra["per_user_caching"] is True
    assert extra["engine_params"]["connect_args"]["http_scheme"] == "https"


def test_the_steward_account_holds_the_stewards_role_the_data_office_analyst_a_departments() -> None:
    """Issue #14, finding 6b: the data office's analyst had SQL Lab and every dataset through the
    data_office role; steward rights are the steward account's."""
    steward = provision.user_roles(TrinoUser("steward", "x", ("data_office",)), ROLES, BUILTIN)
    assert steward == sorted({ROLES[STEWARD_ROLE], 1, 2, 3})
    office = provision.user_roles(TrinoUser("analyst_data_office", "x", ("data_office",)), ROLES, BUILTIN)
    assert office == [2, ROLES["data_office"]]
    transport = provision.user_roles(TrinoUser("analyst_transport", "x", ("transport",)), ROLES, BUILTIN)
    assert transport == [2, ROLES["transport"]]

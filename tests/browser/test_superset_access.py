"""Superset's REST API on the real stack: idempotent provisioning, deny-by-default RLS, SQL Lab, Trino rules."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest

from orchestration.dashboards import specs
from orchestration.dashboards.client import SupersetClient, SupersetError
from orchestration.dashboards.provision import BASE_RLS_PREFIX, DENY_ALL, provision

pytestmark = [pytest.mark.stack, pytest.mark.browser]

PARKING_TABLE = "exchange.parking_utilisation_hourly"


def _client(site, username: str) -> SupersetClient:
    return SupersetClient(site.url).login(username, site.user(username).password)


def _counts(api: SupersetClient) -> dict[str, int]:
    return {
        r: api.get(f"/api/v1/{r}/", q="(page_size:1)")["count"]
        for r in ("database", "dataset", "chart", "dashboard", "rowlevelsecurity")
    }


COUNT_ROWS = {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}


def _rows(api: SupersetClient, dataset_id: int) -> list[dict[str, Any]]:
    body = {
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": [], "metrics": [COUNT_ROWS], "row_limit": 10}],
        "result_format": "json",
        "result_type": "full",
    }
    return api.post("/api/v1/chart/data", body)["result"][0]["data"]


def test_provisioning_twice_gives_the_same_objects(superset_site) -> None:
    with _client(superset_site, "steward") as api:
        before = _counts(api)
    again = provision(superset_site.settings, superset_site.paths, progress=lambda _m: None)
    first = provision(superset_site.settings, superset_site.paths, progress=lambda _m: None)
    assert again.ids() == first.ids()
    with _client(superset_site, "steward") as api:
        assert _counts(api) == before
    assert len(first.dashboards) == len(specs.DASHBOARDS)
    assert len(first.charts) == sum(len(d.charts) for d in specs.DASHBOARDS)
    assert first.skipped == []


def test_trino_connection_impersonates_the_analyst(superset_site) -> None:
    with _client(superset_site, "steward") as api:
        db = api.find_one("database", database_name=specs.DATABASE_NAME)
        assert db is not None
        detail = api.get(f"/api/v1/database/{db['id']}/connection")["result"]
    assert detail["impersonate_user"] is True
    assert detail["sqlalchemy_uri"].startswith("trino://superset:")
    assert "https" in json.dumps(detail["extra"])


def test_every_dataset_has_a_deny_by_default_base_filter(superset_site) -> None:
    with _client(superset_site, "steward") as api:
        rules = {r["name"]: r for r in api.find("rowlevelsecurity")}
        roles = {r["id"]: r["name"] for r in api.find("security/roles")}
        for ds in specs.DATASETS:
            rule = rules[f"{BASE_RLS_PREFIX}{ds.table}"]
            assert rule["filter_type"] == "Base" and rule["clause"] == DENY_ALL
            exempt = {roles[r["id"]] for r in rule["roles"]}
            assert "stewards" in exempt  # the steward accounts' role, not the data office's
        parking = {roles[r["id"]] for r in rules[f"{BASE_RLS_PREFIX}{PARKING_TABLE}"]["roles"]}
        assert "transport" in parking and "health" not in parking


def test_base_filter_hides_rows_from_a_role_with_dataset_access_but_no_clearance(superset_site) -> None:
    """A role that gets dataset access by hand, outside the derived plan, still reads no row: Superset
    adds the Base filter's `1 = 0` to its SQL (result_type "query" shows the SQL without running it)."""
    password = superset_site.user("analyst_transport").password
    with _client(superset_site, "steward") as api:
        dataset = _parking_dataset(api)
        view = f"[{specs.DATABASE_NAME}].[parking_utilisation_hourly](id:{dataset['id']})"
        role = api.find_one("security/roles", name="rls_probe") or api.post(
            "/api/v1/security/roles/", {"name": "rls_probe"}
        )
        permission = _find_permission(api, "datasource_access", view)
        api.post(
            f"/api/v1/security/roles/{role['id']}/permissions", {"permission_view_menu_ids": [permission]}
        )
        gamma = api.find_one("security/roles", name="Gamma")
        if api.find_one("security/users", username="rls_probe_user") is None:
            api.post(
                "/api/v1/security/users/",
                {
                    "first_name": "probe",
                    "last_name": "probe",
                    "email": "rls_probe@lakehouse.invalid",
                    "active": True,
                    "roles": [role["id"], gamma["id"]],
                    "username": "rls_probe_user",
                    "password": password,
                },
            )
    with SupersetClient(superset_site.url).login("rls_probe_user", password) as probe:
        assert DENY_ALL in _sql(probe, int(dataset["id"]))
    with _client(superset_site, "analyst_transport") as transport:
        assert DENY_ALL not in _sql(transport, int(dataset["id"]))
        assert _rows(transport, int(dataset["id"]))[0]["n"] > 0


def _parking_dataset(api: SupersetClient) -> dict[str, Any]:
    return next(
        d for d in api.find("dataset", table_name="parking_utilisation_hourly") if d["schema"] == "exchange"
    )


def _sql(api: SupersetClient, dataset_id: int) -> str:
    body = {
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": [], "metrics": [COUNT_ROWS], "row_limit": 10}],
        "result_type": "query",
    }
    return str(api.post("/api/v1/chart/data", body)["result"][0]["query"])


def _find_permission(api: SupersetClient, permission: str, view: str) -> int:
    page = 0
    result = api.get("/api/v1/security/permissions-resources/", q="(page_size:100,page:0)")
    while result["result"]:
        for row in result["result"]:
            if row["permission"]["name"] == permission and row["view_menu"]["name"] == view:
                return int(row["id"])
        page += 1
        result = api.get("/api/v1/security/permissions-resources/", q=f"(page_size:100,page:{page})")
    raise AssertionError(f"no permission {permission} on {view}")


def test_health_analyst_cannot_query_the_parking_dataset(superset_site) -> None:
    with _client(superset_site, "steward") as api:
        dataset = _parking_dataset(api)
    with _client(superset_site, "analyst_health") as health, pytest.raises(SupersetError, match="403"):
        _rows(health, int(dataset["id"]))


def test_sql_lab_only_for_the_stewards(superset_site) -> None:
    with _client(superset_site, "steward") as api:
        db = api.find_one("database", database_name=specs.DATABASE_NAME)
    body = {"database_id": db["id"], "sql": "SELECT count(*) AS n FROM kpi.sharing_rate", "runAsync": False}
    for analyst in ("analyst_transport", "analyst_data_office"):  # the data office's analyst is an analyst
        with _client(superset_site, analyst) as api, pytest.raises(SupersetError, match="403"):
            api.post("/api/v1/sqllab/execute/", body)
    with _client(superset_site, "steward") as steward:
        result = steward.post("/api/v1/sqllab/execute/", body)
    assert result["data"][0]["n"] > 0


def test_superset_secrets_are_private(superset_site) -> None:
    for name in ("superset.json", "trino-users.json"):
        mode = stat.S_IMODE((superset_site.paths.secrets / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))

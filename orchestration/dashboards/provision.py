"""Provision Superset from the specs, idempotently: database, datasets, roles, users, RLS, charts, dashboards.

Every object is found by its natural key (database name, schema + table, role/user name, RLS rule name,
chart title, dashboard slug) and updated in place, so a second run changes nothing and keeps every id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from governance.access import superset_roles as access
from governance.access.grant import Grant
from governance.access.policy import AccessPolicy
from governance.access.resources import AccessResource, project_resources
from governance.access.trino_rules import DEFAULT_STEWARDS
from governance.sharing.service import grants_in_force
from infra.settings import Settings
from infra.stack import trino as trino_node
from infra.stack.paths import StackPaths
from infra.stack.secrets import STEWARD_USER, TrinoUser
from infra.stack.superset import server
from infra.stack.superset.secrets import ensure_service_user, people
from infra.vocabulary import DEPARTMENTS
from orchestration.dashboards import specs
from orchestration.dashboards.client import SupersetClient
from orchestration.dashboards.labels import column_doc_fields, dataset_doc
from orchestration.dashboards.layout import layout

Progress = Callable[[str], None]
BASE_RLS_PREFIX = "默认拒绝 "
GRANT_RLS_PREFIX = "共享授权行条件 "
DENY_ALL = "1 = 0"
BUILTIN_VIEWER = "Gamma"  # can open dashboards and charts, holds no data access of its own
BUILTIN_SQL = "sql_lab"
COLUMN_FIELDS = (
    "id",
    "column_name",
    "type",
    "verbose_name",
    "description",
    "expression",
    "filterable",
    "groupby",
    "is_active",
    "is_dttm",
    "python_date_format",
    "uuid",
)


@dataclass
class Report:
    database: int = 0
    datasets: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    rls: dict[str, int] = field(default_factory=dict)
    charts: dict[str, int] = field(default_factory=dict)
    dashboards: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def ids(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "skipped"}


def steward(paths: StackPaths) -> TrinoUser:
    return next(u for u in people(paths.secrets) if u.name == STEWARD_USER)


def login(settings: Settings, paths: StackPaths, user: TrinoUser | None = None) -> SupersetClient:
    user = user or steward(paths)
    return SupersetClient(server.url(settings)).login(user.name, user.password)


def trino_columns(settings: Settings, paths: StackPaths, schemas: Iterable[str]) -> dict[str, list[str]]:
    """table -> its columns, as the steward sees them in Trino (a missing table has no entry)."""
    in_list = ", ".join(f"'{s}'" for s in sorted(set(schemas)))
    rows = trino_node.query(
        settings,
        paths,
        "SELECT table_schema, table_name, column_name FROM lakehouse.information_schema.columns "
        f"WHERE table_schema IN ({in_list}) ORDER BY table_schema, table_name, ordinal_position",
        steward(paths),
    )
    found: dict[str, list[str]] = {}
    for schema, table, column in rows:
        found.setdefault(f"{schema}.{table}", []).append(str(column))
    return found


def provision(
    settings: Settings,
    paths: StackPaths,
    progress: Progress = print,
    grants: Sequence[Grant] | None = None,
    resources: Mapping[str, AccessResource] | None = None,
) -> Report:
    report = Report()
    columns = trino_columns(settings, paths, {d.schema for d in specs.DATASETS})
    grants = grants_in_force(settings) if grants is None else grants
    resources = project_resources() if resources is None else resources
    # The same policy Trino's rules are generated from: Superset never lists what Trino would refuse.
    policy = AccessPolicy.of(resources.values(), grants, datetime.now(UTC))
    with login(settings, paths) as api:
        report.database = upsert_database(api, settings, paths)
        for ds in specs.DATASETS:
            if ds.table not in columns:
                report.skipped.append(f"dataset {ds.table}: no such table in Trino (run the pipeline)")
                continue
            report.datasets[ds.table] = upsert_dataset(api, report.database, ds)
        plan = access.access_plan(report.datasets, policy)
        report.roles = upsert_roles(api, report, plan)
        report.users = upsert_users(api, paths, report.roles)
        report.rls = upsert_rls(api, report, plan, access.row_filters(report.datasets, policy))
        for dash in specs.DASHBOARDS:
            upsert_dashboard(api, dash, report, columns, plan)
    for line in report.skipped:
        progress(f"skipped {line}")
    progress(
        f"Superset provisioned: {len(report.datasets)} datasets, {len(report.charts)} charts, "
        f"{len(report.dashboards)} dashboards, {len(report.roles)} roles, {len(report.users)} users"
    )
    return report


def database_extra(paths: StackPaths) -> dict[str, Any]:
    """The Trino database's `extra`: the connection options, and per-user caching. Trino filters rows per
    analyst (impersonation), so a cached result is one analyst's rows: keyed by user, the day a data cache
    is turned on it is never served to another analyst."""
    return {**server.trino_extra(paths), "per_user_caching": True}


def upsert_database(api: SupersetClient, settings: Settings, paths: StackPaths) -> int:
    service = ensure_service_user(paths.secrets)
    body = {
        "database_name": specs.DATABASE_NAME,
        "sqlalchemy_uri": server.trino_uri(settings, service.name, service.password),
        "extra": json.dumps(database_extra(paths)),
        # Queries run as the logged-in analyst, so Trino's per-department rules apply to each of them.
        "impersonate_user": True,
        "expose_in_sqllab": True,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_run_async": False,
        "allow_file_upload": False,
    }
    found = api.find_one("database", database_name=specs.DATABASE_NAME)
    if found is None:
        return int(api.post("/api/v1/database/", body)["id"])
    api.put(f"/api/v1/database/{found['id']}", body)
    return int(found["id"])


def upsert_dataset(api: SupersetClient, database_id: int, ds: specs.DatasetSpec) -> int:
    found = [d for d in api.find("dataset", table_name=ds.name) if d.get("schema") == ds.schema]
    if found:
        dataset_id = int(found[0]["id"])
    else:
        body = {"database": database_id, "schema": ds.schema, "table_name": ds.name}
        dataset_id = int(api.post("/api/v1/dataset/", body)["id"])
    # Pick up columns added to the mart since the last run (the Trino table is the truth).
    api.put(f"/api/v1/dataset/{dataset_id}/refresh", {})
    current = api.get(f"/api/v1/dataset/{dataset_id}")["result"]
    doc = dataset_doc(ds.table)
    cols = []
    for col in current["columns"]:
        kept = {k: col[k] for k in COLUMN_FIELDS if col.get(k) is not None}
        cols.append(kept | column_doc_fields(col["column_name"], doc))
    existing = {m["metric_name"]: m["id"] for m in current["metrics"]}
    metrics = [
        {
            **({"id": existing[m.name]} if m.name in existing else {}),
            "metric_name": m.name,
            "expression": m.expression,
            "verbose_name": m.label,
            **({"d3format": m.d3format} if m.d3format else {}),
        }
        for m in ds.metrics
    ]
    api.put(
        f"/api/v1/dataset/{dataset_id}?override_columns=false",
        {"description": doc.comment or ds.title, "columns": cols, "metrics": metrics},
    )
    return dataset_id


def _permission_ids(api: SupersetClient) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    page = 0
    while True:
        q = f"(page:{page},page_size:100)"
        result = api.get("/api/v1/security/permissions-resources/", q=q)
        for row in result["result"]:
            found[(row["permission"]["name"], row["view_menu"]["name"])] = int(row["id"])
        if not result["result"] or len(found) >= result.get("count", 0):
            return found
        page += 1


def _role_id(api: SupersetClient, name: str) -> int:
    found = api.find_one("security/roles", name=name)
    if found is not None:
        return int(found["id"])
    return int(api.post("/api/v1/security/roles/", {"name": name})["id"])


def upsert_roles(api: SupersetClient, report: Report, plan: Mapping[str, frozenset[str]]) -> dict[str, int]:
    """One role per department and one for the stewards: datasource access to its datasets (+ the database
    for raw SQL, stewards only)."""
    perms = _permission_ids(api)
    roles: dict[str, int] = {}
    for dept in access.ROLES:
        role_id = _role_id(api, dept)
        wanted = [
            perms[
                (
                    "datasource_access",
                    f"[{specs.DATABASE_NAME}].[{t.split('.', 1)[1]}](id:{report.datasets[t]})",
                )
            ]
            for t in access.datasets_of(dept, plan)
        ]
        if dept in access.RAW_SQL_ROLES:
            wanted.append(perms[("database_access", f"[{specs.DATABASE_NAME}].(id:{report.database})")])
        api.post(
            f"/api/v1/security/roles/{role_id}/permissions", {"permission_view_menu_ids": sorted(wanted)}
        )
        roles[dept] = role_id
    return roles


def user_roles(
    user: TrinoUser,
    roles: Mapping[str, int],
    builtin: Mapping[str, int],
    stewards: Sequence[str] = DEFAULT_STEWARDS,
) -> list[int]:
    """A steward account gets the stewards' role (not its department's: that role is the data office's
    analysts'); everyone else the roles of their departments."""
    if user.name in stewards:
        # Admin: the steward provisions Superset itself.
        return sorted(
            {roles[access.STEWARD_ROLE], builtin[BUILTIN_VIEWER], builtin[BUILTIN_SQL], builtin["Admin"]}
        )
    departments = {roles[d] for d in user.groups if d in roles and d != access.STEWARD_ROLE}
    return sorted(departments | {builtin[BUILTIN_VIEWER]})


def upsert_users(api: SupersetClient, paths: StackPaths, roles: Mapping[str, int]) -> dict[str, int]:
    builtin = {name: _role_id(api, name) for name in ("Admin", BUILTIN_VIEWER, BUILTIN_SQL)}
    users: dict[str, int] = {}
    for person in people(paths.secrets):
        dept = person.groups[0] if person.groups else ""
        body = {
            "first_name": DEPARTMENTS.get(dept, person.name),
            "last_name": "数据管家" if person.name == STEWARD_USER else "分析员",
            "email": f"{person.name}@lakehouse.invalid",
            "active": True,
            "roles": user_roles(person, roles, builtin),
        }
        found = api.find_one("security/users", username=person.name)
        if found is None:
            created = api.post(
                "/api/v1/security/users/", {**body, "username": person.name, "password": person.password}
            )
            users[person.name] = int(created["id"])
        else:
            # The steward's password is set at `superset init` and used by this session: never touched here.
            extra = {} if person.name == STEWARD_USER else {"password": person.password}
            api.put(f"/api/v1/security/users/{found['id']}", {**body, **extra})
            users[person.name] = int(found["id"])
    return users


def upsert_rls(
    api: SupersetClient,
    report: Report,
    plan: Mapping[str, frozenset[str]],
    row_filters: list[access.RowFilter],
) -> dict[str, int]:
    """Deny by default: a Base filter `1 = 0` on every dataset, exempting only the departments allowed
    to read it; grants with a row condition add Regular filters. Rules no longer wanted are deleted."""
    wanted: dict[str, dict[str, Any]] = {}
    for table, dataset_id in report.datasets.items():
        wanted[f"{BASE_RLS_PREFIX}{table}"] = {
            "filter_type": "Base",
            "tables": [dataset_id],
            "roles": sorted(report.roles[d] for d in plan[table] if d in report.roles),
            "clause": DENY_ALL,
            "group_key": "",
            "description": "默认拒绝:只有获准读取该数据集的部门角色可见数据",
        }
    for rf in row_filters:
        wanted[f"{GRANT_RLS_PREFIX}{rf.department} {rf.table}"] = {
            "filter_type": "Regular",
            "tables": [report.datasets[rf.table]],
            "roles": [report.roles[rf.department]],
            "clause": rf.clause,
            "group_key": "",
            "description": "共享申请批准的where条件",
        }
    ids: dict[str, int] = {}
    for rule in api.find("rowlevelsecurity"):
        name = rule["name"]
        if name in wanted:
            api.put(f"/api/v1/rowlevelsecurity/{rule['id']}", {"name": name, **wanted[name]})
            ids[name] = int(rule["id"])
        elif name.startswith((BASE_RLS_PREFIX, GRANT_RLS_PREFIX)):
            api.delete(f"/api/v1/rowlevelsecurity/{rule['id']}")
    for name, body in wanted.items():
        if name not in ids:
            ids[name] = int(api.post("/api/v1/rowlevelsecurity/", {"name": name, **body})["id"])
    return ids


def upsert_dashboard(
    api: SupersetClient,
    dash: specs.DashboardSpec,
    report: Report,
    columns: Mapping[str, list[str]],
    plan: Mapping[str, frozenset[str]],
) -> None:
    charts = []
    for chart in dash.charts:
        missing = [c for c in chart.columns if c not in columns.get(chart.dataset, [])]
        if chart.dataset not in report.datasets or missing:
            report.skipped.append(
                f"chart {dash.slug}/{chart.key}: {chart.dataset} lacks {missing or 'the table'}"
            )
            continue
        charts.append(chart)
    if not charts:
        report.skipped.append(f"dashboard {dash.slug}: no chart can be built")
        return
    found = api.find_one("dashboard", slug=dash.slug)
    if found is None:
        body = {"dashboard_title": dash.title, "slug": dash.slug, "published": True}
        dashboard_id = int(api.post("/api/v1/dashboard/", body)["id"])
    else:
        dashboard_id = int(found["id"])
    chart_ids = {c.key: upsert_chart(api, c, report.datasets[c.dataset], dashboard_id) for c in charts}
    report.charts.update({f"{dash.slug}/{k}": v for k, v in chart_ids.items()})
    tables = sorted({c.dataset for c in charts})
    roles = access.dashboard_roles(tables, plan)
    api.put(
        f"/api/v1/dashboard/{dashboard_id}",
        {
            "dashboard_title": dash.title,
            "slug": dash.slug,
            "published": True,
            "position_json": json.dumps(layout(dash, charts, chart_ids), ensure_ascii=False),
            "json_metadata": json.dumps(
                {"refresh_frequency": 0, "color_scheme": "supersetColors", "cross_filters_enabled": False}
            ),
            "roles": sorted(report.roles[d] for d in roles if d in report.roles),
        },
    )
    report.dashboards[dash.slug] = dashboard_id


def chart_params(chart: specs.ChartSpec, dataset_id: int) -> dict[str, Any]:
    return {**chart.params, "viz_type": chart.viz_type, "datasource": f"{dataset_id}__table"}


def upsert_chart(api: SupersetClient, chart: specs.ChartSpec, dataset_id: int, dashboard_id: int) -> int:
    body = {
        "slice_name": chart.title,
        "viz_type": chart.viz_type,
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(chart_params(chart, dataset_id), ensure_ascii=False),
        "dashboards": [dashboard_id],
    }
    found = api.find_one("chart", slice_name=chart.title)
    if found is None:
        return int(api.post("/api/v1/chart/", body)["id"])
    api.put(f"/api/v1/chart/{found['id']}", body)
    return int(found["id"])


def dashboard_url(settings: Settings, slug: str) -> str:
    return f"{server.url(settings)}/superset/dashboard/{slug}/"

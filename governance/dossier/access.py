"""Who may read a shared table now, as the one access policy answers it (``AccessPolicy.readers``), with
its catalogue entry and the live grants it rests on. Nothing is recomputed here: the policy, the catalogue
and the grant store are asked, and their answers are put in words.

Row conditions are never shown: they may quote values (``Grant.describe`` keeps them out for the same
reason); a reader restricted to some rows says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pyiceberg.catalog import Catalog

from governance.access.grant import Grant, to_cst
from governance.access.policy import AccessPolicy
from governance.access.resources import project_resources
from governance.catalogue import read_catalogue
from infra.settings import Settings
from infra.vocabulary import DEPARTMENTS, SHARING_TYPES


@dataclass(frozen=True)
class Reader:
    department: str
    department_name: str
    kind: str  # full | masked | granted
    masked: tuple[str, ...]
    columns: tuple[str, ...] | None  # None: every column
    row_limited: bool
    grant_ids: tuple[str, ...]


@dataclass(frozen=True)
class GrantLine:
    grant_id: str
    department: str
    department_name: str
    columns: tuple[str, ...]  # empty: every column
    row_limited: bool
    granted_at: datetime | None  # China time
    expires_at: datetime | None


@dataclass(frozen=True)
class AccessFacts:
    catalogue: tuple[tuple[str, str], ...]  # (label, value) of the 信息资源目录 entry, or of the mart
    grants: tuple[GrantLine, ...]
    readers: tuple[Reader, ...]
    as_of: datetime  # China time


def live_grants(settings: Settings | None) -> list[Grant]:
    """The grants in force now, from the sharing store (none when it cannot be read)."""
    from governance.sharing.service import grants_in_force

    return grants_in_force(settings)


def policy_now(grants: list[Grant]) -> AccessPolicy:
    return AccessPolicy.of(project_resources().values(), grants, datetime.now(UTC))


def _catalogue(catalog: Catalog, table: str, policy: AccessPolicy) -> tuple[tuple[str, str], ...]:
    for entry in read_catalogue(catalog):
        # A mart's entry is derived from its inputs (ADR 0013); the mart branch below shows those inputs.
        if entry.get("exchange_table") == table and entry.get("resource_kind") != "mart":
            return (
                ("资源编号 resource_id", entry["resource_id"]),
                ("资源名称", entry["title"]),
                ("提供部门", f"{entry['provider_department_name']} ({entry['provider_department']})"),
                ("共享属性", f"{entry['sharing_type_label']} ({entry['sharing_type']})"),
                ("开放属性", f"{entry['open_type_label']} ({entry['open_type']})"),
                ("更新周期", f"{entry['update_frequency_label']} ({entry['update_frequency']})"),
                ("分级", f"{entry['classification_label']} ({entry['classification']})"),
                ("法律依据 legal basis", entry.get("legal_basis") or "—（共享资源无需引用）"),
                ("契约版本 contract", entry["contract_version"]),
            )
    resource = policy.resources.get(table)
    if resource is not None and resource.inputs is not None:
        inputs = ", ".join(
            f"{i.dataset} ({SHARING_TYPES.get(i.sharing_type, i.sharing_type)})" for i in resource.inputs
        )
        providers = ", ".join(f"{DEPARTMENTS.get(p, p)} ({p})" for p in sorted(resource.providers))
        return (
            ("类型", "dbt 汇总表 (mart)：目录中为派生资源，按其输入资源共享"),
            ("共享属性", f"{SHARING_TYPES[resource.sharing_type]} ({resource.sharing_type})"),
            ("提供部门", providers or "—"),
            ("输入资源", inputs or "—"),
            ("个人信息字段", ", ".join(resource.personal_columns) or "无"),
        )
    if table.startswith("kpi."):
        return (("类型", "指标 (kpi)：各部门均可读取，不含个人信息"),)
    return (("类型", "目录未登记：仅数据管理员可读 (fail closed)"),)


def access_facts(catalog: Catalog, table: str, grants: list[Grant], policy: AccessPolicy) -> AccessFacts:
    readers = tuple(
        Reader(
            department=department,
            department_name=DEPARTMENTS.get(department, department),
            kind=access.kind,
            masked=access.masked,
            columns=access.columns,
            row_limited=bool(access.rows and any(scope.condition for scope in access.rows)),
            grant_ids=access.grant_ids,
        )
        for department, access in sorted(policy.readers(table).items())
    )
    lines = tuple(
        GrantLine(
            grant_id=g.grant_id or "—",
            department=g.department,
            department_name=DEPARTMENTS.get(g.department, g.department),
            columns=g.columns,
            row_limited=bool(g.row_condition),
            granted_at=g.granted_at,
            expires_at=g.expires_at,
        )
        for g in grants
        if str(g.table) == table
    )
    return AccessFacts(_catalogue(catalog, table, policy), lines, readers, to_cst(policy.at))

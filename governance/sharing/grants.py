"""Access grants compiled from approved sharing requests: department → table → columns → row filter → expiry.

This is the model the Trino access rules and Superset roles are generated from. It holds approvals only:
unconditional (无条件共享) resources are readable by every department from the catalogue alone, and a
provider always reads its own resources (see ``readers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from governance.sharing.deadlines import now_cst, to_cst
from governance.sharing.requests import RequestStore, SharingRequest
from infra.vocabulary import DEPARTMENTS

GRANTS_SCHEMA = pa.schema(
    [
        pa.field("grant_id", pa.string(), nullable=False),
        pa.field("department", pa.string(), nullable=False),
        pa.field("department_name", pa.string(), nullable=False),
        pa.field("resource", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("columns", pa.list_(pa.string()), nullable=False),
        pa.field("row_filter", pa.string()),
        pa.field("provider_department", pa.string(), nullable=False),
        pa.field("granted_at", pa.timestamp("us"), nullable=False),
        pa.field("expires_at", pa.timestamp("us"), nullable=False),
        pa.field("as_of", pa.timestamp("us"), nullable=False),
    ]
)


@dataclass(frozen=True)
class Grant:
    grant_id: str  # the approved request's id: every grant traces back to its request and history
    department: str
    resource: str
    table: str
    columns: tuple[str, ...]
    row_filter: str | None
    provider_department: str
    granted_at: datetime
    expires_at: datetime

    def live(self, at: datetime) -> bool:
        moment = to_cst(at)
        return self.granted_at <= moment < self.expires_at


def grant_from_request(request: SharingRequest) -> Grant | None:
    """The grant an approval carries; None for a request that was never approved."""
    if request.decided_at is None or request.expires_at is None or request.approved_columns is None:
        return None
    if request.state not in ("approved", "expired", "revoked"):
        return None
    return Grant(
        grant_id=request.request_id,
        department=request.requester_department,
        resource=request.resource,
        table=request.exchange_table,
        columns=request.approved_columns,
        row_filter=request.row_condition,
        provider_department=request.provider_department,
        granted_at=request.decided_at,
        expires_at=request.expires_at,
    )


def grants_at(requests: Iterable[SharingRequest], at: datetime) -> list[Grant]:
    """Grants in force at ``at``: approved and not yet expired. A revoked approval grants nothing, and an
    approval past its expiry grants nothing even before the expiry sweep records it."""
    grants = []
    for request in requests:
        if request.state != "approved":
            continue
        grant = grant_from_request(request)
        if grant is not None and grant.live(at):
            grants.append(grant)
    return sorted(grants, key=lambda g: (g.table, g.department, g.grant_id))


def live_grants(at: datetime | None = None, store: RequestStore | None = None) -> list[Grant]:
    """Every grant in force at ``at`` (default now), from the sharing request store."""
    store = store or RequestStore.open()
    return grants_at(store.list(state="approved"), at or now_cst())


def readers(provider: str, sharing_type: str, table: str, grants: Iterable[Grant]) -> set[str]:
    """Departments that may read a resource's exchange table under its sharing type."""
    if sharing_type == "not_shared":
        return set()
    if sharing_type == "unconditional":
        return set(DEPARTMENTS)
    return {provider} | {g.department for g in grants if g.table == table}


def grants_arrow(grants: Iterable[Grant], as_of: datetime) -> pa.Table:
    rows = [
        {
            "grant_id": g.grant_id,
            "department": g.department,
            "department_name": DEPARTMENTS.get(g.department, g.department),
            "resource": g.resource,
            "table_name": g.table,
            "columns": list(g.columns),
            "row_filter": g.row_filter,
            "provider_department": g.provider_department,
            "granted_at": g.granted_at,
            "expires_at": g.expires_at,
            "as_of": to_cst(as_of),
        }
        for g in grants
    ]
    return pa.Table.from_pylist(rows, schema=GRANTS_SCHEMA)

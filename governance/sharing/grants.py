"""Access grants compiled from approved sharing requests: department → table → columns → row filter → expiry.

The grants are `governance.access.grant.Grant`, the one type the access policy, Trino's rules, Superset's
roles and the sharing KPI read. Only approvals make grants: who reads what without one (providers,
unconditional resources, stewards) is the policy's answer (`governance.access.policy`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pyarrow as pa

from governance.access.grant import Grant
from governance.sharing.deadlines import now_cst, to_cst
from governance.sharing.rules import SharingRequest
from governance.sharing.store import RequestStore
from infra.vocabulary import DEPARTMENTS
from infra.zones import TableName

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


def grant_from_request(request: SharingRequest) -> Grant | None:
    """The grant an approval carries; None for a request that was never approved."""
    if request.decided_at is None or request.expires_at is None or request.approved_columns is None:
        return None
    if request.state not in ("approved", "expired", "revoked"):
        return None
    return Grant(
        department=request.requester_department,
        table=TableName.parse(request.exchange_table),
        columns=request.approved_columns,
        row_condition=request.row_condition,
        expires_at=request.expires_at,
        grant_id=request.request_id,
        granted_at=request.decided_at,
        provider_department=request.provider_department,
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
    return sorted(grants, key=lambda g: (g.table, g.department, g.grant_id or ""))


def live_grants(at: datetime | None = None, store: RequestStore | None = None) -> list[Grant]:
    """Every grant in force at ``at`` (default now), from the sharing request store."""
    store = store or RequestStore.open()
    return grants_at(store.list(state="approved"), at or now_cst())


def grants_arrow(grants: Iterable[Grant], as_of: datetime) -> pa.Table:
    rows = [
        {
            "grant_id": g.grant_id,
            "department": g.department,
            "department_name": DEPARTMENTS.get(g.department, g.department),
            "resource": g.resource,
            "table_name": str(g.table),
            "columns": list(g.columns),
            "row_filter": g.row_condition,
            "provider_department": g.provider_department,
            "granted_at": g.granted_at,
            "expires_at": g.expires_at,
            "as_of": to_cst(as_of),
        }
        for g in grants
    ]
    return pa.Table.from_pylist(rows, schema=GRANTS_SCHEMA)

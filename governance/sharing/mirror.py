"""The sharing store mirrored into the Iceberg governance zone for auditors (and for Trino/Superset rules).

* ``governance.sharing_requests``: one row per request, its current state and whether it is overdue;
* ``governance.sharing_request_history``: the append-only event history, every transition;
* ``governance.access_grants``: the grants in force at the time of mirroring.
The SQL store stays the source of truth; each mirror is a whole-table overwrite (one commit each).
"""

from __future__ import annotations

import json
from datetime import datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.sharing.deadlines import now_cst, to_cst
from governance.sharing.grants import grants_arrow, grants_at
from governance.sharing.rules import STATE_LABELS
from governance.sharing.store import RequestStore
from infra.zones import ACCESS_GRANTS, SHARING_REQUEST_HISTORY, SHARING_REQUESTS

REQUESTS_SCHEMA = pa.schema(
    [
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("resource", pa.string(), nullable=False),
        pa.field("exchange_table", pa.string(), nullable=False),
        pa.field("provider_department", pa.string(), nullable=False),
        pa.field("requester_department", pa.string(), nullable=False),
        pa.field("requested_columns", pa.list_(pa.string()), nullable=False),
        pa.field("purpose", pa.string(), nullable=False),
        pa.field("requested_row_condition", pa.string()),
        pa.field("published_at_request", pa.bool_(), nullable=False),
        pa.field("state", pa.string(), nullable=False),
        pa.field("state_label", pa.string(), nullable=False),
        pa.field("submitted_at", pa.timestamp("us"), nullable=False),
        pa.field("compliance_due", pa.date32(), nullable=False),
        pa.field("answer_due", pa.date32(), nullable=False),
        pa.field("deadline_provisional", pa.bool_(), nullable=False),
        pa.field("compliance_checked_at", pa.timestamp("us")),
        pa.field("decided_at", pa.timestamp("us")),
        pa.field("approved_columns", pa.list_(pa.string())),
        pa.field("row_condition", pa.string()),
        pa.field("expires_at", pa.timestamp("us")),
        pa.field("review_comment", pa.string()),
        pa.field("refusal_reason", pa.string()),
        pa.field("overdue", pa.string()),
        pa.field("as_of", pa.timestamp("us"), nullable=False),
    ]
)
HISTORY_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us"), nullable=False),
        pa.field("actor", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("from_state", pa.string()),
        pa.field("to_state", pa.string(), nullable=False),
        pa.field("comment", pa.string()),
        pa.field("detail", pa.string()),
    ]
)


def requests_arrow(store: RequestStore, at: datetime) -> pa.Table:
    rows = []
    for request in store.list():
        row = {name: getattr(request, name, None) for name in REQUESTS_SCHEMA.names}
        row["requested_columns"] = list(request.requested_columns)
        row["approved_columns"] = list(request.approved_columns) if request.approved_columns else None
        row["state_label"] = STATE_LABELS[request.state]
        row["overdue"] = request.overdue(at)
        row["as_of"] = at
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=REQUESTS_SCHEMA)


def history_arrow(store: RequestStore) -> pa.Table:
    rows = [{**e.__dict__, "detail": json.dumps(e.detail, ensure_ascii=False)} for e in store.events()]
    return pa.Table.from_pylist(rows, schema=HISTORY_SCHEMA)


def mirror(catalog: Catalog, store: RequestStore | None = None, at: datetime | None = None) -> dict[str, int]:
    """Record due expiries, then rewrite the three mirror tables; returns rows written per table."""
    from governance.publish import write_derived  # publish pulls in the masking stack; only needed here

    moment = to_cst(at or now_cst())
    store = store or RequestStore.open()
    store.expire_due(moment)
    tables = {
        SHARING_REQUESTS: requests_arrow(store, moment),
        SHARING_REQUEST_HISTORY: history_arrow(store),
        ACCESS_GRANTS: grants_arrow(grants_at(store.list(state="approved"), moment), moment),
    }
    for identifier, data in tables.items():
        write_derived(catalog, identifier, data)
    return {identifier: data.num_rows for identifier, data in tables.items()}

"""The correction ticket store mirrored into the Iceberg governance zone for auditors.

* ``governance.correction_tickets``: one row per ticket, its current state and whether it is overdue;
* ``governance.correction_ticket_history``: the append-only event history, every transition.
The SQL store stays the source of truth; each mirror is a whole-table overwrite (one commit each), as the
sharing requests' mirror is.
"""

from __future__ import annotations

import json
from datetime import datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.corrections.rules import STATE_LABELS
from governance.corrections.store import CorrectionStore
from governance.sharing.deadlines import now_cst, to_cst
from infra.zones import CORRECTION_TICKET_HISTORY, CORRECTION_TICKETS

TICKETS_SCHEMA = pa.schema(
    [
        pa.field("ticket_id", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("dataset", pa.string()),
        pa.field("provider_department", pa.string(), nullable=False),
        pa.field("requester_department", pa.string(), nullable=False),
        pa.field("row_key", pa.string(), nullable=False),  # JSON {key column: value}
        pa.field("column_name", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("proposed_value", pa.string()),
        pa.field("proposed_value_withheld", pa.bool_(), nullable=False),
        pa.field("state", pa.string(), nullable=False),
        pa.field("state_label", pa.string(), nullable=False),
        pa.field("created_at", pa.timestamp("us"), nullable=False),
        pa.field("answer_due", pa.date32(), nullable=False),
        pa.field("deadline_provisional", pa.bool_(), nullable=False),
        pa.field("answered_at", pa.timestamp("us")),
        pa.field("answered_by", pa.string()),
        pa.field("fix_reference", pa.string()),
        pa.field("rejection_reason", pa.string()),
        pa.field("overdue", pa.bool_(), nullable=False),
        pa.field("as_of", pa.timestamp("us"), nullable=False),
    ]
)
HISTORY_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("ticket_id", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us"), nullable=False),
        pa.field("actor", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("from_state", pa.string()),
        pa.field("to_state", pa.string(), nullable=False),
        pa.field("comment", pa.string()),
        pa.field("detail", pa.string()),
    ]
)


def tickets_arrow(store: CorrectionStore, at: datetime) -> pa.Table:
    rows = []
    for ticket in store.list():
        row = {name: getattr(ticket, name, None) for name in TICKETS_SCHEMA.names}
        row["row_key"] = json.dumps(ticket.row_key, ensure_ascii=False)
        row["state_label"] = STATE_LABELS[ticket.state]
        row["overdue"] = ticket.overdue(at)
        row["as_of"] = at
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=TICKETS_SCHEMA)


def history_arrow(store: CorrectionStore) -> pa.Table:
    rows = [{**e.__dict__, "detail": json.dumps(e.detail, ensure_ascii=False)} for e in store.events()]
    return pa.Table.from_pylist(rows, schema=HISTORY_SCHEMA)


def mirror(
    catalog: Catalog, store: CorrectionStore | None = None, at: datetime | None = None
) -> dict[str, int]:
    """Rewrite both mirror tables; returns rows written per table."""
    from governance.publish import write_derived  # publish pulls in the masking stack; only needed here

    moment = to_cst(at or now_cst())
    store = store or CorrectionStore.open()
    tables = {
        CORRECTION_TICKETS: tickets_arrow(store, moment),
        CORRECTION_TICKET_HISTORY: history_arrow(store),
    }
    for identifier, data in tables.items():
        write_derived(catalog, identifier, data)
    return {identifier: data.num_rows for identifier, data in tables.items()}

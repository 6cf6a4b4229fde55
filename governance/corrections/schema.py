"""The SQL schema of correction tickets, in the sharing requests' state database (SQLAlchemy Core).

``correction_tickets`` holds each ticket's current state; ``correction_ticket_events`` is its history,
append-only in the database itself (triggers refuse UPDATE and DELETE), as ``sharing_request_events`` is.
"""

from __future__ import annotations

import sqlalchemy as sa

from infra.state_db import append_only

metadata = sa.MetaData()
tickets_table = sa.Table(
    "correction_tickets",
    metadata,
    sa.Column("ticket_id", sa.String(40), primary_key=True),
    sa.Column("table_name", sa.String(200), nullable=False),
    sa.Column("dataset", sa.String(100)),
    sa.Column("provider_department", sa.String(40), nullable=False),
    sa.Column("requester_department", sa.String(40), nullable=False),
    sa.Column("row_key", sa.Text, nullable=False),  # JSON {key column: value}
    sa.Column("column_name", sa.String(120), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("proposed_value", sa.Text),
    sa.Column("proposed_value_withheld", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("answer_due", sa.Date, nullable=False),
    sa.Column("deadline_provisional", sa.Boolean, nullable=False),
    sa.Column("answered_at", sa.DateTime),
    sa.Column("answered_by", sa.String(80)),
    sa.Column("fix_reference", sa.Text),
    sa.Column("rejection_reason", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
events_table = sa.Table(
    "correction_ticket_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(40), sa.ForeignKey("correction_tickets.ticket_id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("from_state", sa.String(24)),
    sa.Column("to_state", sa.String(24), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("detail", sa.Text),
)


append_only(events_table)

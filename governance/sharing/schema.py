"""The SQL schema of the sharing request store (SQLAlchemy Core): requests and their append-only history.

``sharing_requests`` holds each request's current state; ``sharing_request_events`` is the history, which
database triggers make append-only (UPDATE and DELETE refused), not only this code's convention.
"""

from __future__ import annotations

import sqlalchemy as sa

from infra.state_db import append_only

metadata = sa.MetaData()
requests_table = sa.Table(
    "sharing_requests",
    metadata,
    sa.Column("request_id", sa.String(40), primary_key=True),
    sa.Column("resource", sa.String(100), nullable=False),
    sa.Column("resource_id", sa.String(120), nullable=False),
    sa.Column("exchange_table", sa.String(200), nullable=False),
    sa.Column("provider_department", sa.String(40), nullable=False),
    sa.Column("requester_department", sa.String(40), nullable=False),
    sa.Column("requested_columns", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("requested_row_condition", sa.Text),
    sa.Column("published_at_request", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("compliance_due", sa.Date, nullable=False),
    sa.Column("answer_due", sa.Date, nullable=False),
    sa.Column("deadline_provisional", sa.Boolean, nullable=False),
    sa.Column("compliance_checked_at", sa.DateTime),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("approved_columns", sa.Text),
    sa.Column("row_condition", sa.Text),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("review_comment", sa.Text),
    sa.Column("refusal_reason", sa.Text),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
events_table = sa.Table(
    "sharing_request_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(40), sa.ForeignKey("sharing_requests.request_id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("from_state", sa.String(24)),
    sa.Column("to_state", sa.String(24), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("detail", sa.Text),
)

# History is append-only in the database itself, not only by convention in this module.
append_only(events_table)

"""On the REAL stack: the contracts' business names and the dbt yml descriptions reach Trino as column and
table comments (Iceberg field docs and the `comment` property written by the pipeline), for the steward,
for an analyst who may read the table, and through `lakehouse sql --profile stack`."""

from __future__ import annotations

import json

import pytest

from governance.column_docs import column_docs, table_doc
from infra.stack import trino as trino_node
from infra.stack.secrets import STEWARD_USER
from tests.stack.stack_cli import lakehouse
from tests.stack.stack_data import pipeline_once

pytestmark = pytest.mark.stack

SESSIONS = "exchange.parking_sessions"  # a contract's row-level exchange table
HOURLY = "exchange.parking_utilisation_hourly"  # a dbt mart
ANALYST = "analyst_transport"  # provider of both


def _comments(running, table: str, user: str = STEWARD_USER) -> dict[str, str | None]:
    rows = trino_node.query(running.settings, running.paths, f"DESCRIBE {table}", running.user(user))
    return {str(row[0]): row[3] for row in rows}  # Column, Type, Extra, Comment


@pytest.mark.parametrize("table", [SESSIONS, HOURLY])
def test_describe_shows_every_documented_column(running_stack, table: str) -> None:
    pipeline_once(running_stack)
    expected = column_docs(table)
    assert expected, f"{table} has docs in its contract or yml"
    for user in (STEWARD_USER, ANALYST):
        shown = _comments(running_stack, table, user)
        assert {c: shown.get(c) for c in expected} == expected, user


def test_show_columns_carries_the_chinese_business_names(running_stack) -> None:
    pipeline_once(running_stack)
    doc = table_doc(SESSIONS)
    rows = trino_node.query(
        running_stack.settings,
        running_stack.paths,
        f"SHOW COLUMNS FROM {SESSIONS}",
        running_stack.user(ANALYST),
    )
    comments = {str(r[0]): str(r[3] or "") for r in rows}
    for column in doc.columns:
        if column.name in comments and column.business_name:
            assert comments[column.name].startswith(column.business_name)


@pytest.mark.parametrize("table", [SESSIONS, HOURLY])
def test_table_comment_is_the_contract_or_model_description(running_stack, table: str) -> None:
    pipeline_once(running_stack)
    zone, name = table.split(".")
    rows = trino_node.query(
        running_stack.settings,
        running_stack.paths,
        "SELECT comment FROM system.metadata.table_comments"
        f" WHERE catalog_name = 'lakehouse' AND schema_name = '{zone}' AND table_name = '{name}'",
        running_stack.user(STEWARD_USER),
    )
    assert rows == [[table_doc(table).comment]]


def test_lakehouse_sql_describe_on_the_stack_shows_business_names(running_stack) -> None:
    pipeline_once(running_stack)
    done = lakehouse(running_stack, "sql", "--json", "--user", ANALYST, f"DESCRIBE {SESSIONS}")
    assert done.returncode == 0, done.stderr
    shown = {row["Column"]: row["Comment"] for row in json.loads(done.stdout)}
    expected = column_docs(SESSIONS)
    assert {c: shown.get(c) for c in expected} == expected

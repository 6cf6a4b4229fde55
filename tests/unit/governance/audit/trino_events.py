"""Trino 476 QueryCompletedEvent documents built by code, in the shape its HTTP event listener posts them.

Field names follow Trino 476's SPI (io.trino.spi.eventlistener): `ioMetadata.output` is a
QueryOutputMetadata (`catalogName`, `schema`, `table`, `columns`), each column an OutputColumnMetadata
(`columnName`, `columnType`, `sourceColumns`), each source a ColumnDetail (`catalog`, `schema`, `table`,
`columnName`); inputs are QueryInputMetadata (`catalogName`, `schema`, `table`, `columns`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

Qualified = tuple[str, str, str]  # catalog, schema, table
SERVER_VERSION = "476"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def completed(
    query_id: str,
    sql: str,
    output: Qualified | None,
    columns: Mapping[str, Sequence[tuple[str, str, str, str]]] | None = None,
    inputs: Sequence[Qualified] = (),
    user: str = "steward",
    update_type: str | None = "CREATE TABLE",
    ended: datetime = datetime(2026, 5, 1, 10, 0, 1, 500000, tzinfo=UTC),
    failed: bool = False,
    server_version: str | None = SERVER_VERSION,
) -> dict[str, Any]:
    """One completed query; `columns` maps each output column to its source columns (catalog, schema, table,
    column), in the order the query produces them."""
    metadata: dict[str, Any] = {
        "queryId": query_id,
        "transactionId": f"tx-{query_id}",
        "query": sql,
        "queryState": "FAILED" if failed else "FINISHED",
        "tables": [
            {"catalog": c, "schema": s, "table": t, "filters": [], "columns": []} for c, s, t in inputs
        ],
        "routines": [],
        "uri": f"https://127.0.0.1:58443/v1/query/{query_id}",
    }
    if update_type is not None:
        metadata["updateType"] = update_type
    io: dict[str, Any] = {
        "inputs": [
            {"connectorName": "iceberg", "catalogName": c, "schema": s, "table": t, "columns": []}
            for c, s, t in inputs
        ]
    }
    if output is not None:
        catalog, schema, table = output
        io["output"] = {
            "catalogName": catalog,
            "catalogVersion": "default",
            "schema": schema,
            "table": table,
            "columns": [
                {
                    "columnName": name,
                    "columnType": "varchar",
                    "sourceColumns": [
                        {"catalog": c, "schema": s, "table": t, "columnName": col} for c, s, t, col in sources
                    ],
                }
                for name, sources in (columns or {}).items()
            ],
        }
    context: dict[str, Any] = {"user": user, "groups": [], "source": "trino-python-client"}
    if server_version is not None:
        context["serverVersion"] = server_version
    event: dict[str, Any] = {
        "metadata": metadata,
        "statistics": {"outputRows": 1},
        "context": context,
        "ioMetadata": io,
        "createTime": iso(ended - timedelta(seconds=2)),
        "endTime": iso(ended),
    }
    if failed:
        event["failureInfo"] = {"errorCode": {"name": "GENERIC_INTERNAL_ERROR"}, "failureMessage": "boom"}
    return event

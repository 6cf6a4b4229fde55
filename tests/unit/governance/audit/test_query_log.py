"""Query events → governance.query_log rows, and the receiver's spool (no Trino: a real HTTP round trip)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from governance.audit.query_log import (
    count_refusals,
    event_row,
    parse_groups_file,
    read_spool,
    tables_in_text,
)
from infra.stack.event_receiver import refusals_path, serve

EVENT = {
    "metadata": {
        "queryId": "q1",
        "query": "select * from exchange.enterprises",
        "queryState": "FINISHED",
        "tables": [
            {
                "catalog": "lakehouse",
                "schema": "exchange",
                "table": "enterprises",
                "filters": [],
                "columns": [{"column": "uscc"}, {"column": "contact_mobile", "mask": "'***'"}],
            }
        ],
    },
    "context": {"user": "analyst_transport", "groups": ["transport"], "source": "trino-python-client"},
    "statistics": {"outputRows": 3},
    "createTime": "2026-05-01T10:00:00.000Z",
    "endTime": "2026-05-01T10:00:01.500Z",
}


def test_completed_event_becomes_a_row() -> None:
    row = event_row(EVENT, {})
    assert row is not None
    assert (row["user"], row["groups"], row["state"], row["output_rows"]) == (
        "analyst_transport",
        ["transport"],
        "FINISHED",
        3,
    )
    assert row["tables"] == ["lakehouse.exchange.enterprises"]
    assert row["masked_columns"] == ["lakehouse.exchange.enterprises.contact_mobile"]
    assert row["ended_at"].isoformat() == "2026-05-01T10:00:01.500000+00:00"


def test_denied_query_keeps_what_it_tried_and_groups_from_file() -> None:
    denied = {
        "metadata": {
            "queryId": "q2",
            "query": "select * from raw_health.x",
            "queryState": "FAILED",
            "tables": [],
        },
        "context": {"user": "analyst_transport"},
        "failureInfo": {"errorCode": {"name": "PERMISSION_DENIED"}, "failureMessage": "Access Denied"},
        "createTime": "2026-05-01T10:00:00Z",
        "endTime": "2026-05-01T10:00:00Z",
    }
    row = event_row(denied, parse_groups_file("transport:analyst_transport,x\n"))
    assert row["groups"] == ["transport"]
    assert (row["error_code"], row["tables"], row["tables_from_text"]) == (
        "PERMISSION_DENIED",
        ["lakehouse.raw_health.x"],
        True,
    )
    assert event_row({"metadata": {"queryId": "q3"}}, {}) is None  # a created event: not logged


def test_tables_in_text_skips_ctes() -> None:
    got = tables_in_text("with a as (select * from exchange.parks) select * from a join kpi.k on true")
    assert sorted(got) == ["lakehouse.exchange.parks", "lakehouse.kpi.k"]


def test_receiver_spools_posted_events(tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "events.ndjson"
    server = serve(0, spool, token="t0ken")
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(trust_env=False, headers={"Authorization": "Bearer t0ken"}) as client:
            assert client.get(f"http://127.0.0.1:{port}/health").status_code == 200
            assert client.post(f"http://127.0.0.1:{port}/events", json=EVENT).status_code == 200
            bad = client.post(f"http://127.0.0.1:{port}/events", content=b"{not json")
            assert bad.status_code == 400
        forged = httpx.post(f"http://127.0.0.1:{port}/events", json=EVENT, trust_env=False)
        assert forged.status_code == 401
    finally:
        server.shutdown()
        server.server_close()
    assert read_spool(spool) == [EVENT]
    assert count_refusals(refusals_path(spool)) == 1
    # A line cut short (being written) is left for the next run.
    with spool.open("a") as handle:
        handle.write(json.dumps(EVENT)[:20])
    assert read_spool(spool) == [EVENT]

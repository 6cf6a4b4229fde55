"""Against the REAL servers: the query audit cannot be forged, and the web UI hands out no thread dumps.

Trino's event listener posts with the generated audit token; anything else posting to the receiver is
refused (and counted), so governance.query_log holds only what Trino reported.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from governance.audit.query_log import ingest_query_log
from infra.stack import trino as trino_node
from infra.stack.audit import spool_path
from infra.stack.secrets import STEWARD_USER, load_or_create

pytestmark = pytest.mark.stack

ANALYST = "analyst_transport"


def _forged(query_id: str) -> dict[str, object]:
    return {
        "metadata": {"queryId": query_id, "query": f"SELECT '{query_id}'", "queryState": "FINISHED"},
        "context": {"user": STEWARD_USER, "groups": ["data_office"]},
        "createTime": "2026-01-01T00:00:00Z",
        "endTime": "2026-01-01T00:00:01Z",
    }


def _events_url(running) -> str:
    return f"http://127.0.0.1:{running.settings.audit_port}/events"


def test_forged_events_are_refused_and_counted(running_stack) -> None:
    forged_id = f"20260101_000000_{time.time_ns() % 100000:05d}_forge"
    url = _events_url(running_stack)
    refused = spool_path(running_stack.paths).with_name("refused-posts.ndjson")
    before = len(refused.read_text().splitlines()) if refused.exists() else 0
    without = httpx.post(url, json=_forged(forged_id), timeout=10, trust_env=False)
    wrong = httpx.post(
        url, json=_forged(forged_id), headers={"Authorization": "Bearer guessed"}, timeout=10, trust_env=False
    )
    assert (without.status_code, wrong.status_code) == (401, 403)
    assert forged_id not in spool_path(running_stack.paths).read_text()

    result = ingest_query_log(running_stack.settings)
    assert result.refused_posts == before + 2
    rows = trino_node.query(
        running_stack.settings,
        running_stack.paths,
        f"SELECT count(*) FROM governance.query_log WHERE query_id = '{forged_id}'",
        running_stack.user(STEWARD_USER),
    )
    assert rows == [[0]]


def test_trino_still_reports_real_queries(running_stack) -> None:
    """The listener sends the token: a real query reaches the spool (and the token is in no log)."""
    marker = f"real-{time.time_ns()}"
    trino_node.query(
        running_stack.settings, running_stack.paths, f"SELECT '{marker}'", running_stack.user(ANALYST)
    )
    spool = spool_path(running_stack.paths)
    deadline = time.monotonic() + 30
    while marker not in spool.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    users = [json.loads(line)["context"]["user"] for line in spool.read_text().splitlines() if marker in line]
    assert users == [ANALYST]
    token = load_or_create(running_stack.paths.secrets).audit_token
    for log in running_stack.paths.logs.glob("*.log"):
        assert token not in log.read_text(errors="replace"), log


def _login(running, user: str) -> httpx.Client:
    """A browser-like client logged in to the coordinator's web UI form over HTTPS."""
    client = httpx.Client(
        base_url=f"https://127.0.0.1:{running.settings.trino_port}",
        verify=str(trino_node.cert_pem(running.paths)),
        trust_env=False,
        timeout=15,
    )
    form = {"username": user, "password": running.user(user).password, "redirectPath": ""}
    client.post("/ui/login", data=form)  # sets the UI's session cookie where the UI is on
    return client


def test_analyst_gets_no_thread_dump_from_the_web_ui(running_stack) -> None:
    ui = _login(running_stack, ANALYST)
    try:
        for node in ("coordinator", "worker-1"):
            response = ui.get(f"/ui/api/worker/{node}/thread")
            assert response.status_code in (401, 403, 404), (node, response.status_code)
            assert "stackTrace" not in response.text
        # Nor through the management API: only stewards read system information.
        analyst = running_stack.user(ANALYST)
        assert ui.get("/v1/thread", auth=(ANALYST, analyst.password)).status_code == 403
        steward = running_stack.user(STEWARD_USER)
        dump = ui.get("/v1/thread", auth=(STEWARD_USER, steward.password))
        assert dump.status_code == 200 and "stackTrace" in dump.text
    finally:
        ui.close()


def test_worker_management_api_needs_a_password(running_stack) -> None:
    """A worker without an authenticator took `X-Trino-User: steward` at its word (thread dump: 200)."""
    with httpx.Client(
        base_url=f"https://127.0.0.1:{running_stack.settings.trino_worker_port}",
        verify=str(trino_node.cert_pem(running_stack.paths)),
        trust_env=False,
        timeout=15,
    ) as worker:
        assert worker.get("/v1/thread", headers={"X-Trino-User": STEWARD_USER}).status_code == 401
        analyst = running_stack.user(ANALYST)
        assert worker.get("/v1/thread", auth=(ANALYST, analyst.password)).status_code == 403
        steward = running_stack.user(STEWARD_USER)
        assert worker.get("/v1/thread", auth=(STEWARD_USER, steward.password)).status_code == 200
        assert worker.get("/v1/info").json()["starting"] is False  # the health check stays public

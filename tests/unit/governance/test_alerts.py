"""Alerts: recorded in governance.alerts, posted once to a real loopback HTTP receiver, never a cell value,
and a receiver that is down or failing costs one timeout, is recorded, and raises nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from governance.alerts import (
    NOT_ATTEMPTED,
    WEBHOOK_ENV,
    WEBHOOK_TIMEOUT_ENV,
    gate_failure,
    raise_alerts,
    recent_alerts,
    run_failure,
    webhook_origin,
)
from tests.factories import free_port


class Receiver:
    """A webhook on 127.0.0.1 that records each POST; `status` and `delay` set how it answers."""

    def __init__(self, status: int = 204, delay: float = 0.0) -> None:
        self.posts: list[dict[str, object]] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.paths.append(self.path)
                receiver.posts.append(json.loads(body))
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token-in-path"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def _gate(run: str = "0f3c2a9e-aaaa-bbbb-cccc-000000000001"):
    return gate_failure(run, "staging/parks", "privacy_gate", "error", blocking=True)


def test_an_alert_is_posted_once_and_recorded_with_where_it_went(catalog, receiver) -> None:
    env = {WEBHOOK_ENV: receiver.url}
    alert = _gate()
    done = raise_alerts(catalog, [alert], env)
    assert [d.status for _a, d in done] == ["sent"]
    assert receiver.paths == ["/hooks/secret-token-in-path"]
    (posted,) = receiver.posts
    assert posted["kind"] == "gate_failure" and posted["target"] == "staging/parks:privacy_gate"
    assert posted["severity"] == "error" and posted["alert_id"] == alert.alert_id
    assert str(posted["raised_at"]).endswith("+08:00")
    (row,) = recent_alerts(catalog)
    assert row["delivery_status"] == "sent" and row["delivery_detail"] == "HTTP 204"
    # The origin only: a chat webhook's token lives in its path and must not land in a table.
    assert row["delivered_to"] == f"http://127.0.0.1:{receiver.server.server_address[1]}"
    assert "secret-token" not in json.dumps(row, default=str)
    # The same failure seen again (a repeated sensor tick) is neither posted nor recorded twice.
    assert raise_alerts(catalog, [_gate()], env) == []
    assert len(receiver.posts) == 1 and len(recent_alerts(catalog)) == 1


def test_without_a_webhook_the_alert_is_still_recorded(catalog) -> None:
    raise_alerts(
        catalog, [run_failure("r-1", "__ASSET_JOB", ["raw_transport__parking_lots"], "LoadRejected")], {}
    )
    (row,) = recent_alerts(catalog)
    assert row["kind"] == "run_failure" and row["delivery_status"] == "not_configured"
    assert row["delivered_to"] is None
    assert (
        row["message"]
        == "run r-1 of __ASSET_JOB failed: 1 step(s) failed (raw_transport__parking_lots), LoadRejected"
    )


def test_a_failing_receiver_is_recorded_and_every_alert_still_tried(catalog) -> None:
    with Receiver(status=500) as failing:
        done = raise_alerts(catalog, [_gate("run-a"), _gate("run-b")], {WEBHOOK_ENV: failing.url})
    # An HTTP answer means the receiver is up: both were tried, both recorded as failed.
    assert [(d.status, d.detail) for _a, d in done] == [("failed", "HTTP 500")] * 2
    assert len(failing.posts) == 2
    assert {r["delivery_status"] for r in recent_alerts(catalog)} == {"failed"}


def test_an_unreachable_receiver_costs_one_timeout_per_batch_not_one_per_alert(catalog) -> None:
    with Receiver(delay=3.0) as slow:
        env = {WEBHOOK_ENV: slow.url, WEBHOOK_TIMEOUT_ENV: "0.5"}
        started = time.monotonic()
        done = raise_alerts(catalog, [_gate(f"run-{i}") for i in range(5)], env)
        took = time.monotonic() - started
    assert len(slow.posts) == 1  # no retry, no storm
    assert done[0][1].detail == "no answer within 0.5 s"
    assert [d.detail for _a, d in done[1:]] == [NOT_ATTEMPTED] * 4
    assert took < 2.5, took
    assert len(recent_alerts(catalog)) == 5


def test_a_closed_port_is_a_failed_delivery_not_an_exception(catalog) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    ((_alert, delivery),) = raise_alerts(catalog, [_gate()], {WEBHOOK_ENV: url})
    assert delivery.status == "failed" and delivery.detail == "not delivered (ConnectError)"


def test_messages_are_one_line_of_names_and_never_carry_free_text() -> None:
    steps = [f"step_{i}" for i in range(5)]
    alert = run_failure("abcdef0123456789", "lakehouse_daily", steps, "DagsterExecutionStepExecutionError")
    assert "\n" not in alert.message
    assert alert.message.startswith("run abcdef01 of lakehouse_daily failed: 5 step(s) failed")
    assert "and 2 more" in alert.message
    warn = gate_failure("r", "exchange/parks", "gates_on_path", "warning", blocking=False)
    assert warn.severity == "warning" and "nothing blocked" in warn.message
    with pytest.raises(ValueError):
        gate_failure("r", "a", "c", "fatal", blocking=True)  # type: ignore[arg-type]


def test_webhook_origin_drops_path_query_and_credentials() -> None:
    assert webhook_origin("https://user:pw@hooks.example.invalid:8443/T0/B1/xyz?k=1") == (
        "https://hooks.example.invalid:8443"
    )

"""The query-event receiver as a real process on a free port: only Trino's token gets an event into the spool."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infra.settings import PROJECT_ROOT
from tests.factories import free_port

# Spelled out rather than imported, so that this file runs (and fails) against a receiver without auth.
AUDIT_TOKEN_ENV = "LAKEHOUSE_AUDIT_TOKEN"
TOKEN = "unit-test-audit-token-0123456789"
FORGED = {
    "metadata": {
        "queryId": "20260101_000000_00000_forge",
        "query": "SELECT 'forged'",
        "queryState": "FINISHED",
    },
    "context": {"user": "steward", "groups": ["data_office"]},
    "endTime": "2026-01-01T00:00:00Z",
}


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, Path]:
    port, spool = free_port(), tmp_path / "audit" / "query-events.ndjson"
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.stack.event_receiver", "--port", str(port), "--spool", str(spool)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc, f"http://127.0.0.1:{port}", spool


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    proc, url, spool = _start(tmp_path, {**os.environ, AUDIT_TOKEN_ENV: TOKEN})
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1, trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.1)
    try:
        yield url, spool
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _post(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{url}/events", json=FORGED, headers=headers or {}, timeout=5, trust_env=False)


def refusals_path(spool: Path) -> Path:
    return spool.with_name("refused-posts.ndjson")


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_post_without_the_token_is_refused_and_recorded(receiver) -> None:
    url, spool = receiver
    missing = _post(url)
    wrong = _post(url, {"Authorization": "Bearer not-the-token"})
    other_scheme = _post(url, {"Authorization": f"Basic {TOKEN}"})
    assert (missing.status_code, wrong.status_code, other_scheme.status_code) == (401, 403, 401)
    assert _lines(spool) == []  # nothing forged reaches governance.query_log
    refused = _lines(refusals_path(spool))
    assert [r["reason"] for r in refused] == ["no token", "wrong token", "no token"]
    assert all(r["uid"] == os.getuid() and r["path"] == "/events" for r in refused)
    # The record says who and when, never what: no body, no token.
    text = refusals_path(spool).read_text()
    assert "forged" not in text and "not-the-token" not in text and TOKEN not in text


def test_post_with_the_token_is_spooled(receiver) -> None:
    url, spool = receiver
    assert _post(url, {"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert _lines(spool) == [FORGED]
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600  # every query's text: the owner's only
    assert not refusals_path(spool).exists()


def test_receiver_will_not_start_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != AUDIT_TOKEN_ENV}
    proc, _, _ = _start(tmp_path, env)
    try:
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # it started after all: leave nothing running
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode != 0 and AUDIT_TOKEN_ENV.encode() in out


def test_peer_uid_ignores_non_loopback_clients() -> None:
    from infra.stack.event_receiver import peer_uid

    assert peer_uid(("10.0.0.1", 40000), 58480) is None

"""Receiver of Trino's query events: `python -m infra.stack.event_receiver --port P --spool FILE`.

Trino's HTTP event listener POSTs one JSON document per query event with the header
`Authorization: Bearer <token>` (the token is generated at `up` and reaches us in the environment variable
AUDIT_TOKEN_ENV, never on the command line, which every local user can read in /proc). Each authenticated
event becomes one line of the NDJSON spool (appended under a lock, fsynced before answering 200, so an
acknowledged event is on disk). Anything else is refused (401 without a token, 403 with a wrong one) and
the refusal, never the body, is appended to a second spool beside the first one, which the query-log loader
counts. `governance.audit.query_log.ingest_query_log` loads the spool into `governance.query_log`.
Loopback only; GET /health answers for the stack's status check.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_EVENT_BYTES = 32 * 1024 * 1024  # a query event with a long SQL text and many columns stays far below
AUDIT_TOKEN_ENV = "LAKEHOUSE_AUDIT_TOKEN"
AUTH_SCHEME = "Bearer"
REFUSALS_NAME = "refused-posts.ndjson"


def refusals_path(spool: Path) -> Path:
    """Where the receiver records the posts it refused (beside the event spool)."""
    return spool.with_name(REFUSALS_NAME)


class _Spool:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: object) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        # 0600 whatever the umask: every query's text, and who tried to forge one.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with self._lock, os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


def _bearer(header: str | None) -> bytes | None:
    """The token of an `Authorization: Bearer <token>` header, as bytes (None if absent or another scheme)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != AUTH_SCHEME.lower() or not token.strip():
        return None
    # Headers arrive as latin-1 text; bytes let compare_digest take any input in constant time.
    return token.strip().encode("latin-1", errors="replace")


def peer_uid(client: tuple[str, int], server_port: int) -> int | None:
    """The local user owning the client end of a loopback connection (from /proc/net/tcp), if found.

    Names who tried to post a forged event: on loopback both ends are sockets of this host.
    """
    host, port = client[0], client[1]
    if host not in ("127.0.0.1", "::ffff:127.0.0.1"):
        return None
    wanted_local = f":{port:04X}"
    wanted_remote = f":{server_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(wanted_local) and fields[2].endswith(wanted_remote):
                return int(fields[7])
    return None


def make_handler(spool: _Spool, refusals: _Spool, token: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(200 if self.path == "/health" else 404, b"ok\n" if self.path == "/health" else b"")

        def do_POST(self) -> None:
            given = _bearer(self.headers.get("Authorization"))
            if given is None or not hmac.compare_digest(given, token):
                self._refuse(401 if given is None else 403, "no token" if given is None else "wrong token")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_EVENT_BYTES:
                self._answer(413 if length > MAX_EVENT_BYTES else 400, b"bad length\n")
                return
            body = self.rfile.read(length)
            try:
                event = json.loads(body)
            except ValueError:
                self._answer(400, b"not JSON\n")
                return
            spool.append(event)
            self._answer(200, b"")

        def _refuse(self, code: int, reason: str) -> None:
            # The body is neither read nor kept: close the connection instead of draining it.
            self.close_connection = True
            record = {
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "status": code,
                "reason": reason,
                "path": self.path[:200],
                "client": f"{self.client_address[0]}:{self.client_address[1]}",
                "uid": peer_uid(self.client_address, self.server.server_address[1]),
                "content_length": self.headers.get("Content-Length"),
                "user_agent": (self.headers.get("User-Agent") or "")[:200],
            }
            refusals.append(record)
            print(f"refused POST {record['path']} from uid {record['uid']}: {reason}", flush=True)
            headers = {"WWW-Authenticate": AUTH_SCHEME} if code == 401 else {}
            self._answer(code, b"unauthorized\n" if code == 401 else b"forbidden\n", headers)

        def _answer(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per query would flood the log; the spool is the record

    return Handler


def serve(port: int, spool_path: Path, token: str, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server bound to loopback (call serve_forever(); tests run it in a thread)."""
    if not token:
        raise ValueError("the receiver needs a token: without one anybody could post query events")
    handler = make_handler(_Spool(spool_path), _Spool(refusals_path(spool_path)), token.encode("latin-1"))
    return ThreadingHTTPServer((host, port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spool", type=Path, required=True)
    args = parser.parse_args()
    token = os.environ.pop(AUDIT_TOKEN_ENV, "")
    if not token:
        sys.exit(f"{AUDIT_TOKEN_ENV} is not set: refusing to accept unauthenticated query events")
    server = serve(args.port, args.spool, token)
    # SIGTERM (our `down`) ends serve_forever cleanly from another thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"query-event receiver on http://127.0.0.1:{args.port}, spool {args.spool}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

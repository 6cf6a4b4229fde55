"""Receiver of Trino's query events: `python -m infra.stack.event_receiver --port P --spool FILE`.

Trino's HTTP event listener POSTs one JSON document per query event; each becomes one line of the NDJSON
spool (appended under a lock, flushed before answering 200, so an acknowledged event is on disk).
`governance.audit.query_log.ingest_query_log` loads the spool into `governance.query_log`.
Loopback only; GET /health answers for the stack's status check.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_EVENT_BYTES = 32 * 1024 * 1024  # a query event with a long SQL text and many columns stays far below


class _Spool:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()

    def append(self, event: object) -> None:
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


def make_handler(spool: _Spool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(200 if self.path == "/health" else 404, b"ok\n" if self.path == "/health" else b"")

        def do_POST(self) -> None:
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

        def _answer(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per query would flood the log; the spool is the record

    return Handler


def serve(port: int, spool_path: Path, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server bound to loopback (call serve_forever(); tests run it in a thread)."""
    return ThreadingHTTPServer((host, port), make_handler(_Spool(spool_path)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spool", type=Path, required=True)
    args = parser.parse_args()
    server = serve(args.port, args.spool)
    # SIGTERM (our `down`) ends serve_forever cleanly from another thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"query-event receiver on http://127.0.0.1:{args.port}, spool {args.spool}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

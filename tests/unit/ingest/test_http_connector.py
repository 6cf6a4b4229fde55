import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.connectors import SourceError
from ingest.connectors.http import iter_pages


class _Status(BaseHTTPRequestHandler):
    status = 404
    calls = 0

    def do_GET(self):
        type(self).calls += 1
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Status.calls = 0
    yield httpd
    httpd.shutdown()


def test_a_client_error_fails_at_once_naming_url_and_status(server):
    _Status.status = 404
    url = f"http://127.0.0.1:{server.server_port}/api/lots"
    with pytest.raises(SourceError, match=r"/api/lots page 1: HTTP 404"):
        list(iter_pages(url, "data.items", backoff=0))
    assert _Status.calls == 1


def test_a_server_that_keeps_failing_is_given_up_after_the_attempts(server):
    _Status.status = 503
    url = f"http://127.0.0.1:{server.server_port}/api/lots"
    with pytest.raises(SourceError, match=r"gave up after 3 attempts \(HTTP 503\)"):
        list(iter_pages(url, "data.items", attempts=3, backoff=0))
    assert _Status.calls == 3

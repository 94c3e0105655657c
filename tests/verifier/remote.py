"""Another issuer's web server, for real: a threaded HTTP server on 127.0.0.1 that serves an OtherIssuer's
documents (did:web, status list, OB 2.0 documents, credentials) and, on request, hostile answers."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.other_issuer import OtherIssuer

Route = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up mid-answer is what the hostile tests provoke


class RemoteIssuer:
    """An OtherIssuer whose base URL is this server; `routes` (by path) override its published documents."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.release = threading.Event()
        remote = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                remote.hits[path] += 1
                try:
                    remote.answer(self, path)
                except OSError:
                    pass  # the verifier hung up (timeout or size cap), as some tests intend

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.issuer = OtherIssuer(self.url)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)

    def answer(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        if path in self.routes:
            self.routes[path](handler)
            return
        for url, (status, body) in self.issuer.documents.items():
            if urlsplit(url).path == path:
                send(handler, status, body, "application/json")
                return
        send(handler, 404, b"not here", "text/plain")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
         headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def respond(status: int, body: bytes, content_type: str = "application/json",
            headers: dict[str, str] | None = None) -> Route:
    return lambda handler: send(handler, status, body, content_type, headers)


def redirect(location: str) -> Route:
    return respond(302, b"", headers={"Location": location})


def trickle(remote: RemoteIssuer, size: int = 100, every_s: float = 0.1) -> Route:
    """Declares `size` bytes and sends one every `every_s` (a slow-loris body)."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        for _ in range(size):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            if remote.release.wait(every_s):
                return
    return route


@pytest.fixture
def remote() -> Iterator[RemoteIssuer]:
    server = RemoteIssuer()
    server.start()
    yield server
    server.stop()

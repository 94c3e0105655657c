"""Safe fetch against servers that try to hold the verifier: headers that trickle in, and 410 Gone."""
from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from badges.errors import Unavailable
from badges.fetch import FetchPolicy, Gone, fetch
from badges.report import CheckUndecided
from badges.resolve import HttpResolver
from tests.badges.test_fetch import LOOPBACK, LocalServer, respond, server  # noqa: F401 (server is a fixture)


def trickle_headers(local: LocalServer, every_s: float = 0.1) -> None:
    """Route /trickle: a status line and then one header byte every `every_s`, for as long as 5 s."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(50):
            handler.wfile.write(b"X")
            handler.wfile.flush()
            if local.release.wait(every_s):
                return
    local.routes["/trickle"] = route


def test_fetch_gives_up_on_headers_that_trickle_in_for_longer_than_the_timeout(server: LocalServer) -> None:
    trickle_headers(server)
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/trickle"), policy=FetchPolicy(allow_http=True, allow_private=True, timeout_s=0.3))
    assert caught.value.code == "fetch.failed"


def test_fetch_tells_a_withdrawn_document_apart_from_other_failures(server: LocalServer) -> None:
    server.routes["/gone"] = respond(410, b"")
    with pytest.raises(Gone) as caught:
        fetch(server.url("/gone"), policy=LOOPBACK)
    assert caught.value.code == "fetch.status"


@pytest.mark.parametrize(("status", "code"), [(410, "document.gone"), (404, "document.unreachable")])
def test_resolver_reports_a_document_it_cannot_get_as_undecided_saying_whether_it_is_gone(
        server: LocalServer, status: int, code: str) -> None:
    server.routes["/assertion"] = respond(status, b"")
    with pytest.raises(CheckUndecided) as caught:
        HttpResolver(LOOPBACK).document(server.url("/assertion"))
    assert caught.value.problem.code == code

"""Safe outbound GET (badges.fetch) and the HTTP resolver (badges.resolve), against real servers on loopback."""
from __future__ import annotations

import json
import socket
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Self
from urllib.parse import urlsplit

import pytest

from badges import dids, resolve
from badges.errors import TooLarge, Unavailable
from badges.fetch import FetchBudget, FetchPolicy, fetch
from badges.report import STATUS_RETRIEVAL, CheckUndecided
from badges.resolve import HttpResolver

LOOPBACK = FetchPolicy(allow_http=True, allow_private=True)
ONE_SMALL_ENTRY = resolve.ENTRY_BYTES + 100  # what a resolver's cache needs to keep one small document

Route = Callable[[BaseHTTPRequestHandler], None]


class LocalServer:
    """A real HTTP/1.1 server on 127.0.0.1 whose paths answer with the routes a test sets; it counts hits."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.release = threading.Event()  # set at teardown: ends any route that is holding a response back
        local = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5  # no socket operation of the server outlives a test by more than this

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                local.hits[path] += 1
                try:
                    local.routes.get(path, respond(404, b"not here"))(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout or size cap), which is what some tests want

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def respond(status: int = 200, body: bytes = b"{}", headers: dict[str, str] | None = None) -> Route:
    """A route answering `status` with `body`; Content-Length unless `headers` set it."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        sent = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
        for name, value in sent.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    return route


def respond_with_length(body: bytes) -> Route:
    return respond(200, body)


def respond_json(document: dict[str, object], headers: dict[str, str] | None = None) -> Route:
    return respond(200, json.dumps(document).encode(), headers)


def respond_chunked(body: bytes, chunk: int = 1000) -> Route:
    """A route sending `body` with Transfer-Encoding: chunked, so no length is declared."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for start in range(0, len(body), chunk):
            piece = body[start:start + chunk]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        handler.wfile.write(b"0\r\n\r\n")
    return route


def respond_until_close(body: bytes) -> Route:
    """A route sending `body` without any length: the end of the body is the end of the connection."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True
    return route


def redirect(location: str, status: int = 302) -> Route:
    return respond(status, b"", {"Location": location})


def hold_back(local: LocalServer) -> Route:
    """A route that sends nothing until teardown (or 5 s)."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        local.release.wait(5)
        respond()(handler)
    return route


def drip(local: LocalServer, size: int = 50, every_s: float = 0.1) -> Route:
    """A route declaring `size` bytes and sending one every `every_s`: each read is quick, the whole is slow."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        for _ in range(size):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            if local.release.wait(every_s):
                return
    return route


def closed_port_url(path: str = "/") -> str:
    """An http URL on a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# --- fetch: what is refused before any connection is made -------------------------------------------

def test_fetch_refuses_a_loopback_address_under_the_default_policy(server: LocalServer) -> None:
    server.routes["/doc"] = respond_json({"ok": True})
    https_url = f"https://127.0.0.1:{server.port}/doc"
    with pytest.raises(Unavailable) as caught:
        fetch(https_url, policy=FetchPolicy())
    assert caught.value.code == "fetch.private_address"
    assert server.hits["/doc"] == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.0.0.1", "192.168.1.1", "172.16.0.1",
                                  "169.254.169.254", "100.64.0.1", "0.0.0.0", "[::1]", "[fd00::1]",
                                  # IPv6 addresses that carry an IPv4 one (IPv4-compatible, NAT64, 6to4), and the old
                                  # site-local range: Python's is_global takes these for public
                                  "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[fec0::1]"])
def test_fetch_refuses_private_and_local_addresses_even_when_http_is_allowed(host: str) -> None:
    with pytest.raises(Unavailable) as caught:
        fetch(f"http://{host}:9/", policy=FetchPolicy(allow_http=True))
    assert caught.value.code == "fetch.private_address"


def test_fetch_gets_a_loopback_address_when_the_policy_allows_it(server: LocalServer) -> None:
    server.routes["/doc"] = respond_json({"ok": True}, {"Content-Type": "application/did+json"})
    fetched = fetch(server.url("/doc"), policy=LOOPBACK)
    assert (fetched.status, fetched.content_type, json.loads(fetched.body)) == (
        200, "application/did+json", {"ok": True})
    assert fetched.url == server.url("/doc")


def test_fetch_sends_the_accept_header_it_is_given(server: LocalServer) -> None:
    seen: list[str | None] = []

    def route(handler: BaseHTTPRequestHandler) -> None:
        seen.append(handler.headers.get("Accept"))
        respond()(handler)
    server.routes["/doc"] = route
    fetch(server.url("/doc"), policy=LOOPBACK, accept="application/did+json")
    assert seen == ["application/did+json"]


def test_fetch_refuses_http_unless_the_policy_allows_it(server: LocalServer) -> None:
    server.routes["/doc"] = respond_json({"ok": True})
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/doc"), policy=FetchPolicy(allow_private=True))
    assert caught.value.code == "fetch.scheme_refused"
    assert server.hits["/doc"] == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/",
                                 "data:application/json,{}"])
def test_fetch_refuses_schemes_other_than_http_and_https(url: str) -> None:
    with pytest.raises(Unavailable) as caught:
        fetch(url, policy=LOOPBACK)
    assert caught.value.code == "fetch.scheme_refused"


def test_fetch_refuses_an_https_url_without_a_host() -> None:
    with pytest.raises(Unavailable) as caught:
        fetch("https:///did.json", policy=FetchPolicy())
    assert caught.value.code == "fetch.no_host"


# --- fetch: limits on what comes back ---------------------------------------------------------------

def test_fetch_refuses_a_body_whose_declared_length_is_over_the_cap(server: LocalServer) -> None:
    server.routes["/big"] = respond(200, bytes(2000))
    with pytest.raises(TooLarge) as caught:
        fetch(server.url("/big"), policy=FetchPolicy(allow_http=True, allow_private=True, max_bytes=1000))
    assert caught.value.code == "fetch.too_large"


def test_fetch_refuses_on_a_declared_length_over_the_cap_without_reading_the_body(server: LocalServer) -> None:
    server.routes["/big"] = respond(200, b"{}", {"Content-Length": str(10**12)})
    with pytest.raises(TooLarge):
        fetch(server.url("/big"), policy=LOOPBACK)


@pytest.mark.parametrize("route", [respond_chunked, respond_until_close], ids=["chunked", "until close"])
def test_fetch_refuses_a_body_over_the_cap_that_declares_no_length(
        server: LocalServer, route: Callable[[bytes], Route]) -> None:
    server.routes["/big"] = route(bytes(5000))
    with pytest.raises(TooLarge) as caught:
        fetch(server.url("/big"), policy=FetchPolicy(allow_http=True, allow_private=True, max_bytes=1000))
    assert caught.value.code == "fetch.too_large"


@pytest.mark.parametrize("route", [respond_with_length, respond_chunked, respond_until_close],
                         ids=["with length", "chunked", "until close"])
def test_fetch_accepts_a_body_of_exactly_the_cap(server: LocalServer, route: Callable[[bytes], Route]) -> None:
    server.routes["/doc"] = route(b"x" * 1000)
    fetched = fetch(server.url("/doc"), policy=FetchPolicy(allow_http=True, allow_private=True, max_bytes=1000))
    assert fetched.body == b"x" * 1000


def test_fetch_hangs_up_on_a_body_it_refuses(server: LocalServer) -> None:
    hung_up = threading.Event()

    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")  # no length: the response owns the connection
        handler.end_headers()
        try:
            while not server.release.is_set():
                handler.wfile.write(bytes(65_536))
        except OSError:  # broken pipe or reset once the client hangs up; a timeout if it never does
            hung_up.set()
    server.routes["/endless"] = endless
    with pytest.raises(TooLarge) as caught:
        fetch(server.url("/endless"), policy=FetchPolicy(allow_http=True, allow_private=True, max_bytes=1000))
    assert hung_up.wait(2)
    assert caught.value.code == "fetch.too_large"  # the error (and what it references) is still alive


def test_fetch_gives_up_on_a_server_slower_than_the_timeout(server: LocalServer) -> None:
    server.routes["/slow"] = hold_back(server)
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/slow"), policy=FetchPolicy(allow_http=True, allow_private=True, timeout_s=0.3))
    assert caught.value.code == "fetch.failed"


def test_fetch_gives_up_on_a_body_that_trickles_in_for_longer_than_the_timeout(server: LocalServer) -> None:
    # Every byte arrives well within the timeout, but the whole body would take 5 s: the timeout is for the
    # fetch, so a server cannot hold a verifier by sending slowly.
    server.routes["/drip"] = drip(server)
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/drip"), policy=FetchPolicy(allow_http=True, allow_private=True, timeout_s=0.3))
    assert caught.value.code == "fetch.failed"


def test_fetch_reports_a_closed_port_as_unavailable() -> None:
    with pytest.raises(Unavailable) as caught:
        fetch(closed_port_url(), policy=LOOPBACK)
    assert caught.value.code == "fetch.failed"


# --- fetch: one budget for many fetches ------------------------------------------------------------

def test_fetches_charged_to_one_budget_stop_once_its_fetches_are_spent(server: LocalServer) -> None:
    server.routes["/doc"] = respond_json({})
    budget = FetchBudget(fetches=2, seconds=60)
    for _ in range(2):
        fetch(server.url("/doc"), policy=LOOPBACK, budget=budget)
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/doc"), policy=LOOPBACK, budget=budget)
    assert caught.value.code == "fetch.budget_spent"
    assert server.hits["/doc"] == 2


def test_a_budget_ends_a_slow_fetch_and_refuses_the_next_once_its_time_is_spent(server: LocalServer) -> None:
    """Each fetch would be allowed the policy's 5 s; the budget's 0.3 s for all of them ends the first and sends
    nothing for the second."""
    server.routes["/slow"] = hold_back(server)
    budget = FetchBudget(fetches=10, seconds=0.3)
    codes = []
    for _ in range(2):
        with pytest.raises(Unavailable) as caught:
            fetch(server.url("/slow"), policy=FetchPolicy(allow_http=True, allow_private=True, timeout_s=5),
                  budget=budget)
        codes.append(caught.value.code)
    assert codes == ["fetch.failed", "fetch.budget_spent"]
    assert server.hits["/slow"] == 1


# --- fetch: redirects and status codes --------------------------------------------------------------

def test_fetch_follows_a_few_redirects_to_the_document(server: LocalServer) -> None:
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect(server.url("/c"), 307)
    server.routes["/c"] = respond_json({"here": True})
    fetched = fetch(server.url("/a"), policy=LOOPBACK)
    assert json.loads(fetched.body) == {"here": True}
    assert fetched.url == server.url("/c")


def test_fetch_stops_a_redirect_loop(server: LocalServer) -> None:
    server.routes["/loop"] = redirect("/loop")
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/loop"), policy=LOOPBACK)
    assert caught.value.code == "fetch.redirect_loop"
    assert server.hits["/loop"] == LOOPBACK.max_redirects + 1


def test_fetch_checks_the_scheme_again_after_a_redirect(server: LocalServer) -> None:
    server.routes["/away"] = redirect("file:///etc/passwd")
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/away"), policy=LOOPBACK)
    assert caught.value.code == "fetch.scheme_refused"


@pytest.mark.parametrize("status", [204, 302, 404, 410, 500, 503])
def test_fetch_refuses_an_answer_other_than_200(server: LocalServer, status: int) -> None:
    server.routes["/doc"] = respond(status, b"")  # a 302 without Location is no redirect
    with pytest.raises(Unavailable) as caught:
        fetch(server.url("/doc"), policy=LOOPBACK)
    assert caught.value.code == "fetch.status"


@pytest.mark.parametrize(("cache_control", "max_age"), [
    ("max-age=600", 600),
    ("public, max-age=60", 60),
    ("s-maxage=10, MAX-AGE=30", 30),
    ("no-cache", None),
    ("max-age=soon", None),
    (None, None),
])
def test_fetch_reads_max_age_from_cache_control(server: LocalServer, cache_control: str | None,
                                                max_age: int | None) -> None:
    server.routes["/doc"] = respond_json({}, {"Cache-Control": cache_control} if cache_control else None)
    assert fetch(server.url("/doc"), policy=LOOPBACK).max_age == max_age


# --- HttpResolver -----------------------------------------------------------------------------------

class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def resolver(clock: Clock) -> HttpResolver:
    return HttpResolver(LOOPBACK, did_web_scheme="http", ttl_s=300, clock=clock)


def served_did(server: LocalServer) -> tuple[str, dict[str, object]]:
    """A did:web with a port, and its document served where did:web says it lives."""
    did = f"did:web:127.0.0.1%3A{server.port}:orgs:acme"
    document = dids.did_document(did, [("key-1", "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")])
    server.routes["/orgs/acme/did.json"] = respond_json(document)
    return did, document


def test_resolver_gets_a_did_web_document_from_where_did_web_says_it_is(
        server: LocalServer, resolver: HttpResolver) -> None:
    did, document = served_did(server)
    assert resolver.did_document(did) == document
    assert server.hits["/orgs/acme/did.json"] == 1


def test_resolver_serves_a_did_document_again_from_its_cache(server: LocalServer, resolver: HttpResolver,
                                                             clock: Clock) -> None:
    did, document = served_did(server)
    resolver.did_document(did)
    clock.now += 299
    assert resolver.did_document(did) == document
    assert server.hits["/orgs/acme/did.json"] == 1


def test_resolver_fetches_again_once_the_cached_copy_is_stale(server: LocalServer, resolver: HttpResolver,
                                                              clock: Clock) -> None:
    did, _ = served_did(server)
    resolver.did_document(did)
    clock.now += 301
    resolver.did_document(did)
    assert server.hits["/orgs/acme/did.json"] == 2


def test_resolver_keeps_a_document_no_longer_than_its_max_age(server: LocalServer, resolver: HttpResolver,
                                                              clock: Clock) -> None:
    server.routes["/status/1"] = respond_json({"id": "list"}, {"Cache-Control": "max-age=10"})
    resolver.status_list(server.url("/status/1"))
    clock.now += 11
    resolver.status_list(server.url("/status/1"))
    assert server.hits["/status/1"] == 2


def test_resolver_forgets_the_oldest_entry_when_its_cache_is_full(server: LocalServer, clock: Clock) -> None:
    resolver = HttpResolver(LOOPBACK, did_web_scheme="http", max_bytes=ONE_SMALL_ENTRY, clock=clock)
    server.routes["/status/1"] = respond_json({"n": 1})
    server.routes["/status/2"] = respond_json({"n": 2})
    for path in ("/status/1", "/status/2", "/status/1"):
        resolver.status_list(server.url(path))
    assert server.hits == Counter({"/status/1": 2, "/status/2": 1})


def test_resolver_keeps_documents_up_to_a_number_of_bytes_not_of_entries(server: LocalServer, clock: Clock) -> None:
    resolver = HttpResolver(LOOPBACK, did_web_scheme="http", max_bytes=100_000, clock=clock)
    server.routes["/large"] = respond_json({"padding": "x" * 120_000})  # within the fetch's cap, over the cache's
    server.routes["/small"] = respond_json({"n": 1})
    for path in ("/large", "/small", "/large", "/small"):
        resolver.document(server.url(path))
    assert server.hits == Counter({"/large": 2, "/small": 1})


def test_a_resolver_for_one_verification_shares_the_cache_and_has_a_budget_of_its_own(
        server: LocalServer, clock: Clock) -> None:
    resolver = HttpResolver(replace(LOOPBACK, verification_fetches=2), did_web_scheme="http", clock=clock)
    for n in range(3):
        server.routes[f"/status/{n}"] = respond_json({"n": n})
    first = resolver.spending()
    first.status_list(server.url("/status/0"))
    first.status_list(server.url("/status/1"))
    with pytest.raises(CheckUndecided) as caught:
        first.status_list(server.url("/status/2"))
    assert (caught.value.problem.code, "was not fetched" in caught.value.problem.detail) == (
        "status.unreachable", True)
    second = resolver.spending()
    for n in (0, 1, 2, 0):  # two from the cache the first filled, one fetched: within its own budget of 2
        second.status_list(server.url(f"/status/{n}"))
    assert server.hits == Counter({"/status/0": 1, "/status/1": 1, "/status/2": 1})


def test_resolver_does_not_keep_a_document_its_server_says_not_to_store(server: LocalServer,
                                                                       resolver: HttpResolver) -> None:
    server.routes["/status/1"] = respond_json({"id": "list"}, {"Cache-Control": "max-age=600, no-store"})
    for _ in range(2):
        assert resolver.status_list(server.url("/status/1")) == {"id": "list"}
    assert server.hits["/status/1"] == 2


def test_resolver_cache_stays_whole_whenever_another_thread_runs_in_between(server: LocalServer,
                                                                          clock: Clock) -> None:
    """Before every line the resolver runs for this thread, another thread resolves another URL in full: the
    schedules that unguarded threads meet now and then, all met deterministically."""
    resolver = HttpResolver(LOOPBACK, did_web_scheme="http", max_bytes=ONE_SMALL_ENTRY, clock=clock)
    for n in range(100):
        server.routes[f"/doc/{n}"] = respond_json({"n": n})
    turn, done, results = threading.Event(), threading.Event(), []

    def other_thread() -> None:
        for n in range(1, 100):
            if not turn.wait(5):
                return
            turn.clear()
            try:
                results.append(resolver.document(server.url(f"/doc/{n}")) == {"n": n})
            except Exception as e:  # noqa: BLE001 (reported by the assertion below)
                results.append(e)
            done.set()

    def let_the_other_run(frame: FrameType, event: str, arg: object) -> object:
        if event == "line":
            done.clear()
            turn.set()
            done.wait(0.3)  # a thread holding the cache's lock makes the other wait: then go on
        return let_the_other_run

    def trace(frame: FrameType, event: str, arg: object) -> object:
        return let_the_other_run if frame.f_code.co_filename == resolve.__file__ else None

    threading.Thread(target=other_thread, daemon=True).start()
    sys.settrace(trace)
    try:
        document = resolver.document(server.url("/doc/0"))
    finally:
        sys.settrace(None)
    done.wait(2)
    assert document == {"n": 0}
    assert results and all(r is True for r in results), results


def test_resolver_reports_an_unreachable_status_list_as_undecided(resolver: HttpResolver) -> None:
    with pytest.raises(CheckUndecided) as caught:
        resolver.status_list(closed_port_url("/status/1"))
    assert caught.value.problem.code == "status.unreachable"
    assert caught.value.problem.type == STATUS_RETRIEVAL


@pytest.mark.parametrize("route", [respond(500, b""), respond(404, b""), respond(200, bytes(600_000))],
                         ids=["server error", "not found", "too large"])
def test_resolver_reports_a_status_list_it_cannot_get_as_undecided(
        server: LocalServer, resolver: HttpResolver, route: Route) -> None:
    server.routes["/status/1"] = route
    with pytest.raises(CheckUndecided) as caught:
        resolver.status_list(server.url("/status/1"))
    assert caught.value.problem.code == "status.unreachable"


def test_resolver_reports_a_status_list_on_a_private_address_as_undecided(server: LocalServer) -> None:
    server.routes["/status/1"] = respond_json({})
    with pytest.raises(CheckUndecided) as caught:
        HttpResolver(FetchPolicy(allow_http=True)).status_list(server.url("/status/1"))
    assert caught.value.problem.code == "status.unreachable"
    assert server.hits["/status/1"] == 0


@pytest.mark.parametrize("body", [b"<html>not json</html>", b"[1, 2]"], ids=["html", "array"])
def test_resolver_refuses_an_answer_that_is_not_a_json_object(server: LocalServer, resolver: HttpResolver,
                                                              body: bytes) -> None:
    server.routes["/status/1"] = respond(200, body)
    with pytest.raises(CheckUndecided) as caught:
        resolver.status_list(server.url("/status/1"))
    assert caught.value.problem.code == "fetch.not_json"


def test_resolver_reports_an_unreachable_did_document_as_undecided(resolver: HttpResolver) -> None:
    port = urlsplit(closed_port_url()).port
    with pytest.raises(CheckUndecided) as caught:
        resolver.did_document(f"did:web:127.0.0.1%3A{port}")
    assert caught.value.problem.code == "issuer_key.unresolvable"


def test_resolver_does_not_cache_a_failure(server: LocalServer, resolver: HttpResolver) -> None:
    server.routes["/status/1"] = respond(503, b"")
    with pytest.raises(CheckUndecided):
        resolver.status_list(server.url("/status/1"))
    server.routes["/status/1"] = respond_json({"id": "list"})
    assert resolver.status_list(server.url("/status/1")) == {"id": "list"}

"""Safe outbound GET: https only, public addresses only, a timeout, a size cap, few redirects."""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from badges.errors import TooLarge, Unavailable

# A credential needs its issuer's DID document and a status list or two; an OB 2.0 assertion, endorsements and a
# CLR's credentials a few more. Without a total, each status entry or inner credential could make one more fetch of
# up to the policy's timeout (6 status lists served slowly held one request 27 s).
VERIFICATION_FETCHES = 16
VERIFICATION_S = 10.0


class Gone(Unavailable):
    """The server answered 410 Gone: the document existed and was withdrawn (OB 2.0 revocation, for one)."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for one fetch, and for all the fetches of one verification together (a FetchBudget:
    `verification_fetches`, `verification_s`); `allow_private` and `allow_http` exist for tests on loopback only."""

    timeout_s: float = 5.0
    max_bytes: int = 512_000
    max_redirects: int = 3
    allow_http: bool = False
    allow_private: bool = False
    verification_fetches: int = VERIFICATION_FETCHES
    verification_s: float = VERIFICATION_S

    def budget(self) -> FetchBudget:
        """A new budget of this policy's limits, for one verification."""
        return FetchBudget(fetches=self.verification_fetches, seconds=self.verification_s)


class FetchBudget:
    """What one verification may still fetch, however many documents its checks ask for: `fetches` fetches,
    all ended within `seconds` of the first. Not shared between threads: one verification runs in one."""

    def __init__(self, *, fetches: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.fetches = fetches  # left to make
        self.seconds = seconds
        self._clock = clock
        self._deadline: float | None = None

    def spend(self, url: str) -> float:
        """Charge one fetch of `url`: the instant (of time.monotonic) it must end by; Unavailable
        (fetch.budget_spent) once no fetch or no time is left, before anything is sent."""
        now = self._clock()
        if self._deadline is None:
            self._deadline = now + self.seconds
        if self.fetches <= 0 or now >= self._deadline:
            raise Unavailable("fetch.budget_spent", f"{url} was not fetched: this verification has used what it may "
                              "fetch in all (documents, or seconds of waiting for other servers).")
        self.fetches -= 1
        return self._deadline


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes
    max_age: int | None
    no_store: bool = False  # Cache-Control: no-store (RFC 9111 §5.2.2.5): not to be kept by any cache


def fetch(url: str, *, policy: FetchPolicy, accept: str = "application/json",
          budget: FetchBudget | None = None) -> Fetched:
    """GET `url` under `policy`, charged to `budget` when given (its deadline may come before the policy's
    timeout); raises Unavailable (unreachable, refused, not 200, budget spent) or TooLarge."""
    deadline = time.monotonic() + policy.timeout_s
    if budget is not None:
        deadline = min(deadline, budget.spend(url))
    for _ in range(policy.max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" and not (policy.allow_http and parts.scheme == "http"):
            raise Unavailable("fetch.scheme_refused", f"Only https URLs are fetched, not {url}.")
        if not parts.hostname:
            raise Unavailable("fetch.no_host", f"{url} names no host.")
        address = _public_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                  allow_private=policy.allow_private)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Unavailable("fetch.failed", f"{url} could not be fetched in the time left to it.")
        conn = _connection(parts.scheme, parts.hostname, address, parts.port, remaining)
        # The socket timeout bounds each read; the watchdog bounds the whole exchange, so a server trickling
        # its status line and headers a byte at a time cannot hold the caller either.
        timed_out = threading.Event()
        watchdog = threading.Timer(remaining, _hang_up, args=(conn, timed_out))
        watchdog.daemon = True
        watchdog.start()
        response = None
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", target, headers={
                "Host": parts.netloc.rpartition("@")[2], "Accept": accept,
                "Accept-Encoding": "identity", "User-Agent": "badges-verifier/0.1"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status == 410:
                raise Gone("fetch.status", f"{url} answered HTTP 410 Gone: it was withdrawn.")
            if response.status != 200:
                raise Unavailable("fetch.status", f"{url} answered HTTP {response.status}.")
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                raise TooLarge("fetch.too_large", f"{url} is larger than {policy.max_bytes} bytes.")
            body = _read_before(deadline, response, policy.max_bytes + 1)
            if timed_out.is_set():  # the watchdog cut the body short
                raise TimeoutError("the exchange took longer than the timeout")
            if len(body) > policy.max_bytes:
                raise TooLarge("fetch.too_large", f"{url} is larger than {policy.max_bytes} bytes.")
            cache_control = response.getheader("Cache-Control", "")
            return Fetched(url, response.status, response.getheader("Content-Type", ""), body,
                           _max_age(cache_control), _no_store(cache_control))
        except (OSError, http.client.HTTPException) as e:
            raise Unavailable("fetch.failed", f"{url} could not be fetched: {e}.") from None
        finally:
            watchdog.cancel()
            if response is not None:  # a `Connection: close` response owns the socket: close it too
                response.close()
            conn.close()
    raise Unavailable("fetch.redirect_loop", f"{url} redirected more than {policy.max_redirects} times.")


def _read_before(deadline: float, response: http.client.HTTPResponse, limit: int) -> bytes:
    """Up to `limit` bytes of the body; TimeoutError once `deadline` passes, so that the timeout bounds
    the whole body and not each read (a server sending a byte at a time cannot hold the caller)."""
    body = bytearray()
    while len(body) < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the body took longer than the timeout")
        piece = response.read1(min(65_536, limit - len(body)))
        if not piece:
            break
        body += piece
    return bytes(body)


def _hang_up(conn: http.client.HTTPConnection, timed_out: threading.Event) -> None:
    """Shut the connection's socket down, ending any read blocked on it (the fetch then fails)."""
    timed_out.set()
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


# IPv6 ranges that carry an IPv4 address inside (IPv4-compatible, NAT64, 6to4, Teredo) or were deprecated as
# site-local: `is_global` takes some of them for public, yet on a network that routes them they reach whatever
# IPv4 address they embed, loopback and private ones included.
_EMBEDDING = tuple(ipaddress.ip_network(net) for net in (
    "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32", "fec0::/10"))


def _fetchable(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A public address that leads to itself (not one that embeds another)."""
    return ip.is_global and not (ip.version == 6 and any(ip in net for net in _EMBEDDING))


def _public_address(host: str, port: int, *, allow_private: bool) -> str:
    """Resolve `host` once and return an address that is safe to connect to (no DNS rebinding)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise Unavailable("fetch.dns_failed", f"The host {host} could not be resolved.") from None
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0])
        if allow_private or _fetchable(ip):
            return str(ip)
    raise Unavailable("fetch.private_address", f"{host} resolves to a private or local address; "
                      "it is not fetched.")


def _connection(scheme: str, host: str, address: str, port: int | None,
                timeout: float) -> http.client.HTTPConnection:
    if scheme == "http":
        conn = http.client.HTTPConnection(address, port or 80, timeout=timeout)
    else:
        conn = _PinnedHTTPSConnection(address, port or 443, timeout=timeout)
        conn.server_hostname = host
    return conn


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an already vetted IP address, with SNI and certificate checks for the real host name."""

    server_hostname: str
    tls = ssl.create_default_context()  # certificates and host names checked (one context: it is reusable)

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.server_hostname)


def _max_age(cache_control: str) -> int | None:
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.isdigit():
            return int(value)
    return None


def _no_store(cache_control: str) -> bool:
    return any(part.strip().lower() == "no-store" for part in cache_control.split(","))

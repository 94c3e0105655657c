"""Rate limits: fixed windows of hits per key, counted where every app process sees them.

The counts live in Redis when BADGES_REDIS_URL is set (`limits`' RedisStorage) and in the database otherwise
(store.counters.DatabaseStorage); either way `limits`' FixedWindowRateLimiter does the counting, and each hit is
one atomic increment, so parallel requests cannot race past a limit. Flask-Limiter, built on the same `limits`,
would fit the verification limit, but not sign-in: its per-route decorators count every request alike, while
sign-in counts per account as well as per client and forgets an account's count once its owner gets in, and its
"count only failures" mode (deduct_when) decides after the view ran, which is exactly the race to avoid. So the
views ask `Limits` directly; web.throttle holds the sign-in and mail rules.

Behind reverse proxies, BADGES_TRUSTED_PROXIES puts werkzeug's ProxyFix in front (bootstrap.app), so that
`request.remote_addr` is the client's address.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import Response, current_app, json, render_template, request
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine

from store.counters import DatabaseStorage
from web.i18n import translate

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "ratelimit"  # the verification limiter of the app
LIMITS = "ratelimit.limits"  # the app's shared Limits
REDIS_PREFIX = "badges-limits"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after_s: int


@dataclass(frozen=True, slots=True)
class Rule:
    """At most `limit` hits per key in each `window_s`-second window; `name` keeps rules' keys apart."""

    name: str
    limit: int
    window_s: int

    @property
    def item(self) -> RateLimitItem:
        return RateLimitItemPerSecond(self.limit, self.window_s, namespace=self.name)


class Limits:
    """Rules counted in a `limits` storage that every app process shares."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._strategy = FixedWindowRateLimiter(storage)

    def hit(self, rule: Rule, key: str) -> Decision:
        """Count one hit of `key` under `rule` (atomically); refused past the limit, saying for how long."""
        if self._strategy.hit(rule.item, key):
            return Decision(True, -1, 0)  # what remains is not read back: one round trip per hit is enough
        reset_at, remaining = self._strategy.get_window_stats(rule.item, key)
        return Decision(False, remaining, max(1, math.ceil(reset_at - time.time())))

    def clear(self, rule: Rule, key: str) -> None:
        """Forget the count of `key` under `rule`."""
        self._strategy.clear(rule.item, key)


def shared_storage(redis_url: str | None, engine: Engine) -> Storage:
    """Redis when configured, else the database: the place every app process counts in."""
    if redis_url:
        return RedisStorage(redis_url, key_prefix=REDIS_PREFIX)
    return DatabaseStorage(engine)


class Limiter(Protocol):
    """What @rate_limited counts against: one limit per key and window."""

    limit: int
    window_s: float

    def hit(self, key: str) -> Decision: ...


class SharedLimiter:
    """One rule of the shared Limits, as a Limiter."""

    def __init__(self, limits: Limits, rule: Rule) -> None:
        self.limits, self.rule = limits, rule
        self.limit, self.window_s = rule.limit, float(rule.window_s)

    def hit(self, key: str) -> Decision:
        return self.limits.hit(self.rule, key)


def install(app: Any, limiter: Limiter) -> None:
    """Make `limiter` the one the @rate_limited views of `app` count against; a limit of 0 means no limit."""
    if limiter.limit > 0:
        app.extensions[EXTENSION] = limiter
    else:  # BADGES_VERIFY_RATE_LIMIT=0: a proxy in front limits already, or a load test from one address
        app.extensions.pop(EXTENSION, None)


def shared_limits() -> Limits:
    """The app's shared Limits (see bootstrap.app.create_app)."""
    return current_app.extensions[LIMITS]


def client_address() -> str:
    """The client's address as the counts know it."""
    return request.remote_addr or "unknown"


def rate_limited(view: F) -> F:
    """Refuse the view with 429 problem+json (and Retry-After) once the client is over the app's limit."""
    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        limiter: Limiter | None = current_app.extensions.get(EXTENSION)
        if limiter is not None:
            decision = limiter.hit(client_address())
            if not decision.allowed:
                return _too_many(decision, limiter)
        return view(*args, **kwargs)
    return limited  # type: ignore[return-value]


def _too_many(decision: Decision, limiter: Limiter) -> Response:
    detail = (f"More than {limiter.limit} verifications in {int(limiter.window_s)} seconds from this address. "
              f"Try again in {decision.retry_after_s} seconds.")
    headers = {"Retry-After": str(decision.retry_after_s)}
    if not request.path.startswith("/api/") and request.accept_mimetypes.best == "text/html":
        page = render_template("error.html", status=429, title="Too Many Requests", code="http.429", detail=detail)
        return Response(page, status=429, mimetype="text/html", headers=headers)
    body = {"type": "about:blank", "title": "Too Many Requests", "status": 429, "code": "http.429",
            "detail": detail, "message": translate("http.429")}
    return Response(json.dumps(body, ensure_ascii=False), status=429, mimetype="application/problem+json",
                    headers=headers)

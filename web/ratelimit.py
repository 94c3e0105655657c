"""A small rate limiter: a fixed window of requests per client address, kept in memory (one process).

Behind a reverse proxy, configure werkzeug's ProxyFix so that `request.remote_addr` is the client's address.
Several processes each count on their own; a shared backend (e.g. Redis) would be the next step.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, json, render_template, request

from web.i18n import translate

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "ratelimit"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after_s: int


class FixedWindowLimiter:
    """At most `limit` hits per key in each `window_s`-second window; windows start on multiples of window_s."""

    def __init__(self, limit: int, window_s: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> Decision:
        """Count one request for `key`; the decision says whether it may go ahead and, if not, for how long."""
        now = self._clock()
        window = int(now // self.window_s)
        with self._lock:
            if window != self._window:  # a new window: every count starts again
                self._window, self._counts = window, {}
            if key not in self._counts and len(self._counts) >= self._max_keys:
                count = self.limit + 1  # too many clients at once: refuse newcomers rather than grow without end
            else:
                count = self._counts[key] = self._counts.get(key, 0) + 1
        retry = max(1, math.ceil((window + 1) * self.window_s - now))
        return Decision(count <= self.limit, max(0, self.limit - count), retry)


def install(app: Any, limiter: FixedWindowLimiter) -> None:
    """Make `limiter` the one the @rate_limited views of `app` count against; a limit of 0 means no limit."""
    if limiter.limit > 0:
        app.extensions[EXTENSION] = limiter
    else:  # BADGES_VERIFY_RATE_LIMIT=0: a proxy in front limits already, or a load test from one address
        app.extensions.pop(EXTENSION, None)


def rate_limited(view: F) -> F:
    """Refuse the view with 429 problem+json (and Retry-After) once the client is over the app's limit."""
    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        limiter: FixedWindowLimiter | None = current_app.extensions.get(EXTENSION)
        if limiter is not None:
            decision = limiter.hit(request.remote_addr or "unknown")
            if not decision.allowed:
                return _too_many(decision, limiter)
        return view(*args, **kwargs)
    return limited  # type: ignore[return-value]


def _too_many(decision: Decision, limiter: FixedWindowLimiter) -> Response:
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

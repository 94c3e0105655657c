"""Sign-in sessions, CSRF protection for forms, safe redirects, and password hashing (argon2id).

A session names the account and its session generation; the account's row holds the current generation,
which sign-out (and a password change) moves on. A cookie copied before sign-out is signed and unexpired,
so only this server-side check stops it from working afterwards.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Request, abort, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy import select, update

from keys.passwords import check_password, hash_password  # noqa: F401  (the web layer's import point)
from store.console import StaffUser
from store.db import read_only
from store.wallet import Learner
from web.http import request_session, services, transaction

F = TypeVar("F", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Browsers drop these anywhere in a URL (WHATWG URL parser), so "/\t/evil.example" is "//evil.example" to them
URL_IGNORED = str.maketrans("", "", "\t\r\n")
# The kinds of account a session can hold (issuer.console.STAFF, wallet.web.KIND) and their tables
ACCOUNTS: dict[str, type[StaffUser | Learner]] = {"staff": StaffUser, "learner": Learner}


def log_in(kind: str, user_id: int, generation: int) -> None:
    """Start a fresh session for a staff member or a learner (`kind`) at the account's current session
    `generation`, against session fixation."""
    session.clear()
    session[kind] = user_id
    session[generation_key(kind)] = generation
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    session.permanent = True


def log_out() -> None:
    """End this session and every other one of its account (copies of the cookie included)."""
    ended = [(kind, user_id) for kind in ACCOUNTS if (user_id := signed_in(kind)) is not None]
    if ended:
        with transaction() as db:
            for kind, user_id in ended:
                model = ACCOUNTS[kind]
                db.execute(update(model).where(model.id == user_id)
                           .values(session_generation=model.session_generation + 1))
    g.pop("session_generations", None)
    session.clear()


def signed_in(kind: str) -> int | None:
    """The id of the signed-in user of `kind`, or None (also when the account ended its sessions since)."""
    value = session.get(kind)
    if not isinstance(value, int):
        return None
    current = _current_generation(kind, value)
    return value if current is not None and session.get(generation_key(kind)) == current else None


def generation_key(kind: str) -> str:
    """The session key that holds the account generation the session belongs to."""
    return f"{kind}_generation"


def _current_generation(kind: str, user_id: int) -> int | None:
    """The account's session generation (None if it is gone), read once per request."""
    cache: dict[tuple[str, int], int | None] = g.setdefault("session_generations", {})
    if (kind, user_id) not in cache:
        model = ACCOUNTS[kind]
        query = select(model.session_generation).where(model.id == user_id)
        joined = request_session()
        if joined is not None:  # inside the request's own transaction: read there, as everything else does
            cache[kind, user_id] = joined.scalar(query)
            return cache[kind, user_id]
        # its own short read: callers may hold a write transaction, which on SQLite this must not wait for
        with read_only(services().engine).connect() as conn:
            cache[kind, user_id] = conn.scalar(query)
    return cache[kind, user_id]


def safe_target(target: str | None, *, default: str, prefix: str = "/") -> str:
    """`target` as a path on this site under `prefix` (what a browser would make of it), else `default`.

    Every sign-in's `next` goes through here: anything a browser could read as another site (`//host`,
    `/\\host`, `/<tab>/host`, `https:host`) or a control character that would break the Location header is
    refused, not repaired."""
    if not target:
        return default
    cleaned = target.strip().translate(URL_IGNORED).replace("\\", "/")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return default
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # e.g. an unbalanced "[" read as an IPv6 host
        return default
    if parts.scheme or parts.netloc or cleaned.startswith("//") or not cleaned.startswith(prefix):
        return default
    return cleaned


def csrf_token() -> str:
    """The session's CSRF token (created on first use); put it in every form as `csrf_token`."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_exempt(view: F) -> F:
    """Mark a view whose POST changes nothing (e.g. verifying an upload) as needing no CSRF token."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def require_csrf() -> None:
    """Refuse the request (400) unless it carries the session's CSRF token. protect() calls it before every
    view; a view that must first raise its request's size limit (a large upload) is csrf_exempt and calls it
    itself, after raising the limit."""
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(400, description="The form expired or came from another site. Reload the page and try again.")


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without making the cookie's signer for a request that sends no cookie
    (API calls and QR scans: most requests); Flask then gives the same new, empty session."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def protect(app: Flask, *, exempt_prefixes: tuple[str, ...] = ("/api/",)) -> None:
    """Refuse state-changing requests to pages (not the token-authenticated API) without the CSRF token."""
    app.session_interface = CookieSessions()

    @app.before_request
    def _check_csrf() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(exempt_prefixes):
            return
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "csrf_exempt", False):
            return
        require_csrf()

    app.jinja_env.globals["csrf_token"] = csrf_token

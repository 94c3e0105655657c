"""Sign-in sessions, CSRF protection for forms, and password hashing (argon2id)."""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, request, session

from keys.passwords import check_password, hash_password  # noqa: F401  (the web layer's import point)

F = TypeVar("F", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Browsers drop these anywhere in a URL (WHATWG URL parser), so "/\t/evil.example" is "//evil.example" to them
URL_IGNORED = str.maketrans("", "", "\t\r\n")


def log_in(kind: str, user_id: int) -> None:
    """Start a fresh session for a staff member or a learner (`kind`), against session fixation."""
    session.clear()
    session[kind] = user_id
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    session.permanent = True


def log_out() -> None:
    session.clear()


def signed_in(kind: str) -> int | None:
    """The id of the signed-in user of `kind`, or None."""
    value = session.get(kind)
    return value if isinstance(value, int) else None


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


def protect(app: Flask, *, exempt_prefixes: tuple[str, ...] = ("/api/",)) -> None:
    """Refuse state-changing requests to pages (not the token-authenticated API) without the CSRF token."""

    @app.before_request
    def _check_csrf() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(exempt_prefixes):
            return
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "csrf_exempt", False):
            return
        sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        expected = session.get(CSRF_FIELD)
        if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
            abort(400, description="The form expired or came from another site. Reload the page and try again.")

    app.jinja_env.globals["csrf_token"] = csrf_token

"""Structured logs: one JSON object a line (python-json-logger), each request's lines carrying its request id.

A request id comes in as `X-Request-Id` (a proxy's or a client's; up to 128 letters, digits and `._:-`) or is made
here, and goes back out in the same header, so a line in our logs can be found from a client's report and the other
way round. Every request ends with one `request` line: method, route (the URL rule, e.g. `/credentials/<id>`, never
the URL itself: paths carry invitation and share tokens), status and duration. Logs never carry secrets or e-mail
addresses: every string of a line, the message and a traceback included, is scrubbed of e-mail addresses, API
tokens, bearer credentials and passwords in URLs before it is written.
"""
from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from typing import IO, Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.orjson import OrjsonFormatter

HEADER = "X-Request-Id"
_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_SECRETS = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[e-mail]"),
    (re.compile(r"\bbdg_[A-Za-z0-9_-]+"), "[token]"),  # our API tokens (issuer.tokens)
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), r"\1[redacted]@"),  # smtp://user:password@host, redis://:pw@host
    (re.compile(r"(?i)\b(password|passwd|secret|token)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"), r"\1\2[redacted]"),
)
# Text each of _SECRETS needs to match: most strings of a line hold none, and one search is cheaper than five subs
# (every request writes a line).
_MAYBE_SECRET = re.compile(r"@|bdg_|://|(?i:bearer|basic|passw|secret|token)")
access = logging.getLogger("badges.request")


def scrub(text: str) -> str:
    """`text` without e-mail addresses, tokens and passwords."""
    if _MAYBE_SECRET.search(text) is None:
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _Formatter(OrjsonFormatter):
    """python-json-logger's formatter (its orjson one: every request writes a line), with the request id added and
    every string scrubbed."""

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        if has_request_context() and "request_id" not in log_data:
            log_data["request_id"] = g.get("request_id")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: scrub(value) if isinstance(value, str) else value for key, value in log_data.items()}


def configure(stream: IO[str] | None = None, *, level: int = logging.INFO) -> logging.Handler:
    """Send every log record of this process to `stream` (default: stderr) as JSON lines; returns the handler.
    Called by the serving entry points (`serve()`, `badges serve`, `badges worker`), not by create_app."""
    # What no line of ours shows is not gathered for every record (the logging HOWTO's "Optimization": the caller's
    # file and line, the thread, the multiprocessing name); the process id stays, gunicorn's own lines show it.
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Formatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                    rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, _Formatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def install(app: Flask) -> None:
    """Give every request of `app` a request id (taken from X-Request-Id or made), echo it, and log the request."""

    @app.before_request
    def _identify() -> None:
        sent = request.headers.get(HEADER, "")
        g.request_id = sent if _GOOD_ID.fullmatch(sent) else secrets.token_hex(16)
        g.request_started = time.perf_counter()

    @app.after_request
    def _tag(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id is None:  # a response made before our first hook ran
            return response
        response.headers[HEADER] = request_id
        access.info("request", extra={
            "method": request.method, "route": request.url_rule.rule if request.url_rule is not None else None,
            "status": response.status_code,
            "duration_ms": round(1000 * (time.perf_counter() - g.request_started), 1)})
        return response

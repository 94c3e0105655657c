"""One error handler: BadgeError and HTTP errors become problem+json or an HTML page, never a trace."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Flask, Response, json, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from badges.errors import BadgeError
from web.i18n import translate

RETRY_AFTER_S = 5  # seconds a client is asked to wait when the database or the job queue does not answer


def wants_json() -> bool:
    """True when the client asked for JSON (the API, or an Accept header preferring JSON) rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return request.path.startswith("/api/") or best != "text/html"


def _respond(status: int, title: str, code: str, detail: str, path: str | None = None,
             type_: str = "about:blank") -> Response:
    if wants_json():
        body = {"type": type_, "title": title, "status": status, "code": code, "detail": detail,
                "message": translate(code) if translate(code) != code else detail}
        if path:
            body["path"] = path
        return Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    return Response(render_template("error.html", status=status, title=title, code=code, detail=detail),
                    status=status, mimetype="text/html")


def register(app: Flask, *, by_prefix: Mapping[str, Callable[[int, str], Response]] | None = None) -> None:
    """Install the handlers on `app`; an HTTP error under a path prefix of `by_prefix` (a standard API's own error
    format) answers with that prefix's responder (status, description) instead."""

    @app.errorhandler(BadgeError)
    def badge_error(e: BadgeError) -> Response:
        response = _respond(e.status, type(e).__name__, e.code, e.detail, e.path, e.type)
        if e.status == 503:  # something we depend on is away (the job queue, a key): worth coming back
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.errorhandler(OperationalError)
    def database_down(e: OperationalError) -> Response:
        # the database is unreachable or restarting: a client should come back, and the pool reconnects by itself
        response = _respond(503, "Service Unavailable", "service.database_unavailable",
                            "The database does not answer; nothing was changed. Try again in a few seconds.")
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        for prefix, respond in (by_prefix or {}).items():
            if request.path.startswith(prefix):
                response = respond(e.code or 500, e.description or e.name)
                if "Allow" in (headers := dict(e.get_headers())):  # 405: the methods the path does take
                    response.headers["Allow"] = headers["Allow"]
                return response
        code = f"http.{e.code}"
        return _respond(e.code or 500, e.name, code, e.description or e.name)

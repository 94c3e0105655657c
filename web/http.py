"""Helpers shared by the blueprints: services, transactions, JSON bodies, the clock."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import flask
from flask import Response, current_app, g, request
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map

import schemas
from badges import text
from badges.errors import InvalidInput, TooLarge
from badges.jsontext import from_json
from store import db


class IdConverter(IntegerConverter):
    """`<id:name>` in routes: a whole number the database can hold as an id (store.db.MAX_ID); any larger
    number does not match, so it is a 404 like any unknown id, never an overflow in the query (a 500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=0, max=db.MAX_ID)


URL_CONVERTERS = {"id": IdConverter}
_REQUEST_SESSION = "badges_request_session"  # flask.g attributes of request_transaction
_AFTER_COMMIT = "badges_after_commit"


class _Values(ImmutableMultiDict[str, Any]):
    """Query, form and cookie values whose get() of a missing name returns the default straight away (werkzeug's
    raises and catches a BadRequestKeyError: ~2 us, and most requests ask for a name they do not carry)."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        return super().get(key, default, type) if dict.__contains__(self, key) else default


class Request(flask.Request):
    """The app's request (bootstrap.app.App.request_class): Flask's, with _Values for its query, form and cookies."""

    parameter_storage_class = dict_storage_class = _Values


def id_arg(value: str | None) -> int | None:
    """A query or form value as an id, or None when it is missing, not a whole number or out of range."""
    if value is None or not (0 < len(value) <= 10 and value.isascii() and value.isdigit()):
        return None
    return int(value) if db.fits_id(int(value)) else None


def services() -> Any:
    """The app's services (bootstrap.wiring.Services, built by the composition root, which this module sits
    below: hence no type here)."""
    return current_app.extensions["badges"]


@contextmanager
def transaction() -> Iterator[Session]:
    """One database transaction: commit at the end or roll back on error. Within the request's own transaction
    (request_transaction) it is a savepoint of that one, so a block that fails still rolls back alone."""
    joined: Session | None = g.get(_REQUEST_SESSION)
    if joined is not None:
        with joined.begin_nested():
            yield joined
        return
    with db.transaction(services().sessions) as session:
        yield session


@contextmanager
def request_transaction() -> Iterator[Session]:
    """The request's one transaction, which every transaction() inside it joins; what after_commit() was given
    runs once it committed (mail, background jobs: never while the request holds the database)."""
    g.setdefault(_AFTER_COMMIT, [])
    try:
        with db.transaction(services().sessions) as session:
            setattr(g, _REQUEST_SESSION, session)
            try:
                yield session
            finally:
                g.pop(_REQUEST_SESSION, None)
        for work in g.get(_AFTER_COMMIT, []):
            work()
    finally:
        g.pop(_AFTER_COMMIT, None)


def request_session() -> Session | None:
    """The request's own transaction's session, when request_transaction opened one."""
    return g.get(_REQUEST_SESSION)


def after_commit(work: Callable[[], object]) -> None:
    """Run `work` once the request's transaction committed (at once when there is none open)."""
    if g.get(_REQUEST_SESSION) is None:
        work()
    else:
        g.get(_AFTER_COMMIT, []).append(work)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def read_body(max_bytes: int) -> bytes:
    """The raw request body, refused with TooLarge beyond `max_bytes` (the endpoint's own limit, which replaces
    the app-wide MAX_CONTENT_LENGTH for this request)."""
    request.max_content_length = max_bytes
    length = request.content_length
    if length is not None and length > max_bytes:
        raise TooLarge("request.too_large", f"The request body is over {max_bytes} bytes.")
    data = request.get_data(cache=True)
    if len(data) > max_bytes:
        raise TooLarge("request.too_large", f"The request body is over {max_bytes} bytes.")
    return data


def read_json(*, schema: str, max_bytes: int) -> dict[str, Any]:
    """The JSON body, checked against schemas/json/<schema>.json; InvalidInput points at the error."""
    if not request.mimetype.endswith("json"):
        raise InvalidInput("request.not_json", "Send the body as JSON with Content-Type: application/json.")
    body = parse_json(read_body(max_bytes))
    validate(body, schema=schema)
    return body


def parse_json(raw: bytes) -> Any:
    """`raw` parsed as JSON; InvalidInput saying where it breaks."""
    try:
        return from_json(raw)
    except (ValueError, RecursionError) as e:
        raise InvalidInput("request.malformed_json", f"The body is not valid JSON: {e}.") from None


def validate(body: Any, *, schema: str) -> None:
    """InvalidInput pointing at the first place `body` breaks schemas/json/<schema>.json."""
    error = schemas.first_error(schema, body)
    if error is not None:
        for at, value in schemas.pattern_failures(schema, body):  # a control character gets its own message
            if isinstance(value, str):
                text.check_line(text.check_prose(value, path=at), path=at)
        pointer, message = error
        raise InvalidInput("request.schema", f"{pointer}: {message}", path=pointer)


def cacheable(body: bytes, mimetype: str, *, max_age: int, etag_of: bytes | None = None,
              headers: dict[str, str] | None = None) -> Response:
    """A public document any origin may read, that a CDN or a verifier's cache may keep for `max_age` seconds and
    then revalidate: its ETag is the digest of `etag_of` (its bytes by default), so a conditional GET of an
    unchanged one is a 304."""
    response = Response(body, mimetype=mimetype, headers={
        "Access-Control-Allow-Origin": "*", "Cache-Control": f"public, max-age={max_age}", **(headers or {})})
    response.set_etag(hashlib.sha256(body if etag_of is None else etag_of).hexdigest())
    response.make_conditional(request)
    return response

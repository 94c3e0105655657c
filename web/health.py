"""Probes for load balancers and orchestrators: `/healthz` (the process answers) and `/readyz` (it can serve:
the database answers, and Redis when the deployment uses it)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.http import services

bp = Blueprint("health", __name__)
RETRY_AFTER_S = 5


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the process serves requests at all."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int, dict[str, str]] | Response:
    """200 when the database (and Redis, if configured) answer; 503 with Retry-After and what is down otherwise."""
    down = [name for name, ready in (("database", _database_answers()), ("redis", _redis_answers())) if not ready]
    if down:
        return jsonify(status="unavailable", down=down), 503, {"Retry-After": str(RETRY_AFTER_S)}
    return jsonify(status="ok")


def _database_answers() -> bool:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _redis_answers() -> bool:
    url = services().settings.redis_url
    if not url:
        return True
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except RedisError:
        return False

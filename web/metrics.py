"""Prometheus metrics through prometheus_client: credentials issued, verifications by verdict and channel, request
latencies, mails that failed, and (from the collectors the composition root adds) the cohort backlog.

`/metrics` is off unless BADGES_METRICS_TOKEN is set, and then answers only `Authorization: Bearer <token>`: the
figures (how many badges an alliance issues, how busy it is) are not for everyone, and an unset setting must not
open them. Under gunicorn with several worker processes, set PROMETHEUS_MULTIPROC_DIR to an empty directory
(prometheus_client's multiprocess mode): each process writes its counters there and a scrape of any process adds
them all up. The counters are defined at import, as prometheus_client expects (one registry per process).
"""
from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session

from web.http import services

bp = Blueprint("metrics", __name__)
EXTENSION = "badges.metrics"  # app.extensions key: the collectors computed at each scrape (e.g. the backlog)
_PENDING = "badges.metrics.issued"  # session.info key: credentials issued in the session's open transaction

ISSUED = Counter("badges_credentials_issued", "Credentials signed and committed.", ["source"])
VERIFICATIONS = Counter("badges_verifications", "Verifications run, by verdict and by where they were asked for "
                        "(api, page, qr: the QR landing).", ["channel", "verdict"])
MAILS_FAILED = Counter("badges_mails_failed", "E-mails that could not be sent, by reason.", ["reason"])
LATENCY = Histogram("badges_http_request_duration_seconds", "Time to answer a request, by route (its URL rule, "
                    "never the URL itself), method and status.", ["route", "method", "status"])


def count_issued(session: Session, count: int, *, source: str) -> None:
    """Count `count` credentials issued in `session`'s transaction, once it commits (a rollback counts none)."""
    if count <= 0:
        return
    pending: dict[str, int] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {}
        event.listen(session, "after_commit", _commit_issued)
        event.listen(session, "after_rollback", _forget_issued)
    pending[source] = pending.get(source, 0) + count


def _commit_issued(session: Session) -> None:
    pending = session.info.get(_PENDING, {})
    for source, count in pending.items():
        ISSUED.labels(source=source).inc(count)
    pending.clear()


def _forget_issued(session: Session) -> None:
    session.info.get(_PENDING, {}).clear()


def count_verification(*, channel: str, verdict: str) -> None:
    VERIFICATIONS.labels(channel=channel, verdict=verdict).inc()


def count_failed_mail(reason: str) -> None:
    MAILS_FAILED.labels(reason=reason).inc()


def install(app: Flask, collectors: Iterable[Collector] = ()) -> None:
    """Time every request and serve /metrics on `app`, with `collectors` computed at each scrape."""
    app.extensions[EXTENSION] = list(collectors)
    app.register_blueprint(bp)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("metrics_started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "(none)"
            LATENCY.labels(route=route, method=request.method, status=str(response.status_code)).observe(
                time.perf_counter() - started)
        return response


@bp.get("/metrics")
def scrape() -> Response:
    """The metrics in Prometheus' text format; 404 unless BADGES_METRICS_TOKEN is set, 401 without it."""
    expected = services().settings.metrics_token
    if not expected:
        abort(404)
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
        return Response("A bearer token is needed (BADGES_METRICS_TOKEN).\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        MultiProcessCollector(counters)  # every process's files, added up
    else:
        counters = REGISTRY
    live = CollectorRegistry()
    for collector in current_app.extensions.get(EXTENSION, []):
        live.register(collector)
    return Response(generate_latest(counters) + generate_latest(live), mimetype=CONTENT_TYPE_LATEST)

"""The application factory: composes settings, database, keys and resolvers with the blueprints."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from badges.errors import Unavailable
from badges.fetch import FetchPolicy
from badges.resolve import HttpResolver
from issuer import api as issuer_api
from issuer import console_auth, console_org, console_people
from issuer import api_cohorts, console_courses, console_credentials, console_issue, jobs, queue
from issuer import pages as issuer_pages
from issuer.service import Issuing
from store.db import make_engine, read_only, session_factory
from store.links import Links
from verifier import api as verifier_api
from verifier import pages as verifier_pages
from verifier.service import LocalResolver
from wallet import account_pages as wallet_accounts
from wallet import pages as wallet_pages
from wallet import share_pages as wallet_share
from web import errors, i18n, openapi, ratelimit, security
from web.http import URL_CONVERTERS
from web.settings import FETCH_MAX_BYTES, FETCH_TIMEOUT_S, ConfigError, Settings


BLUEPRINTS = (issuer_api, issuer_pages, console_auth, console_people, console_org, verifier_api, verifier_pages,
              openapi, wallet_pages, wallet_accounts, wallet_share,
              console_courses, console_issue, console_credentials, api_cohorts)


@dataclass(frozen=True, slots=True)
class Services:
    """Everything request handlers need, built once per app (stored in app.extensions["badges"])."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    issuing: Issuing
    resolver: LocalResolver


def build_services(settings: Settings) -> Services:
    """Engine, session factory, issuing context and the local-first resolver for `settings`."""
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    links = Links(settings.public_base_url)
    remote = remote_resolver(insecure=settings.insecure_fetch, timeout_s=settings.fetch_timeout_s,
                             max_bytes=settings.fetch_max_bytes)
    return Services(settings, engine, sessions, Issuing(links, settings.key_encryption_key),
                    LocalResolver(session_factory(read_only(engine)), links, remote))


def remote_resolver(*, insecure: bool, timeout_s: float = FETCH_TIMEOUT_S,
                    max_bytes: int = FETCH_MAX_BYTES) -> HttpResolver:
    """The resolver of other issuers' documents under the safe-fetch rules (http and private addresses only
    when `insecure`, for development)."""
    policy = FetchPolicy(timeout_s=timeout_s, max_bytes=max_bytes, allow_http=insecure, allow_private=insecure)
    return HttpResolver(policy, did_web_scheme="http" if insecure else "https")


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app for `settings` (default: from the environment and ./instance)."""
    if settings is None:
        instance = Path(os.environ.get("BADGES_INSTANCE", "instance")).resolve()
        settings = Settings.from_env(os.environ, instance_dir=instance)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SECURE=settings.secure_cookies, PERMANENT_SESSION_LIFETIME=12 * 3600)
    app.extensions["badges"] = build_services(settings)
    ratelimit.install(app, ratelimit.FixedWindowLimiter(settings.verify_rate_limit, 60.0))
    app.jinja_env.globals.update(t=i18n.translate, locale=i18n.locale)
    app.url_map.converters.update(URL_CONVERTERS)  # <id:...>: ids beyond the database's range are a 404
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    errors.register(app)
    security.protect(app)
    app.after_request(_security_headers)
    app.after_request(i18n.remember_choice)
    runner = app.extensions[jobs.EXTENSION] = _runner(app.extensions["badges"])
    jobs.resume_unfinished(app.extensions["badges"], runner)  # cohort jobs a crash or restart interrupted
    return app


def _runner(services: Services) -> jobs.Runner:
    """Cohort jobs go to the RQ queue on Redis when BADGES_REDIS_URL is set, else to threads of this process."""
    if not services.settings.redis_url:
        return jobs.ThreadRunner(services)
    runner = queue.RqRunner(services.settings.redis_url)
    try:
        runner.ping()
    except Unavailable as e:  # refuse to start rather than accept jobs that no worker will ever see
        raise ConfigError(f"{e.detail} Start it, or unset BADGES_REDIS_URL to run cohort jobs in the app "
                          "process.") from None
    return runner


def _security_headers(response: Response) -> Response:
    """Pages load nothing from elsewhere and cannot be framed; documents are never sniffed as HTML."""
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response

"""The application factory: the services (bootstrap.wiring) with the blueprints, error pages and security."""
from __future__ import annotations

import atexit
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from badges import results
from badges.errors import Unavailable
from bootstrap import openapi
from bootstrap.wiring import Services, build_services
from issuer import (
    alliance_pages,
    api_cohorts,
    backlog,
    console_account,
    console_auth,
    console_courses,
    console_credentials,
    console_dlc,
    console_issue,
    console_org,
    console_pathways,
    console_people,
    console_renew,
    jobs,
    oid4vci_api,
    queue,
    registry,
)
from issuer import api as issuer_api
from issuer import pages as issuer_pages
from verifier import api as verifier_api
from verifier import pages as verifier_pages
from verifier import workspace, workspace_pages
from wallet import account_pages as wallet_accounts
from wallet import ob_api, ob_consent
from wallet import pages as wallet_pages
from wallet import share_pages as wallet_share
from web import errors, health, i18n, logs, metrics, ratelimit, security
from web.http import URL_CONVERTERS, Request
from web.settings import ConfigError, Settings

SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
BLUEPRINTS = (issuer_api, issuer_pages, registry, console_auth, console_people, console_org, verifier_api, verifier_pages,
              openapi, wallet_pages, wallet_accounts, wallet_share,
              console_courses, console_issue, console_credentials, console_renew, console_account, api_cohorts,
              console_dlc, console_pathways, health, oid4vci_api, ob_api, ob_consent, workspace_pages, alliance_pages)


class App(Flask):
    """Flask, for an app with no `async def` view or hook (tests/test_app.py checks): Flask asks of every view
    and hook, at every request, whether it is a coroutine function (`ensure_sync`, which Flask's documentation
    says to override for that), ~1.5 us each of the ~10 a request runs. Its requests are web.http.Request."""

    request_class = Request

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return func


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app for `settings` (default: from the environment and ./instance)."""
    if settings is None:
        instance = Path(os.environ.get("BADGES_INSTANCE", "instance")).resolve()
        settings = Settings.from_env(os.environ, instance_dir=instance)
    # named for the web package, whose templates/ and static/ the pages share
    app = App("web", instance_path=str(settings.instance_dir))
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SECURE=settings.secure_cookies, PERMANENT_SESSION_LIFETIME=12 * 3600)
    app.extensions["badges"] = build_services(settings)
    services = app.extensions["badges"]
    limits = app.extensions[ratelimit.LIMITS] = ratelimit.Limits(
        ratelimit.shared_storage(settings.redis_url, services.engine))
    ratelimit.install(app, ratelimit.SharedLimiter(limits, ratelimit.Rule("verify", settings.verify_rate_limit, 60)))
    app.jinja_env.globals.update(t=i18n.translate, tn=i18n.translate_plural, locale=i18n.locale,
                                 result_lines=results.summary, platform_slug=settings.platform_slug)
    app.jinja_env.filters["local_time"] = i18n.local_time
    app.context_processor(i18n.request_messages)
    app.url_map.converters.update(URL_CONVERTERS)  # <id:...>: ids beyond the database's range are a 404
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    errors.register(app, by_prefix={ob_api.PREFIX + "/": ob_api.status_info})  # OB 3.0 API errors: imsx_StatusInfo
    security.protect(app, exempt_prefixes=("/api/", ob_api.PREFIX + "/"))  # token-authenticated APIs, no cookies
    app.after_request(_security_headers)
    app.after_request(i18n.remember_choice)
    app.extensions[jobs.EXTENSION] = _runner(app.extensions["badges"])
    logs.install(app)
    metrics.install(app, [backlog.Backlog(services, app.extensions[jobs.EXTENSION])])
    app.extensions[workspace.EXTENSION] = workspace.Runner(app)
    if settings.trusted_proxies:  # the client's address (rate limits, logs) is what the proxies say it is
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    return app


def start(app: Flask) -> Flask:
    """`app` once its process starts serving: the cohort jobs and employers' verification batches a crash or
    restart interrupted are handed to their runners again (what `badges serve` and the WSGI entry `serve()` do;
    building an app does not)."""
    jobs.resume_unfinished(app.extensions["badges"], app.extensions[jobs.EXTENSION])
    workspace.start(app)  # verification batches past their retention deleted, interrupted ones resumed
    return app


def serve() -> Flask:
    """The WSGI application of a serving process, e.g. `gunicorn 'bootstrap.app:serve()'`: settings from the
    environment, logs as JSON lines on stderr, interrupted jobs resumed."""
    logs.configure()
    app = start(create_app())
    settle()
    return app


def settle() -> None:
    """Move what the process holds once the app is made (~170,000 objects: modules, functions, templates,
    catalogues) out of the garbage collector's sight (gc.freeze): every full collection walked all of it, a
    ~100 ms pause every few dozen requests of a page that makes many objects (a wallet of 100 badges)."""
    gc.freeze()
    atexit.register(gc.unfreeze)  # so what extensions made is freed at exit, as they expect


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
    present = {name.lower() for name, _ in response.headers}  # not setdefault(): a miss raises inside werkzeug
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response

"""Fixtures: settings, databases (SQLite and PostgreSQL), app, client, services, a live server.

The PostgreSQL driver, the SMTP server and Playwright are imported by the fixtures that use them, so a test of the
core alone needs none of them."""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import make_server

import keys
import store.db
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import service
from store.db import make_engine, upgrade
from store.tables import Base
from tests import ob3
from tests.e2e.browser import FLAGS, chromium
from tests.url_builders import compile_each_url_builder_once
from verifier import events
from web.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PG_ADMIN = os.environ.get("BADGES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BASE_URL = "http://badges.test"


@pytest.fixture(scope="session", autouse=True)
def issued_credentials() -> Iterator[list[bytes]]:
    """Every credential the service signs in this run, whichever entry point issued it (all go through
    service.sign_and_store); pytest_sessionfinish validates them against the official OB 3.0 schemas."""
    sign_and_store = service.sign_and_store

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        stored = sign_and_store(*args, **kwargs)
        ob3.ISSUED.extend(credential.document for credential in stored)
        return stored
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "sign_and_store", recording)
        yield ob3.ISSUED


@pytest.fixture(autouse=True)
def engines_disposed() -> Iterator[None]:
    """Every engine a test made (store.db.make_engine: apps, commands, helpers) has its pooled connections closed
    when the test ends, after the settings fixture wrote what recorders counted. Otherwise a PostgreSQL connection
    of an engine nobody disposed is closed by the garbage collector, in whichever later test it happens to run,
    and its ResourceWarning fails that test instead."""
    made: weakref.WeakSet[Engine] = weakref.WeakSet()
    create_engine = store.db.create_engine

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        engine = create_engine(*args, **kwargs)
        made.add(engine)
        return engine
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store.db, "create_engine", recording)
        yield
    for engine in list(made):
        engine.dispose()


@pytest.fixture(autouse=True)
def root_logger_restored() -> Iterator[None]:
    """The root logger's handlers and level as they were before the test: a command run in-process configures JSON
    logs on the test's captured stderr, which pytest closes, and a later test's threads (an SMTP server's) would
    log into it ("--- Logging error ---")."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def pytest_configure(config: pytest.Config) -> None:
    """Apps start faster (tests.url_builders). Under pytest-xdist (scripts/test runs the suite on every core),
    worker gwN uses Redis database N + 1 of the test Redis, so one worker's rate-limit counts and RQ queues never
    meet another's (PostgreSQL databases, ports and folders are already a session's or a test's own)."""
    compile_each_url_builder_once()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        root, _, number = os.environ.get("BADGES_TEST_REDIS", "redis://127.0.0.1:6379/0").rpartition("/")
        database = (int(number or 0) + 1 + int(worker[2:])) % 16  # Redis has databases 0 to 15 by default
        os.environ["BADGES_TEST_REDIS"] = f"{root}/{database}"


WORKERS_INVALID: list[tuple[str, list[str]]] = []  # what xdist workers found (pytest_testnodedown)
INVALID = "ob3_invalid"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the xdist controller: collect the invalid credentials a worker found (sent in its workeroutput)."""
    found = getattr(node, "workeroutput", {}).get(INVALID, [])
    WORKERS_INVALID.extend((str(credential_id), list(problems)) for credential_id, problems in found)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any credential issued during it breaks the official OB 3.0 JSON Schema. An xdist worker
    hands what it found to the controller, which reports for the whole run."""
    bad = ob3.invalid(ob3.ISSUED)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[INVALID] = [[credential_id, found[:3]] for credential_id, found in bad]
        return
    bad += WORKERS_INVALID
    if not bad:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{credential_id}: {'; '.join(found[:3])}" for credential_id, found in bad[:10]]
    if reporter is not None:
        reporter.write_sep("=", f"{len(bad)} issued credential(s) break the official OB 3.0 schema", red=True)
        reporter.write_line("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database on each backend; PostgreSQL gets a database of its own for the run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'badges.sqlite3'}"
        upgrade(url)
        yield url
        return
    import psycopg

    name = f"badges_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings for one test; every table is emptied afterwards, so no test sees another's rows."""
    yield Settings(database_url=database_url, secret_key="test-secret-key", key_encryption_key=keys.new_kek(),
                   public_base_url=BASE_URL, instance_dir=tmp_path)
    try:  # what apps of the test counted is written before the tables are emptied, not during
        events.flush_all()
    except SQLAlchemyError:  # a recorder of a database the test dropped: nothing of it is in these tables
        pass
    deletes = [f"DELETE FROM {table.name}" for table in reversed(Base.metadata.sorted_tables)]
    engine = make_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # one round trip for all 40 tables, not 40 (~0.1 s a test)
            conn.exec_driver_sql("; ".join(deletes))
        else:  # SQLite runs one statement a call, each without a round trip
            for delete in deletes:
                conn.execute(text(delete))
    engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["badges"].events.close()  # what was counted is written before the tables are emptied
    app.extensions["badges"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def svc(app: Flask) -> Services:
    """The app's services, for calling the service layer directly."""
    return app.extensions["badges"]


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.app: Flask | None = None
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.settings = replace(settings, public_base_url=self.url, insecure_fetch=True)
        self.app = create_app(self.settings)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _dispatch(self, environ, start_response):  # type: ignore[no-untyped-def]
        assert self.app is not None
        return self.app(environ, start_response)

    @property
    def services(self) -> Services:
        assert self.app is not None
        return self.app.extensions["badges"]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self.services.engine.dispose()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app served over real HTTP on 127.0.0.1, its public URL being that address."""
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps what it receives (aiosmtpd)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, SmtpSink]]:
    """(smtp_url, sink): point Settings.smtp_url at the URL and read sink.messages."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", sink
    controller.stop()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized browser tab for a Korean reader (new cookies every test)."""
    context = chromium_browser.new_context(locale="ko-KR", viewport={"width": 412, "height": 915},
                                           extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    page = context.new_page()
    yield page
    context.close()

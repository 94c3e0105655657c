"""Fixtures for the verifier: an app allowed to fetch from 127.0.0.1 (as another issuer lives there in tests)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bootstrap.app import create_app
from tests.verifier.remote import remote  # noqa: F401 (a fixture)
from web.settings import Settings


@pytest.fixture
def fetching_app(settings: Settings) -> Iterator[Flask]:
    """The app with loopback fetching allowed (development mode) and a short fetch timeout: long enough for a test
    server on a machine busy with other tests (1 s was not, once), short of a trickling server's 10 s."""
    app = create_app(replace(settings, insecure_fetch=True, fetch_timeout_s=3.0))
    app.config["TESTING"] = True
    yield app
    app.extensions["badges"].events.close()
    app.extensions["badges"].engine.dispose()


@pytest.fixture
def fetching_client(fetching_app: Flask) -> FlaskClient:
    return fetching_app.test_client()

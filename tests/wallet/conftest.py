"""Wallet fixtures: an app that sends real mail (aiosmtpd) and may fetch from loopback, and a learner's browser."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from bootstrap.app import create_app
from tests.conftest import SmtpSink
from tests.wallet.people import Mailbox
from web.settings import Settings


@pytest.fixture
def mailbox(smtp_server: tuple[str, SmtpSink]) -> Mailbox:
    return Mailbox(smtp_server[1])


@pytest.fixture
def app(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[Flask]:
    """The app with mail going to the test SMTP server; fetching from 127.0.0.1 is allowed (foreign issuers)."""
    app = create_app(replace(settings, smtp_url=smtp_server[0], insecure_fetch=True))
    app.config["TESTING"] = True
    yield app
    app.extensions["badges"].engine.dispose()

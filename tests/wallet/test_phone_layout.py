"""The learner's wallet on a 360-390 px phone, in a real headless Chromium: every tab in sight, nothing sideways."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Page
from werkzeug.serving import make_server

from bootstrap.wiring import Services
from tests.e2e.test_korea_time import keep
from tests.e2e.test_plain_pages import SIDEWAYS
from tests.wallet.people import Mailbox
from tests.wallet.test_sharing import two_badges


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The wallet app (mail to the test SMTP server) over HTTP; its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.mark.parametrize(("width", "lang"), [(360, "en"), (390, "ko")])
def test_every_wallet_tab_fits_a_phone(served: str, client: FlaskClient, svc: Services, mailbox: Mailbox,
                                       page: Page, width: int, lang: str) -> None:
    two_badges(client, svc, mailbox)  # signs up: the test client holds the session
    cookie = client.get_cookie("session")
    assert cookie is not None
    page.context.add_cookies([{"name": "session", "value": cookie.value, "url": served}])
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{served}/wallet?lang={lang}")
    keep(page, f"wallet-{width}-{lang}")
    assert not page.evaluate(SIDEWAYS)
    for tab in page.locator(".wallet-tabs a").all():
        box = tab.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert tab.evaluate("a => a.scrollWidth <= a.clientWidth")  # the label is not cut off

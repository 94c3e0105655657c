"""Learners driving the wallet through its pages, and their mailbox on the test SMTP server."""
from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import BASE_URL, SmtpSink

PASSWORD = "correct horse battery"


class Mailbox:
    """What the real SMTP server received, read as a person would: the newest mail to an address, its link."""

    def __init__(self, sink: SmtpSink, base_url: str = BASE_URL) -> None:
        self.sink = sink
        self.base_url = base_url

    def to(self, address: str) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=default) for _, rcpt, raw in self.sink.messages  # type: ignore[misc]
                if address in rcpt]

    def text(self, message: EmailMessage) -> str:
        """The plain-text body of a mail."""
        body = message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def link(self, address: str) -> str:
        """The path of the wallet link in the newest mail to `address`."""
        messages = self.to(address)
        assert messages, f"no mail to {address}"
        body = self.text(messages[-1])
        links = re.findall(re.escape(self.base_url) + r"(/wallet/\S+)", body)
        assert links, body
        return links[0]


def post(client: FlaskClient, path: str, data: dict | None = None, **kwargs: object) -> TestResponse:  # type: ignore[type-arg]
    """A form POST with the session's CSRF token, as the browser sends it from a page."""
    with client.session_transaction() as session:
        token = session.setdefault("csrf_token", "test-csrf-token")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def sign_up(client: FlaskClient, mailbox: Mailbox, *, name: str = "김민지", address: str = "minji.kim@example.com",
            password: str = PASSWORD) -> None:
    """Sign up and open the confirmation link from the mail: the client ends signed in to its new wallet."""
    response = post(client, "/wallet/signup", {"name": name, "email": address, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    link = mailbox.link(address)
    assert client.get(link).status_code == 200
    response = post(client, link)
    assert response.headers["Location"].endswith("/wallet"), response.get_data(as_text=True)


def add_address(client: FlaskClient, mailbox: Mailbox, address: str) -> None:
    """Add and confirm another address of the signed-in learner."""
    assert post(client, "/wallet/account/emails", {"email": address}).status_code == 302
    assert post(client, mailbox.link(address)).status_code == 302


def sign_in(client: FlaskClient, address: str, password: str = PASSWORD) -> TestResponse:
    return post(client, "/wallet/signin", {"email": address, "password": password})

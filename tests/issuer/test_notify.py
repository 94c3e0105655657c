"""Notification e-mails through a real SMTP server: Korean and English, the link and a scannable QR code;
failures are kept with their reason, shown to staff, and can be retried."""
from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import zxingcpp
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import jobs, notify
from store.db import transaction
from store.issuing import MailState, OutboxMail
from store.models import Achievement, Credential
from tests.conftest import SmtpSink
from tests.factories import NOW, console_post, enter_as, issue, make_course, make_org
from web.settings import Settings


@pytest.fixture
def mail_port() -> int:
    """A free port on 127.0.0.1 for the SMTP server (which a test may leave closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_app(settings: Settings, mail_port: int) -> Iterator[Flask]:
    """The app sending its mail to 127.0.0.1:mail_port."""
    app = create_app(replace(settings, smtp_url=f"smtp://127.0.0.1:{mail_port}", mail_from="badges@academy.example"))
    app.config["TESTING"] = True
    yield app
    app.extensions[jobs.EXTENSION].wait(30)
    app.extensions["badges"].engine.dispose()


def start_sink(port: int) -> tuple[SmtpSink, Controller]:
    received = SmtpSink()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    return received, controller


@pytest.fixture
def sink(mail_port: int) -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) listening on mail_port."""
    received, controller = start_sink(mail_port)
    yield received
    controller.stop()


def staff_client(app: Flask) -> tuple[FlaskClient, Services, Achievement]:
    """A signed-in issuer of `acme` and one of its courses."""
    svc: Services = app.extensions["badges"]
    org, _ = make_org(svc)
    client = app.test_client()
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    return client, svc, make_course(svc, org)


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def mails(svc: Services) -> list[tuple[str, str | None, int, str | None]]:
    with transaction(svc.sessions) as session:
        return [(m.state, m.to_address, m.attempts, m.last_error)
                for m in session.scalars(select(OutboxMail).order_by(OutboxMail.id))]


def test_issuing_from_the_form_mails_the_link_and_a_scannable_qr_code(mail_app: Flask, sink: SmtpSink) -> None:
    client, svc, course = staff_client(mail_app)
    response = console_post(client, "/console/acme/issue", {
        "course": course.public_id, "name": "김민지", "email": "Minji.Kim@example.com", "completed": "2026-02-27",
        "notify": "1", "publish_name": "1"})
    assert response.status_code == 302
    assert "M***@example.com(으)로 알림 메일을 보냈습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    credential_id = response.headers["Location"].rsplit("/", 1)[1]

    [(sender, recipients, raw)] = sink.messages
    assert (sender, recipients) == ("badges@academy.example", ["Minji.Kim@example.com"])
    message = parsed(raw)
    assert "디지털 배지가 발급되었습니다" in message["Subject"] and "Your digital badge" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "김민지님" in text and "Hello 김민지" in text and "「클라우드 네이티브 개발」" in text
    assert f"http://badges.test/credentials/{credential_id}" in text
    assert 'src="cid:qr"' in message.get_body(("html",)).get_content()
    [qr_part] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert qr_part["Content-ID"] == "<qr>"
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_part.get_content())))
    assert code.text == f"http://badges.test/v/{credential_id}"
    assert mails(svc) == [("sent", None, 1, None)]  # the address is forgotten once sent


def test_a_cohort_job_mails_each_person_it_issued_to(mail_app: Flask, sink: SmtpSink) -> None:
    client, svc, course = staff_client(mail_app)
    data = "이름,이메일\n김민지,minji@example.com\n박지우,jiwoo@example.com\n오류,not-an-email\n".encode()
    cohort = console_post(client, "/console/acme/cohorts", {
        "course": course.public_id, "completed": "2026-02-27", "notify": "1",
        "file": (io.BytesIO(data), "cohort.csv")}, content_type="multipart/form-data").headers["Location"]
    console_post(client, f"{cohort}/confirm")
    assert mail_app.extensions[jobs.EXTENSION].wait(60)
    assert sorted(r for _, [r], _ in sink.messages) == ["jiwoo@example.com", "minji@example.com"]
    assert [state for state, *_ in mails(svc)] == ["sent", "sent"]


def test_a_failed_send_is_kept_with_its_reason_and_can_be_retried(mail_app: Flask, mail_port: int) -> None:
    client, svc, course = staff_client(mail_app)  # nothing listens on mail_port yet
    response = console_post(client, "/console/acme/issue", {
        "course": course.public_id, "name": "Alex Kim", "email": "alex@example.com", "completed": "2026-02-27",
        "notify": "1"})
    assert "메일을 보내지 못했습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    [(state, address, attempts, error)] = mails(svc)
    assert (state, address, attempts) == ("failed", "alex@example.com", 1) and "alex@example.com" in error
    outbox = client.get("/console/acme/outbox").get_data(as_text=True)
    assert "a***@example.com" in outbox and "실패" in outbox and 'id="retry-all"' in outbox

    received, controller = start_sink(mail_port)
    try:
        retried = console_post(client, "/console/acme/outbox/retry")
        assert "1통 성공, 0통 실패" in client.get(retried.headers["Location"]).get_data(as_text=True)
    finally:
        controller.stop()
    assert [recipients for _, recipients, _ in received.messages] == [["alex@example.com"]]
    assert mails(svc) == [("sent", None, 2, None)]
    assert 'id="outbox-empty"' in client.get("/console/acme/outbox").get_data(as_text=True)


def test_the_api_notifies_only_when_asked(mail_app: Flask, sink: SmtpSink) -> None:
    svc: Services = mail_app.extensions["badges"]
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    client = mail_app.test_client()
    url, auth = f"/api/v1/achievements/{course.public_id}/credentials", {"Authorization": f"Bearer {token}"}
    quiet = client.post(url, json={"recipient": {"name": "A", "email": "a@example.com"}}, headers=auth)
    told = client.post(url, json={"recipient": {"name": "B", "email": "b@example.com"}, "notify": True}, headers=auth)
    assert "Notification-State" not in quiet.headers and told.headers["Notification-State"] == "sent"
    assert [recipients for _, recipients, _ in sink.messages] == [["b@example.com"]]


def test_delivering_a_mail_a_retry_sent_meanwhile_returns_it_as_sent(svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with transaction(svc.sessions) as session:
        mail = notify.enqueue(session, session.get_one(Credential, credential_id), email="a@example.com", now=NOW)
        mail.state, mail_id = MailState.SENT, mail.id
    assert [m.state for m in notify.deliver(svc, [mail_id])] == [MailState.SENT]  # the API reads [0].state

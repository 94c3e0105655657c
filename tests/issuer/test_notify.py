"""Notification e-mails through a real SMTP server: a designed HTML mail and its text part, Korean and English,
the badge image inline and one button to the badge;
failures are kept with their reason, shown to staff, and can be retried."""
from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from badges import baking
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import jobs, notify
from store.db import transaction
from store.issuing import MailState, OutboxMail
from store.models import Achievement, Credential
from tests.conftest import SmtpSink
from tests.factories import NOW, console_post, enter_as, issue, make_course, make_org
from web.mail import send
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


def test_issuing_from_the_form_mails_a_designed_badge_mail_with_a_text_part(mail_app: Flask, sink: SmtpSink) -> None:
    client, svc, course = staff_client(mail_app)
    response = console_post(client, "/console/acme/issue", {
        "course": course.public_id, "name": "김민지", "email": "Minji.Kim@example.com", "completed": "2026-02-27",
        "notify": "1", "publish_name": "1"})
    assert response.status_code == 302
    assert "M***@example.com(으)로 알림 메일을 보냈습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    credential_id = response.headers["Location"].rsplit("/", 1)[1]
    page = f"http://badges.test/credentials/{credential_id}"

    [(sender, recipients, raw)] = sink.messages
    assert (sender, recipients) == ("badges@academy.example", ["Minji.Kim@example.com"])
    subject_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert subject_line.isascii() and b"=?utf-8?" in subject_line.lower()  # RFC 2047: Korean travels encoded
    message = parsed(raw)
    assert "디지털 배지가 발급되었습니다" in message["Subject"] and "Your digital badge" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "김민지님" in body and "Hello 김민지" in body and "「클라우드 네이티브 개발」 수료" in body
        assert page in body and f"http://badges.test/v/{credential_id}" in body and "http://badges.test/wallet" in body
        assert "https://www.linkedin.com/profile/add?" in body and "LinkedIn" in body
    assert "배지 보기·받기" in text and "View and accept your badge" in text
    button = re.search(r'<a href="([^"]+)"[^>]*id="view-badge"', html)
    assert button is not None and button[1] == page
    assert '<table role="presentation"' in html and "<style" not in html  # inline styles only, as Gmail keeps them
    assert 'src="cid:badge"' in html and 'alt="「클라우드 네이티브 개발」 배지 이미지"' in html
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<badge>"
    with transaction(svc.sessions) as session:  # the attached image is the badge baked with the credential
        assert baking.extract_png(image.get_content()) == session.get_one(Credential, credential_id).document.decode()
    assert mails(svc) == [("sent", None, 1, None)]  # the address is forgotten once sent


def test_the_badge_mail_names_a_course_once_and_dates_it_in_korea(svc: Services,
                                                                 smtp_server: tuple[str, SmtpSink]) -> None:
    """A course called "…과정" is not followed by another 과정; issued at 01:38 KST on 3 December (2 December in
    UTC) the mail says 3 December, in both parts; its validity too."""
    url, sink = smtp_server
    org, _ = make_org(svc)
    course = make_course(svc, org, name_ko="데이터 분석 과정", name_en="Data Analysis", valid_months=12)
    credential_id = issue(svc, org, course, now=datetime(2026, 12, 2, 16, 38, tzinfo=UTC), publish_name=False)
    with transaction(svc.sessions) as session:
        mail = notify.badge_mail(session.get_one(Credential, credential_id), to="a@example.com",
                                 links=svc.issuing.links)
    send(mail, smtp_url=url, sender="badges@academy.example")
    message = parsed(sink.messages[0][2])
    text, html = (message.get_body((kind,)).get_content() for kind in ("plain", "html"))
    for body in (text, html):
        assert "「데이터 분석 과정」 수료" in body and "과정」 과정" not in body
        assert "2026-12-03" in body and "2026-12-02" not in body and "2027-12-03" in body
        assert "김민지" not in body and "안녕하세요." in body  # the name was not published
    assert "발급일: 2026-12-03" in text and "Issued on: 2026-12-03" in text


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

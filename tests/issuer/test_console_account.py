"""Staff passwords: changed while signed in (the current one required, every other session ended), and reset
through an e-mailed link that works once, expires, is rate-limited and never tells who has an account."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from badges.errors import InvalidInput
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import jobs, password_reset
from store.console import AuditEntry, StaffUser
from store.db import transaction
from tests.conftest import SmtpSink
from tests.factories import PASSWORD, console_post, csrf_token, make_org, make_staff, sign_in
from web.http import utcnow
from web.settings import Settings

NEW = "a much better passphrase"


@pytest.fixture
def mail_app(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[Flask]:
    app = create_app(replace(settings, smtp_url=smtp_server[0], mail_from="badges@academy.example"))
    app.config["TESTING"] = True
    yield app
    app.extensions[jobs.EXTENSION].wait(30)
    app.extensions["badges"].engine.dispose()


def mails_to(sink: SmtpSink, address: str, *, expected: int) -> list[str]:
    """The plain text of the mails `address` received, once `expected` of them arrived (sent from a thread)."""
    for _ in range(200):
        found = [raw for _, to, raw in sink.messages if to == [address]]
        if len(found) >= expected:
            break
        time.sleep(0.05)
    return [message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
            for raw in found]


def ask_for_link(client: FlaskClient, email: str) -> str:
    response = client.post("/console/password/forgot", data={"email": email,
                                                              "csrf_token": csrf_token(client, "/console/password/forgot")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_reset_link_works_once_and_ends_every_session(mail_app: Flask, smtp_server: tuple[str, SmtpSink]) -> None:
    svc: Services = mail_app.extensions["badges"]
    org, _ = make_org(svc)
    make_staff(svc, org, email="lee@acme.example")
    elsewhere = mail_app.test_client()
    sign_in(elsewhere, "lee@acme.example")
    assert elsewhere.get("/console/acme").status_code == 200

    client = mail_app.test_client()
    assert 'href="/console/password/forgot"' in client.get("/console/sign-in").get_data(as_text=True)
    known = ask_for_link(client, "Lee@Acme.example")
    unknown = ask_for_link(client, "nobody@acme.example")
    assert known.replace("Lee@Acme.example", "X") == unknown.replace("nobody@acme.example", "X")  # no enumeration
    assert "재설정 링크를 보냈습니다" in known
    [body] = mails_to(smtp_server[1], "lee@acme.example", expected=1)
    link = re.search(r"https?://\S+/console/password/reset/\S+", body)
    assert link and "1시간" in body and "an hour" in body
    path = "/console/password/reset/" + link[0].rsplit("/", 1)[1]
    assert "lee@acme.example" in client.get(path).get_data(as_text=True)

    short = client.post(path, data={"password": "short", "password_again": "short",
                                     "csrf_token": csrf_token(client, path)})
    assert short.status_code == 422 and "10자 이상" in short.get_data(as_text=True)
    done = client.post(path, data={"password": NEW, "password_again": NEW, "csrf_token": csrf_token(client, path)})
    assert done.status_code == 302 and done.headers["Location"] == "/console/sign-in"
    assert elsewhere.get("/console/acme").status_code == 302  # the other session ended
    again = client.get(path)
    assert again.status_code == 400 and "쓸 수 없는 재설정 링크" in again.get_data(as_text=True)
    assert sign_in(client, "lee@acme.example", PASSWORD).status_code == 401
    assert sign_in(client, "lee@acme.example", NEW).status_code == 302
    with transaction(svc.sessions) as session:
        assert "staff.password_reset" in session.scalars(select(AuditEntry.action)).all()
    assert mails_to(smtp_server[1], "nobody@acme.example", expected=0) == []


def test_reset_links_expire_and_cannot_be_forged(svc: Services, client: FlaskClient) -> None:
    person = make_staff(svc, None, email="lee@acme.example")
    token = password_reset.token_for("test-secret-key", person)
    with transaction(svc.sessions) as session:
        assert password_reset.staff_for(session, "test-secret-key", token, now=utcnow()).id == person.id
        with pytest.raises(InvalidInput):
            password_reset.staff_for(session, "test-secret-key", token, now=utcnow() + timedelta(minutes=61))
        with pytest.raises(InvalidInput):
            password_reset.staff_for(session, "another-secret", token, now=utcnow())
    assert client.get(f"/console/password/reset/{token[:-2]}xx").status_code == 400


def test_reset_mails_are_rate_limited(mail_app: Flask, smtp_server: tuple[str, SmtpSink]) -> None:
    svc: Services = mail_app.extensions["badges"]
    make_staff(svc, None, email="lee@acme.example")
    client = mail_app.test_client()
    pages = {ask_for_link(client, "lee@acme.example") for _ in range(7)}
    assert len(pages) == 1  # the page never says it stopped sending
    assert len(mails_to(smtp_server[1], "lee@acme.example", expected=7)) == 5


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(app: Flask, svc: Services) -> None:
    org, _ = make_org(svc)
    make_staff(svc, org, email="lee@acme.example")
    other, client = app.test_client(), app.test_client()
    sign_in(other, "lee@acme.example")
    sign_in(client, "lee@acme.example")
    page = client.get("/console/account").get_data(as_text=True)
    assert "비밀번호 바꾸기" in page and "lee@acme.example" in page
    assert 'id="account-link"' in client.get("/console/acme").get_data(as_text=True)
    wrong = console_post(client, "/console/account", {"current_password": "not it at all",
                                                      "password": NEW, "password_again": NEW})
    assert wrong.status_code == 422 and "지금 비밀번호가 맞지 않습니다" in wrong.get_data(as_text=True)
    differ = console_post(client, "/console/account", {"current_password": PASSWORD, "password": NEW,
                                                       "password_again": NEW + "!"})
    assert "두 비밀번호가 같지 않습니다" in differ.get_data(as_text=True)
    done = console_post(client, "/console/account", {"current_password": PASSWORD, "password": NEW,
                                                      "password_again": NEW})
    assert done.status_code == 302 and "비밀번호를 바꿨습니다" in client.get("/console/account").get_data(as_text=True)
    assert client.get("/console/acme").status_code == 200  # this session goes on
    assert other.get("/console/acme").status_code == 302  # every other one ended
    with transaction(svc.sessions) as session:
        staff = session.scalars(select(StaffUser)).one()
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.password_change")).all()
    assert staff.session_generation >= 1 and [e.target for e in entries] == ["lee@acme.example"]
    assert "비밀번호 변경" in client.get("/console/acme/audit").get_data(as_text=True)


def test_the_account_page_needs_a_signed_in_member(client: FlaskClient) -> None:
    response = client.get("/console/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/sign-in")

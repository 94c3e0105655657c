"""Control characters are refused in every name the service accepts, and a name stored before that rule
(or any mail header the e-mail library refuses) never turns an issue + notify into a 500 after the commit."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import update

from badges.errors import InvalidInput
from badges.model import Recipient
from bootstrap.wiring import Services
from issuer import cohorts, profile, service, tokens
from issuer import staff as staff_service
from store.db import transaction
from store.models import Org
from tests.conftest import SmtpSink
from tests.factories import NOW, make_course, make_org
from tests.issuer.test_notify import mail_app, mail_port, parsed, sink  # noqa: F401  (fixtures)
from wallet import accounts

CONTROLS = ["\n", "\r", "\r\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("control", CONTROLS)
def test_the_api_refuses_a_recipient_name_with_a_control_character(client, svc: Services, control: str) -> None:
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    answer = client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers={
        "Authorization": f"Bearer {token}", "Accept-Language": "ko"},
        json={"recipient": {"name": f"홍{control}길동", "email": "gildong@example.com"}})
    assert answer.status_code == 422
    assert answer.json["code"] == "text.control_character" and answer.json["path"] == "/recipient/name"
    assert "제어 문자" in answer.json["message"]


@pytest.mark.parametrize("field, value, ok", [
    ("name", {"ko": "과정\n이름"}, False), ("name", {"en": "Course\u2028name"}, False),
    ("description", {"ko": "첫 줄\n둘째 줄\r\n\t셋째 줄"}, True), ("description", {"ko": "설명\x00"}, False),
    ("criteria", {"en": "Passed\x1b[31m"}, False),
])
def test_the_api_refuses_control_characters_in_course_names_and_all_but_line_breaks_in_prose(
        client, svc: Services, field: str, value: dict[str, str], ok: bool) -> None:
    _, token = make_org(svc, with_token=True)
    body = {"name": {"ko": "과정"}, "description": {"ko": "설명"}, "criteria": {"ko": "기준"}, field: value}
    answer = client.post("/api/v1/achievements", json=body, headers={"Authorization": f"Bearer {token}"})
    if ok:
        assert answer.status_code == 201
    else:
        assert answer.status_code == 422 and answer.json["code"] == "text.control_character"
        assert answer.json["path"].startswith(f"/{field}/")


@pytest.mark.parametrize("control", CONTROLS)
def test_services_refuse_control_characters_in_every_name(svc: Services, control: str) -> None:
    org, _ = make_org(svc)
    attempts = [
        lambda s: service.create_org(s, svc.issuing, slug="evil", name_ko=f"기관{control}명", name_en="Org",
                                     now=NOW),
        lambda s: profile.update_profile(s.get_one(Org, org.id), profile.ProfileIn(name_ko="기관",
                                                                                   name_en=f"Org{control}X")),
        lambda s: staff_service.create_staff(s, email="new@acme.example", name=f"Staff{control}X",
                                             password="a long enough password", now=NOW),
        lambda s: Recipient(f"Name{control}X", "a@example.com"),
        lambda s: tokens.new_token(s, org=s.get_one(Org, org.id), label=f"CI{control}X", now=NOW),
        lambda s: service.create_achievement(s, org=s.get_one(Org, org.id), now=NOW, data=service.AchievementIn(
            name_ko=f"과정{control}명", name_en="", description_ko="", description_en="", criteria_ko="",
            criteria_en="")),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInput) as refused, transaction(svc.sessions) as session:
            attempt(session)
        assert refused.value.code == "text.control_character"


def test_a_wallet_name_with_a_line_break_is_refused(svc: Services) -> None:
    with pytest.raises(InvalidInput) as refused, transaction(svc.sessions) as session:
        accounts.sign_up(session, None, name="김\r\n지갑", email="w@example.com",  # type: ignore[arg-type]
                         password_hash="x", now=NOW)
    assert refused.value.code == "text.control_character"


def test_a_cohort_row_whose_name_has_a_control_character_is_a_row_problem_not_an_email_problem() -> None:
    sheet = cohorts.read_table("name,email\n홍\x07길동,gildong@example.com\n".encode())
    [row] = cohorts.check_rows(sheet, default_completed=NOW.date(), today=NOW.date())
    assert row.problem is not None and row.problem.code == "cohort.row.name_control"


def test_issuing_with_notify_never_fails_after_the_commit_when_a_stored_name_breaks_the_mail_header(
        mail_app: Flask, sink: SmtpSink) -> None:
    svc: Services = mail_app.extensions["badges"]
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    with transaction(svc.sessions) as session:  # stored before control characters were refused
        session.execute(update(Org).where(Org.id == org.id).values(name_ko="에이크미\r\nBcc: x@evil.example",
                                                                   name_en="Acme\nAcademy"))
    client = mail_app.test_client()
    url, auth = f"/api/v1/achievements/{course.public_id}/credentials", {"Authorization": f"Bearer {token}"}
    body = {"recipient": {"name": "B", "email": "b@example.com"}, "notify": True}
    first = client.post(url, json=body, headers=auth)
    assert first.status_code == 201 and first.headers["Notification-State"] == "sent"
    assert [recipients for _, recipients, _ in sink.messages] == [["b@example.com"]]
    message = parsed(sink.messages[0][2])
    assert message["Bcc"] is None and "Acme Academy" in message["Subject"]


def test_a_mail_header_the_library_refuses_is_kept_in_the_outbox_not_raised() -> None:
    from badges.errors import Unavailable
    from web.mail import Mail, send
    with pytest.raises(Unavailable) as kept:
        send(Mail(to="a@example.com\r\nBcc: x@evil.example", subject="s", text="t"),
             smtp_url="smtp://127.0.0.1:9", sender="badges@localhost")
    assert kept.value.code == "mail.invalid"

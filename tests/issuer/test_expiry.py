"""Badges that expire: reminders to the holder (and the organisation when it asks) before expiry, once per
threshold, through a real SMTP server; renewal through the one issuing path, linked to the badge it renews."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select

from badges import proofs
from bootstrap import cli
from bootstrap.cli import main
from bootstrap.wiring import Services
from bootstrap.wiring import build_services as cli_services
from issuer import reminders, renewals
from store.db import transaction
from store.issuing import ExpiryReminder
from store.models import Credential, Org
from store.wallet import Learner, LearnerEmail
from tests.conftest import SmtpSink
from tests.factories import NOW, console_post, enter_as, issue, make_course, make_org

EXPIRES = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)  # NOW + 12 months: 18:30 KST on 2 March 2027


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def wallet_holder(svc: Services, address: str) -> None:
    """A learner whose wallet account has `address` confirmed."""
    with transaction(svc.sessions) as session:
        learner = Learner(name="김민지", password_hash="x", did=f"did:key:z{address}", sealed_key=b"x", created_at=NOW)
        session.add(learner)
        session.flush()
        session.add(LearnerEmail(learner_id=learner.id, address=address, verified_address=address, verified_at=NOW,
                                 created_at=NOW))


@pytest.fixture
def mailing(svc: Services, smtp_server: tuple[str, SmtpSink]) -> tuple[Services, SmtpSink]:
    url, sink = smtp_server
    return replace(svc, settings=replace(svc.settings, smtp_url=url, mail_from="badges@academy.example")), sink


def two_expiring_badges(svc: Services, *, remind_issuer: bool) -> tuple[str, str]:
    """acme (contact ops@acme.example) issues two 12-month badges at NOW: to a wallet holder, and to someone
    without a wallet account."""
    org, _ = make_org(svc)
    with transaction(svc.sessions) as session:
        stored = session.get_one(Org, org.id)
        stored.email, stored.remind_issuer = "ops@acme.example", remind_issuer
    course = make_course(svc, org, valid_months=12)
    wallet_holder(svc, "minji.kim@example.com")
    return issue(svc, org, course), issue(svc, org, course, email="jiwoo@example.com", name="박지우",
                                          publish_name=False)


def test_the_holder_is_reminded_once_per_threshold_and_the_organisation_when_it_asks(
        mailing: tuple[Services, SmtpSink]) -> None:
    svc, sink = mailing
    held, _ = two_expiring_badges(svc, remind_issuer=True)
    assert reminders.remind_expiring(svc, now=EXPIRES - timedelta(days=31)) == reminders.Outcome(0, 0)

    month = EXPIRES - timedelta(days=29)
    assert reminders.remind_expiring(svc, now=month) == reminders.Outcome(sent=3, failed=0)  # two rows, one list
    assert reminders.remind_expiring(svc, now=month + timedelta(hours=1)) == reminders.Outcome(0, 0)
    assert len(sink.messages) == 2
    to = {tuple(recipients): parsed(raw) for _, recipients, raw in sink.messages}
    learner, issuer = to[("minji.kim@example.com",)], to[("ops@acme.example",)]

    assert learner.get_content_type() == "multipart/alternative"
    assert "「클라우드 네이티브 개발」 배지가 2027-03-02에 만료됩니다" in learner["Subject"]
    text, html = (learner.get_body((kind,)).get_content() for kind in ("plain", "html"))
    for body in (text, html):
        assert "2027-03-02" in body and f"http://badges.test/credentials/{held}" in body and "expires" in body
    issuer_text = issuer.get_body(("plain",)).get_content()
    assert "곧 만료되는 배지 2개" in issuer["Subject"] and "김민지" in issuer_text and "이름 비공개" in issuer_text
    assert "http://badges.test/console/acme/credentials/" in issuer_text

    week = EXPIRES - timedelta(days=6)
    assert reminders.remind_expiring(svc, now=week) == reminders.Outcome(sent=3, failed=0)
    assert reminders.remind_expiring(svc, now=week) == reminders.Outcome(0, 0)
    with transaction(svc.sessions) as session:
        rows = sorted((r.days, r.audience, r.state) for r in session.scalars(select(ExpiryReminder)))
    assert rows == [(7, "issuer", "sent")] * 2 + [(7, "learner", "sent")] + \
        [(30, "issuer", "sent")] * 2 + [(30, "learner", "sent")]


def test_a_run_after_a_long_pause_sends_only_the_nearest_reminder_and_none_for_renewed_badges(
        mailing: tuple[Services, SmtpSink]) -> None:
    svc, sink = mailing
    held, other = two_expiring_badges(svc, remind_issuer=False)
    with transaction(svc.sessions) as session:  # jiwoo gets a wallet too, and their badge is renewed
        renewals.renew(session, svc.issuing, org=session.get_one(Credential, other).org, credential_id=other,
                       name="박지우", email="jiwoo@example.com", actor="test", now=EXPIRES - timedelta(days=40))
    wallet_holder(svc, "jiwoo@example.com")
    assert reminders.remind_expiring(svc, now=EXPIRES - timedelta(days=3)) == reminders.Outcome(sent=1, failed=0)
    assert [recipients for _, recipients, _ in sink.messages] == [["minji.kim@example.com"]]
    with transaction(svc.sessions) as session:
        assert [(r.credential_id, r.days) for r in session.scalars(select(ExpiryReminder))] == [(held, 7)]


def test_a_failed_reminder_is_sent_by_the_next_run(svc: Services, smtp_server: tuple[str, SmtpSink]) -> None:
    url, sink = smtp_server
    two_expiring_badges(svc, remind_issuer=False)
    closed = replace(svc, settings=replace(svc.settings, smtp_url="smtp://127.0.0.1:9"))
    assert reminders.remind_expiring(closed, now=EXPIRES - timedelta(days=5)) == reminders.Outcome(0, 1)
    working = replace(svc, settings=replace(svc.settings, smtp_url=url))
    assert reminders.remind_expiring(working, now=EXPIRES - timedelta(days=4)) == reminders.Outcome(1, 0)
    assert reminders.remind_expiring(working, now=EXPIRES - timedelta(days=4)) == reminders.Outcome(0, 0)
    assert [r for _, r, _ in sink.messages] == [["minji.kim@example.com"]]


@pytest.mark.parametrize("days", ["0", "7,x", "400"])
def test_reminder_days_are_whole_days_up_to_a_year(days: str) -> None:
    with pytest.raises(reminders.InvalidInput) as refused:
        reminders.parse_days(days)
    assert refused.value.code == "reminders.days_invalid"


def test_the_issuer_renews_a_badge_through_the_api_once(app: Flask, svc: Services) -> None:
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org, valid_months=12)
    old = issue(svc, org, course)
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/credentials/{old}/renew"

    wrong = client.post(url, json={"recipient": {"name": "김민지", "email": "other@example.com"}}, headers=auth)
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "renew.not_recipient"
    past = client.post(url, json={"recipient": {"name": "김민지", "email": "minji.kim@example.com"},
                                  "validUntil": "2020-01-01T00:00:00Z"}, headers=auth)
    assert past.status_code == 422 and past.get_json()["code"] == "renew.valid_until_past"

    body = {"recipient": {"name": "김민지", "email": "minji.kim@example.com"}, "validUntil": "2030-12-31T14:59:59Z"}
    renewed = client.post(url, json=body, headers=auth)
    assert renewed.status_code == 201
    document = renewed.get_json()
    new = document["id"].rsplit("/", 1)[1]
    assert new != old and document["validUntil"] == "2030-12-31T14:59:59Z"
    assert document["credentialSubject"]["achievement"]["id"].endswith("/versions/1")
    assert client.post(url, json=body, headers=auth).get_json()["id"] == document["id"]  # renewing twice: one
    assert client.get(f"/api/v1/credentials/{new}", headers=auth).get_json()["renews"] == f"http://badges.test/credentials/{old}"
    assert client.get(f"/api/v1/credentials/{old}", headers=auth).get_json()["state"] == "active"  # left to expire

    again = client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers=auth, json={
        "recipient": {"name": "김민지", "email": "minji.kim@example.com"}, "completedAt": NOW.date().isoformat()})
    assert again.status_code == 200 and again.get_json()["id"] == document["id"]  # the award finds its renewal
    assert proofs.xsd_datetime(NOW) <= document["validFrom"]


def test_renew_from_the_command_line(app: Flask, svc: Services, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    org, _ = make_org(svc, "demo")
    old = issue(svc, org, make_course(svc, org, valid_months=12))
    monkeypatch.setenv("BADGES_DATABASE_URL", svc.settings.database_url)
    monkeypatch.setenv("BADGES_PUBLIC_URL", "http://badges.test")
    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", __import__("base64").b64encode(svc.issuing.kek).decode())
    monkeypatch.setenv("BADGES_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("BADGES_INSTANCE", str(svc.settings.instance_dir))
    built: list[Services] = []
    monkeypatch.setattr(cli, "build_services", lambda settings: built.append(cli_services(settings)) or built[-1])
    try:
        assert main(["renew", old, "--name", "김민지", "--email", "minji.kim@example.com",
                     "--valid-until", "2031-01-31"]) == 0
        assert main(["remind-expiring", "--days", "x"]) == 2
    finally:
        for services in built:
            services.engine.dispose()
    new = capsys.readouterr().out.strip().splitlines()[0].rsplit("/", 1)[1]
    with transaction(svc.sessions) as session:
        renewal = session.get_one(Credential, new)
        assert renewal.renews_id == old and renewal.valid_until == datetime(2031, 1, 31, 14, 59, 59, tzinfo=UTC)


def test_the_issuer_renews_from_the_console(app: Flask, svc: Services) -> None:
    org, _ = make_org(svc)
    old = issue(svc, org, make_course(svc, org, valid_months=12))
    client = app.test_client()
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    assert 'id="renew-link"' in client.get(f"/console/acme/credentials/{old}").get_data(as_text=True)
    form = client.get(f"/console/acme/credentials/{old}/renew").get_data(as_text=True)
    assert 'value="김민지"' in form and 'type="date"' in form  # the published name, filled in

    wrong = console_post(client, f"/console/acme/credentials/{old}/renew", {"name": "김민지", "email": "x@example.com"})
    assert wrong.status_code == 422 and "그 이름과 이메일로 발급되지 않았습니다" in wrong.get_data(as_text=True)
    done = console_post(client, f"/console/acme/credentials/{old}/renew", {
        "name": "김민지", "email": "minji.kim@example.com", "valid_until": "2030-06-30"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "배지를 갱신했습니다" in page and f'href="/console/acme/credentials/{old}"' in page
    new = done.headers["Location"].rsplit("/", 1)[1]
    with transaction(svc.sessions) as session:  # the last day in Korea, 23:59:59 KST
        assert session.get_one(Credential, new).valid_until == datetime(2030, 6, 30, 14, 59, 59, tzinfo=UTC)

"""The People page: invitations by e-mail over real SMTP, accepting them, roles, removal, the last owner."""
from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import audit, invitations
from store.console import Invitation, Membership, Role, StaffUser
from store.db import transaction
from store.models import Org
from tests.conftest import SmtpSink
from tests.factories import NOW, PASSWORD, make_org, make_staff
from tests.issuer.test_console_auth import csrf, enter_console, make_member
from web.settings import Settings

NEW_PASSWORD = "a new password for min"


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Settings:
    """The test settings with e-mail going to the real local SMTP server."""
    return replace(settings, smtp_url=smtp_server[0], mail_from="badges@badges.test")


@pytest.fixture
def sink(smtp_server: tuple[str, SmtpSink]) -> SmtpSink:
    return smtp_server[1]


@pytest.fixture
def owner(client: FlaskClient, svc: Services) -> Org:
    """Organisation acme with its owner signed in on `client`."""
    org, _ = make_org(svc, "acme")
    enter_console(client, make_member(svc, org, email="owner@acme.example"))
    return org


def post(client: FlaskClient, path: str, **form: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={**form, "csrf_token": csrf(client, "/console/acme/people")})


def invite(client: FlaskClient, address: str, role: str = "issuer"):  # type: ignore[no-untyped-def]
    return post(client, "/console/acme/people/invite", email=address, role=role)


def received(sink: SmtpSink, index: int = -1) -> EmailMessage:
    return email.message_from_bytes(sink.messages[index][2], policy=policy.default)  # type: ignore[return-value]


def link_in(message: EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"http://badges\.test(/console/invitations/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match[1]


def memberships(svc: Services, org: Org) -> dict[str, str]:
    with transaction(svc.sessions) as session:
        rows = session.execute(select(StaffUser.email, Membership.role).join(Membership)
                               .where(Membership.org_id == org.id)).all()
    return dict(rows)  # type: ignore[arg-type]


def actions(svc: Services, org: Org) -> list[str]:
    with transaction(svc.sessions) as session:
        return [e.action for e in reversed(audit.entries(session, org_id=org.id))]


def test_an_invitee_gets_a_korean_and_english_mail_and_creates_their_account_from_its_link(
        app: Flask, client: FlaskClient, svc: Services, owner: Org, sink: SmtpSink) -> None:
    response = invite(client, " Min.Park@Acme.example ")
    assert response.status_code == 302
    assert "min.park@acme.example" in client.get("/console/acme/people").get_data(as_text=True)
    mail_from, recipients, _ = sink.messages[0]
    message = received(sink)
    assert (mail_from, recipients) == ("badges@badges.test", ["min.park@acme.example"])
    assert "디지털 배지 콘솔 초대" in message["Subject"] and "Invitation to Acme Academy" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "acme 아카데미에서" in text and "발급 담당" in text and "as issuer" in text
    assert message.get_body(preferencelist=("html",)) is not None

    invitee = app.test_client()
    path = link_in(message)
    page = invitee.get(path).get_data(as_text=True)
    assert "계정 만들고 참여하기" in page and "min.park@acme.example" in page
    token = csrf(invitee, path)
    joined = invitee.post(path, data={"name": "박민", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
                                      "csrf_token": token})
    assert joined.status_code == 302 and joined.headers["Location"] == "/console/acme"
    assert "acme 아카데미에 오신 것을 환영합니다" in invitee.get("/console/acme").get_data(as_text=True)
    assert memberships(svc, owner)["min.park@acme.example"] == "issuer"
    assert actions(svc, owner) == ["staff.invite", "staff.join"]


def test_an_invitation_link_works_only_once(app: Flask, client: FlaskClient, svc: Services, owner: Org,
                                            sink: SmtpSink) -> None:
    invite(client, "min@acme.example")
    path, invitee = link_in(received(sink)), app.test_client()
    invitee.post(path, data={"name": "Min", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
                             "csrf_token": csrf(invitee, path)})
    again = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert again.status_code == 404
    assert "already used or cancelled" in again.get_data(as_text=True)


def test_an_expired_invitation_link_is_refused(app: Flask, svc: Services, owner: Org) -> None:
    with transaction(svc.sessions) as session:
        issued = invitations.invite(session, org=session.get_one(Org, owner.id), email="late@acme.example",
                                    role=Role.VIEWER, actor="cli", now=NOW - timedelta(days=30))
    response = app.test_client().get(f"/console/invitations/{issued.token}")
    assert response.status_code == 404
    assert "기간이 지난 초대 링크입니다" in response.get_data(as_text=True)


def test_a_form_that_does_not_match_keeps_the_name_and_says_what_is_wrong(
        app: Flask, client: FlaskClient, svc: Services, owner: Org, sink: SmtpSink) -> None:
    invite(client, "min@acme.example")
    path, invitee = link_in(received(sink)), app.test_client()
    for password, again, message in (("short", "short", "비밀번호는 10자 이상이어야 합니다"),
                                     (NEW_PASSWORD, NEW_PASSWORD + "!", "두 비밀번호가 같지 않습니다")):
        response = invitee.post(path, data={"name": "박민", "password": password, "password_again": again,
                                            "csrf_token": csrf(invitee, path)})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page and 'value="박민"' in page
    assert "min@acme.example" not in memberships(svc, owner)


def test_someone_with_an_account_signs_in_and_then_accepts(app: Flask, client: FlaskClient, svc: Services,
                                                           owner: Org, sink: SmtpSink) -> None:
    other, _ = make_org(svc, "globex")
    make_staff(svc, other, email="kim@globex.example")
    invite(client, "kim@globex.example", role="viewer")
    path, invitee = link_in(received(sink)), app.test_client()
    assert "이 이메일로 만든 계정이 있습니다" in invitee.get(path).get_data(as_text=True)
    assert invitee.post(path, data={"csrf_token": csrf(invitee, "/console/sign-in")}).headers["Location"].startswith(
        "/console/sign-in?next=/console/invitations/")
    token = csrf(invitee, "/console/sign-in")
    signed = invitee.post(f"/console/sign-in?next={path}", data={
        "email": "kim@globex.example", "password": PASSWORD, "csrf_token": token})
    assert signed.headers["Location"] == path
    joined = invitee.post(path, data={"csrf_token": csrf(invitee, path)})
    assert joined.headers["Location"] == "/console/acme"
    assert memberships(svc, owner)["kim@globex.example"] == "viewer"
    assert memberships(svc, other) == {"kim@globex.example": "owner"}


def test_an_invitation_cannot_be_accepted_by_an_account_of_another_address(
        app: Flask, client: FlaskClient, svc: Services, owner: Org, sink: SmtpSink) -> None:
    invite(client, "min@acme.example")
    path = link_in(received(sink))
    page = client.get(path)
    assert page.status_code == 409 and "로그아웃한 뒤 그 계정으로 수락하세요" in page.get_data(as_text=True)
    assert client.post(path, data={"csrf_token": csrf(client, "/console/acme")}).status_code == 409
    assert memberships(svc, owner) == {"owner@acme.example": "owner"}


def test_the_invitation_form_keeps_the_address_and_explains_a_mistake(client: FlaskClient, owner: Org,
                                                                      sink: SmtpSink) -> None:
    response = invite(client, "not an address")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "올바른 이메일 주소가 아닙니다" in page and 'value="not an address"' in page
    member = invite(client, "owner@acme.example")
    assert member.status_code == 409 and "이미 이 기관의 구성원입니다" in member.get_data(as_text=True)
    assert sink.messages == []


def test_inviting_the_same_address_again_renews_the_invitation_and_retires_the_old_link(
        app: Flask, client: FlaskClient, svc: Services, owner: Org, sink: SmtpSink) -> None:
    invite(client, "min@acme.example", role="viewer")
    invite(client, "min@acme.example", role="issuer")
    first, second = link_in(received(sink, 0)), link_in(received(sink, 1))
    with transaction(svc.sessions) as session:
        pending = invitations.pending(session, org_id=owner.id, now=NOW)
    assert [(i.email, i.role) for i in pending] == [("min@acme.example", "issuer")]
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_a_cancelled_invitation_link_stops_working(app: Flask, client: FlaskClient, svc: Services, owner: Org,
                                                   sink: SmtpSink) -> None:
    invite(client, "min@acme.example")
    with transaction(svc.sessions) as session:
        invitation_id = invitations.pending(session, org_id=owner.id, now=NOW)[0].id
    assert post(client, f"/console/acme/invitations/{invitation_id}/cancel").status_code == 302
    assert app.test_client().get(link_in(received(sink))).status_code == 404
    assert actions(svc, owner) == ["staff.invite", "staff.invite_cancel"]


def test_a_failed_send_is_shown_on_the_people_page_and_can_be_resent(
        settings: Settings, svc: Services, smtp_server: tuple[str, SmtpSink]) -> None:
    org, _ = make_org(svc, "acme")
    me = make_member(svc, org, email="owner@acme.example")
    down = create_app(replace(settings, smtp_url="smtp://127.0.0.1:9"))  # nothing listens on the discard port
    client = down.test_client()
    enter_console(client, me)
    invite(client, "min@acme.example")
    page = client.get("/console/acme/people").get_data(as_text=True)
    assert "초대 메일을 보내지 못했습니다" in page
    with transaction(svc.sessions) as session:
        invitation = session.scalars(select(Invitation)).one()
        assert invitation.sent_at is None and invitation.send_error
    down.extensions["badges"].engine.dispose()

    working = create_app(settings)  # the same database, now with a working SMTP server
    up = working.test_client()
    enter_console(up, me)
    assert post(up, f"/console/acme/invitations/{invitation.id}/resend").status_code == 302
    assert "메일 보냄" in up.get("/console/acme/people").get_data(as_text=True)
    assert len(smtp_server[1].messages) == 1
    assert working.test_client().get(link_in(received(smtp_server[1]))).status_code == 200
    assert actions(svc, org) == ["staff.invite", "staff.invite_resend"]
    working.extensions["badges"].engine.dispose()


def test_owner_changes_a_role_but_the_last_owner_cannot_step_down(client: FlaskClient, svc: Services,
                                                                  owner: Org) -> None:
    lee = make_member(svc, owner, email="lee@acme.example", role="viewer")
    with transaction(svc.sessions) as session:
        me = session.scalars(select(StaffUser).where(StaffUser.email == "owner@acme.example")).one()
    assert post(client, f"/console/acme/people/{lee.id}/role", role="issuer").status_code == 302
    refused = post(client, f"/console/acme/people/{me.id}/role", role="viewer")
    assert refused.status_code == 409
    assert "관리자가 한 명 이상 있어야 합니다" in refused.get_data(as_text=True)
    assert memberships(svc, owner) == {"owner@acme.example": "owner", "lee@acme.example": "issuer"}
    assert post(client, f"/console/acme/people/{lee.id}/role", role="owner").status_code == 302
    assert post(client, f"/console/acme/people/{me.id}/role", role="viewer").headers["Location"] == "/console/acme"
    assert memberships(svc, owner) == {"owner@acme.example": "viewer", "lee@acme.example": "owner"}
    assert actions(svc, owner) == ["staff.role"] * 3


def test_owner_removes_a_member_but_never_the_last_owner(client: FlaskClient, svc: Services, owner: Org) -> None:
    lee = make_member(svc, owner, email="lee@acme.example", role="issuer")
    with transaction(svc.sessions) as session:
        me = session.scalars(select(StaffUser).where(StaffUser.email == "owner@acme.example")).one()
    assert post(client, f"/console/acme/people/{me.id}/remove").status_code == 409
    assert post(client, f"/console/acme/people/{lee.id}/remove").status_code == 302
    assert memberships(svc, owner) == {"owner@acme.example": "owner"}
    assert actions(svc, owner) == ["staff.remove"]


def test_an_owner_cannot_touch_members_or_invitations_of_another_organisation(
        client: FlaskClient, svc: Services, owner: Org) -> None:
    globex, _ = make_org(svc, "globex")
    stranger = make_member(svc, globex, email="boss@globex.example")
    with transaction(svc.sessions) as session:
        issued = invitations.invite(session, org=session.get_one(Org, globex.id), email="x@globex.example",
                                    role=Role.VIEWER, actor="cli", now=NOW + timedelta(days=365 * 10))
    for path, form in ((f"/console/acme/people/{stranger.id}/role", {"role": "viewer"}),
                       (f"/console/acme/people/{stranger.id}/remove", {}),
                       (f"/console/acme/invitations/{issued.invitation.id}/cancel", {}),
                       (f"/console/acme/invitations/{issued.invitation.id}/resend", {})):
        assert post(client, path, **form).status_code == 404, path
    assert memberships(svc, globex) == {"boss@globex.example": "owner"}

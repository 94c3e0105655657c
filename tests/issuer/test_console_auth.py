"""Console sign-in: sessions, CSRF, roles, and organisations kept apart."""
from __future__ import annotations

import re
import secrets

import pytest
from flask.testing import FlaskClient

from badges.errors import InvalidInput

from issuer import staff as staff_service
from issuer.console import STAFF
from store.console import Role, StaffUser
from store.db import transaction
from store.models import Org
from tests.factories import NOW, PASSWORD, make_org, make_staff
from bootstrap.wiring import Services
from web.security import CSRF_FIELD


def csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match[1]


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf(client, "/console/sign-in")
    return client.post("/console/sign-in", data={"email": email, "password": password, "csrf_token": token})


def enter_console(client: FlaskClient, staff: StaffUser) -> None:
    """Start the session a sign-in would start, without the deliberately slow argon2 check (the sign-in form
    itself is tested in this module)."""
    with client.session_transaction() as session:
        session[STAFF] = staff.id
        session[CSRF_FIELD] = secrets.token_urlsafe(32)


def make_member(svc: Services, org: Org, *, email: str, role: str = "owner") -> StaffUser:
    """A console account with `role` in `org` that has no usable password (skips argon2's deliberate slowness;
    pair it with enter_console)."""
    with transaction(svc.sessions) as session:
        person = StaffUser(email=email, name=email.split("@")[0], password_hash="!", created_at=NOW)
        session.add(person)
        session.flush()
        staff_service.grant(session, staff=person, org=session.get_one(Org, org.id), role=Role(role), now=NOW)
        return person


def test_staff_signs_in_and_lands_in_their_organisation(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example", role="issuer")
    response = sign_in(client, "LEE@acme.example ")
    assert response.status_code == 302 and response.headers["Location"] == "/console"
    assert client.get("/console").headers["Location"] == "/console/acme"
    page = client.get("/console/acme?lang=en").get_data(as_text=True)
    assert "Acme Academy" in page and "Signed in as issuer." in page


@pytest.mark.parametrize("email, password", [("lee@acme.example", "wrong password!"),
                                             ("nobody@acme.example", PASSWORD)])
def test_a_wrong_password_or_unknown_account_gets_the_same_answer(client: FlaskClient, svc: Services,
                                                                   email: str, password: str) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert "이메일 또는 비밀번호가 맞지 않습니다" in response.get_data(as_text=True)
    assert client.get("/console/acme").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    response = client.post("/console/sign-in", data={"email": "lee@acme.example", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/acme").status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in_and_back(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    response = client.get("/console/acme")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/sign-in?next=")
    token = csrf(client, "/console/sign-in")
    back = client.post("/console/sign-in?next=/console/acme", data={
        "email": "lee@acme.example", "password": PASSWORD, "csrf_token": token})
    assert back.headers["Location"] == "/console/acme"
    evil = client.post("/console/sign-in?next=//evil.example/", data={
        "email": "lee@acme.example", "password": PASSWORD, "csrf_token": csrf(client, "/console/sign-in")})
    assert evil.headers["Location"] == "/console"


def test_staff_of_one_organisation_cannot_open_another(client: FlaskClient, svc: Services) -> None:
    acme, _ = make_org(svc, "acme")
    make_org(svc, "globex")
    make_staff(svc, acme, email="lee@acme.example")
    sign_in(client, "lee@acme.example")
    assert client.get("/console/globex").status_code == 404
    assert client.get("/console/nowhere").status_code == 404


def test_signing_out_ends_the_session(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    sign_in(client, "lee@acme.example")
    token = csrf(client, "/console/acme")
    assert client.post("/console/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/acme").status_code == 302


def test_an_organisation_cannot_take_the_name_of_a_console_page(svc: Services) -> None:
    with pytest.raises(InvalidInput, match="console page"):
        make_org(svc, "sign-in")

"""Console sign-in: sessions, CSRF, roles, and organisations kept apart."""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import RedisStorage

from badges.errors import InvalidInput
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import staff as staff_service
from issuer.console import STAFF
from store.console import Role, StaffUser
from store.counters import DatabaseStorage
from store.db import transaction
from store.models import Org
from tests.conftest import LiveServer
from tests.factories import NOW, PASSWORD, make_org, make_staff
from tests.parallel import post_at_once
from web import ratelimit, throttle
from web.ratelimit import LIMITS
from web.security import CSRF_FIELD, generation_key
from web.settings import Settings

REDIS_URL = os.environ.get("BADGES_TEST_REDIS", "redis://127.0.0.1:6379/0")


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
        session[generation_key(STAFF)] = staff.session_generation
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


# `next` as it arrives in the query string: decoded, these are a tab, a backslash, CR/LF, a scheme
NASTY_NEXT = ["/%09/evil.example/", "/%5Cevil.example/", "%2F%2Fevil.example", "/%0D%0A/evil.example/",
              "https:evil.example", "%09//evil.example", "/%0d%0aSet-Cookie:%20a=b"]


@pytest.mark.parametrize("nasty", NASTY_NEXT)
def test_sign_in_never_sends_anyone_to_another_site(client: FlaskClient, svc: Services, nasty: str) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    response = client.post(f"/console/sign-in?next={nasty}", data={
        "email": "lee@acme.example", "password": PASSWORD, "csrf_token": csrf(client, "/console/sign-in")})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "evil.example" not in location


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


def test_sign_in_is_throttled_per_account_and_says_when_to_try_again(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    codes = [sign_in(client, "lee@acme.example", f"wrong password {i}").status_code for i in range(25)]
    assert codes == [401] * 5 + [429] * 20
    refused = sign_in(client, "LEE@acme.example")  # the right password does not get through either
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "로그인 시도가 너무 많습니다" in refused.get_data(as_text=True)
    english = client.post("/console/sign-in?lang=en", data={"email": "lee@acme.example", "password": PASSWORD,
                                                            "csrf_token": csrf(client, "/console/sign-in")})
    assert "Too many sign-in attempts. Try again in 15 minutes." in english.get_data(as_text=True)
    assert client.get("/console/acme").status_code == 302


def test_a_successful_sign_in_forgets_the_accounts_failed_attempts(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    for _ in range(2):
        assert [sign_in(client, "lee@acme.example", "wrong password!").status_code for _ in range(4)] == [401] * 4
        assert sign_in(client, "lee@acme.example").status_code == 302


def test_sign_in_is_throttled_per_client_address_across_accounts(app: Flask, svc: Services,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "SIGN_IN_PER_CLIENT", replace(throttle.SIGN_IN_PER_CLIENT, limit=8))  # not 100
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    codes = [sign_in(guesser, f"user{i}@acme.example", "wrong password!").status_code for i in range(9)]
    assert codes == [401] * 8 + [429]
    someone_else = app.test_client()
    someone_else.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    assert sign_in(someone_else, "user0@acme.example", "wrong password!").status_code == 401


def test_parallel_guesses_cannot_race_past_the_limit(live_server: LiveServer) -> None:
    org, _ = make_org(live_server.services, "acme")
    make_staff(live_server.services, org, email="lee@acme.example")
    codes = post_at_once(live_server.url, "/console/sign-in", {"email": "lee@acme.example",
                                                               "password": "wrong password!"}, 16)
    assert sorted(codes) == [401] * 5 + [429] * 11


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["database", "redis"])
def test_the_limit_holds_across_app_processes(settings: Settings, redis_url: str | None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # keys of this test's own: a reset of the shared prefix would wipe the counts of a test run going on beside
    monkeypatch.setattr(ratelimit, "REDIS_PREFIX", f"{ratelimit.REDIS_PREFIX}-{secrets.token_hex(6)}")
    apps = [create_app(replace(settings, redis_url=redis_url)) for _ in range(2)]
    storage = apps[0].extensions[LIMITS].storage
    assert isinstance(storage, RedisStorage if redis_url else DatabaseStorage)
    storage.reset()  # Redis outlives the test's database
    try:
        org, _ = make_org(apps[0].extensions["badges"], "acme")
        make_staff(apps[0].extensions["badges"], org, email="lee@acme.example")
        clients = [app.test_client() for app in apps]
        codes = [sign_in(clients[i % 2], "lee@acme.example", "wrong password!").status_code for i in range(6)]
        assert codes == [401] * 5 + [429]
    finally:
        storage.reset()
        for app in apps:
            app.extensions["badges"].engine.dispose()


def test_a_session_cookie_copied_before_sign_out_no_longer_opens_the_console(client: FlaskClient, app: Flask,
                                                                            svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    make_staff(svc, org, email="lee@acme.example")
    sign_in(client, "lee@acme.example")
    copied = client.get_cookie("session")
    assert copied is not None
    client.post("/console/sign-out", data={"csrf_token": csrf(client, "/console/acme")})
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/console/acme").status_code == 302
    assert thief.get("/console").headers["Location"] == "/console/sign-in"


def test_a_password_change_ends_the_sessions_opened_before(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    person = make_staff(svc, org, email="lee@acme.example")
    sign_in(client, "lee@acme.example")
    assert client.get("/console/acme").status_code == 200
    with transaction(svc.sessions) as session:
        staff_service.set_password(session.get_one(StaffUser, person.id), "another long password")
    assert client.get("/console/acme").status_code == 302


def test_an_organisation_cannot_take_the_name_of_a_console_page(svc: Services) -> None:
    with pytest.raises(InvalidInput, match="console page"):
        make_org(svc, "sign-in")

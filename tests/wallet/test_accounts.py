"""Learner accounts: e-mail confirmation by a real mail, passwords, throttling, one-time sign-in links."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from badges.errors import Conflict, InvalidInput
from bootstrap.wiring import Services
from store.db import transaction
from store.wallet import Learner, LearnerEmail
from tests.conftest import LiveServer
from tests.factories import issue, make_course, make_org
from tests.parallel import post_at_once
from tests.wallet.people import PASSWORD, Mailbox, add_address, post, sign_in, sign_up
from wallet import accounts
from wallet.web import wallet_context
from web import throttle
from web.http import utcnow


def test_sign_up_mails_a_link_that_confirms_the_address_and_opens_the_wallet(client: FlaskClient,
                                                                               mailbox: Mailbox) -> None:
    response = post(client, "/wallet/signup", {"name": "김민지", "email": " Minji.Kim@Example.com ",
                                               "password": PASSWORD})
    assert response.headers["Location"].endswith("/wallet/check-email")
    assert "minji.kim@example.com" in client.get("/wallet/check-email").get_data(as_text=True)
    assert client.get("/wallet").status_code == 302  # not signed in before the address is confirmed
    mail = mailbox.to("minji.kim@example.com")[-1]
    assert "이메일 주소를 확인해 주세요" in mail["Subject"] and "Confirm your e-mail address" in mail["Subject"]

    link = mailbox.link("minji.kim@example.com")
    assert "주소 확인하기" in client.get(link).get_data(as_text=True)  # opening the link alone changes nothing
    response = post(client, link)
    assert response.headers["Location"].endswith("/wallet")
    page = client.get("/wallet").get_data(as_text=True)
    assert "김민지" in page and "아직 배지가 없습니다" in page


def test_sign_in_needs_a_confirmed_address_and_the_right_password(client: FlaskClient, mailbox: Mailbox) -> None:
    post(client, "/wallet/signup", {"name": "Alex Kim", "email": "alex@example.com", "password": PASSWORD})
    refused = sign_in(client, "alex@example.com")
    assert refused.status_code == 401 and 'data-code="wallet.sign_in_failed"' in refused.get_data(as_text=True)
    post(client, mailbox.link("alex@example.com"))
    post(client, "/wallet/signout")
    assert client.get("/wallet").status_code == 302

    wrong = sign_in(client, "alex@example.com", "not the password")
    assert wrong.status_code == 401
    assert 'value="alex@example.com"' in wrong.get_data(as_text=True)  # what was typed is kept
    assert sign_in(client, "ALEX@example.com").headers["Location"].endswith("/wallet")
    assert client.get("/wallet?lang=en").status_code == 200


def test_a_short_password_is_refused_and_the_form_keeps_the_name_and_address(client: FlaskClient) -> None:
    response = post(client, "/wallet/signup", {"name": "박지우", "email": "jiwoo@example.com", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="박지우"' in page and 'value="jiwoo@example.com"' in page and "10" in page


def test_sign_in_is_throttled_after_five_failures_even_with_the_right_password(client: FlaskClient,
                                                                                mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    post(client, "/wallet/signout")
    for _ in range(5):
        assert sign_in(client, "minji@example.com", "guess guess guess").status_code == 401
    throttled = sign_in(client, "minji@example.com")
    assert throttled.status_code == 429
    assert 'data-code="wallet.too_many_attempts"' in throttled.get_data(as_text=True)


@pytest.mark.parametrize("nasty", ["/%09/evil.example/", "/%0D%0A/evil.example/", "/%5Cevil.example/",
                                   "%2F%2Fevil.example", "https:evil.example",
                                   "/wallet%0D%0ASet-Cookie:%20a=b"])
def test_sign_in_never_sends_anyone_to_another_site(client: FlaskClient, mailbox: Mailbox, nasty: str) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    post(client, "/wallet/signout")
    response = post(client, f"/wallet/signin?next={nasty}", {"email": "minji@example.com", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/wallet") and "evil.example" not in location


def test_a_session_cookie_copied_before_sign_out_no_longer_opens_the_wallet(client: FlaskClient, app: Flask,
                                                                           mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    copied = client.get_cookie("session")
    assert copied is not None
    post(client, "/wallet/signout")
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/wallet").status_code == 302
    assert thief.get("/wallet/account").status_code == 302


def test_a_throttled_sign_in_says_when_to_try_again(client: FlaskClient, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    post(client, "/wallet/signout")
    for _ in range(5):
        sign_in(client, "minji@example.com", "guess guess guess")
    throttled = sign_in(client, "minji@example.com")
    assert throttled.status_code == 429 and 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    assert "15분 뒤에 다시 시도하세요" in throttled.get_data(as_text=True)


def test_parallel_guesses_cannot_race_past_the_limit(live_server: LiveServer) -> None:
    codes = post_at_once(live_server.url, "/wallet/signin", {"email": "minji@example.com",
                                                             "password": "guess guess guess"}, 16)
    assert sorted(codes) == [401] * 5 + [429] * 11


def test_sign_up_mails_an_address_a_few_times_an_hour_however_often_it_is_asked(client: FlaskClient,
                                                                                 mailbox: Mailbox) -> None:
    answers = {post(client, "/wallet/signup", {"name": "Mallory", "email": "victim@example.com",
                                               "password": PASSWORD}).headers["Location"] for _ in range(10)}
    assert len(mailbox.to("victim@example.com")) == 5
    assert answers == {"/wallet/check-email"}  # nothing tells the asker that mails stopped
    assert "victim@example.com" in client.get("/wallet/check-email").get_data(as_text=True)
    post(client, "/wallet/check-email")
    assert len(mailbox.to("victim@example.com")) == 5


def test_one_client_gets_a_limited_number_of_mails_sent_an_hour(app: Flask, mailbox: Mailbox,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "MAIL_PER_CLIENT", replace(throttle.MAIL_PER_CLIENT, limit=6))  # not 60
    flooder = app.test_client()
    flooder.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for i in range(10):
        post(flooder, "/wallet/signup", {"name": "Mallory", "email": f"victim{i}@example.com", "password": PASSWORD})
    assert len(mailbox.sink.messages) == 6
    someone = app.test_client()
    someone.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    post(someone, "/wallet/signup", {"name": "Minji", "email": "minji@example.com", "password": PASSWORD})
    assert len(mailbox.to("minji@example.com")) == 1


def test_an_emailed_sign_in_link_works_once(client: FlaskClient, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    post(client, "/wallet/signout")
    sent = post(client, "/wallet/signin-link", {"email": "minji@example.com"})
    unknown = post(client, "/wallet/signin-link", {"email": "nobody@example.com"})
    assert sent.get_data(as_text=True) == unknown.get_data(as_text=True)  # tells no one which addresses exist
    assert mailbox.to("nobody@example.com") == []
    link = mailbox.link("minji@example.com")
    assert "/wallet/signin-link/" in link
    assert post(client, link).headers["Location"].endswith("/wallet")
    post(client, "/wallet/signout")
    again = post(client, link)
    assert again.status_code == 422 and 'data-code="wallet.link_used"' in again.get_data(as_text=True)


def test_signing_up_with_a_taken_address_mails_its_owner_instead_of_saying_so(client: FlaskClient,
                                                                               app: Flask, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    intruder = app.test_client()
    response = post(intruder, "/wallet/signup", {"name": "Mallory", "email": "minji@example.com",
                                                 "password": "another password"})
    assert response.headers["Location"].endswith("/wallet/check-email")  # the same answer as a new address
    assert "already has one" in mailbox.text(mailbox.to("minji@example.com")[-1])
    assert sign_in(intruder, "minji@example.com", "another password").status_code == 401


def test_an_address_confirmed_by_one_learner_cannot_be_confirmed_by_another(client: FlaskClient, app: Flask,
                                                                            mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    other = app.test_client()
    sign_up(other, mailbox, name="Mallory", address="mallory@example.com")
    post(other, "/wallet/account/emails", {"email": "shared@example.com"})
    squatter_link = mailbox.link("shared@example.com")
    add_address(client, mailbox, "shared@example.com")  # the real owner confirms first
    response = post(other, squatter_link)
    assert response.status_code == 409
    assert 'data-code="wallet.email_taken"' in response.get_data(as_text=True)


def test_the_mail_and_page_for_an_added_address_name_the_wallet_it_would_join(client: FlaskClient, app: Flask,
                                                                              mailbox: Mailbox) -> None:
    sign_up(client, mailbox, name="Mallory Park", address="mallory@example.com")
    post(client, "/wallet/account/emails", {"email": "minji@example.com"})
    mail = mailbox.to("minji@example.com")[-1]
    text = mailbox.text(mail)
    assert "Mallory Park(mallory@example.com) 님이 자신의 배지 지갑에" in text
    assert "Mallory Park (mallory@example.com) asked to add this address to their badge wallet" in text
    assert "Mallory Park" in mail["Subject"] and "your wallet" not in text
    owner = app.test_client()
    page = owner.get(mailbox.link("minji@example.com")).get_data(as_text=True)
    assert "minji@example.com 주소를 Mallory Park(mallory@example.com) 님의 지갑에 추가합니다" in page
    english = owner.get(mailbox.link("minji@example.com") + "?lang=en").get_data(as_text=True)
    assert "This adds minji@example.com to the wallet of Mallory Park (mallory@example.com)." in english


def test_the_sign_up_mail_names_the_new_wallet(client: FlaskClient, mailbox: Mailbox) -> None:
    post(client, "/wallet/signup", {"name": "Mallory Park", "email": "minji@example.com", "password": PASSWORD})
    text = mailbox.text(mailbox.to("minji@example.com")[-1])
    assert "'Mallory Park' 이름의 배지 지갑" in text and "a badge wallet named “Mallory Park”" in text


def test_badges_never_leave_a_wallet_whose_address_someone_else_adds(client: FlaskClient, app: Flask, svc: Services,
                                                                     mailbox: Mailbox) -> None:
    org, _ = make_org(svc, "acme")
    issue(svc, org, make_course(svc, org), email="minji@example.com")
    sign_up(client, mailbox, name="김민지", address="minji@example.com")
    assert "클라우드 네이티브 개발" in client.get("/wallet").get_data(as_text=True)
    mallory = app.test_client()
    sign_up(mallory, mailbox, name="Mallory", address="mallory@example.com")
    post(mallory, "/wallet/account/emails", {"email": "minji@example.com"})
    link = mailbox.link("minji@example.com")

    signed_in_victim = post(client, link)
    assert signed_in_victim.status_code == 409
    assert 'data-code="wallet.confirm_other_wallet"' in signed_in_victim.get_data(as_text=True)
    elsewhere = app.test_client()
    assert 'data-code="wallet.email_taken"' in elsewhere.get(link).get_data(as_text=True)  # said before pressing
    pressed = post(elsewhere, link)
    assert pressed.status_code == 409
    assert "계정 탭에서 이 주소를 삭제한 뒤" in pressed.get_data(as_text=True)
    assert "클라우드 네이티브 개발" in client.get("/wallet").get_data(as_text=True)
    assert "클라우드 네이티브 개발" not in mallory.get("/wallet").get_data(as_text=True)


def test_links_expire_and_forged_ones_are_refused(app: Flask, svc: Services, mailbox: Mailbox) -> None:
    client = app.test_client()
    post(client, "/wallet/signup", {"name": "Alex", "email": "alex@example.com", "password": PASSWORD})
    token = mailbox.link("alex@example.com").rsplit("/", 1)[1]
    with app.test_request_context():
        ctx = wallet_context()
    with transaction(svc.sessions) as session:
        with pytest.raises(InvalidInput) as expired:
            accounts.confirm(session, ctx, token, now=utcnow() + timedelta(days=3))
        with pytest.raises(InvalidInput) as forged:
            accounts.confirm(session, ctx, token[:-3] + "abc", now=utcnow())
    assert (expired.value.code, forged.value.code) == ("wallet.link_expired", "wallet.link_invalid")
    with transaction(svc.sessions) as session:
        row, first = accounts.confirm(session, ctx, token, now=utcnow())
        assert first and row.verified_address == "alex@example.com"


def test_the_last_confirmed_address_cannot_be_removed(client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    with transaction(svc.sessions) as session:
        row = session.scalars(select(LearnerEmail).where(LearnerEmail.address == "minji@example.com")).one()
        learner = session.get_one(Learner, row.learner_id)
        with pytest.raises(Conflict):
            accounts.remove_address(session, learner, row.id)

"""Learner accounts: e-mail confirmation by a real mail, passwords, throttling, one-time sign-in links."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from badges.errors import Conflict, InvalidInput
from store.db import transaction
from store.wallet import Learner, LearnerEmail
from tests.wallet.people import PASSWORD, Mailbox, add_address, post, sign_in, sign_up
from wallet import accounts
from wallet.web import wallet_context
from bootstrap.wiring import Services
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

"""A learner deletes their wallet: the password confirms it, every personal row goes (addresses, collected and
imported badges, share links, sessions), and the badges organisations issued to them still verify by their own
signature and status list. In Chromium too, in Korean and in English."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from bootstrap.wiring import Services
from store.db import transaction
from store.models import Credential
from store.wallet import Learner, LearnerEmail, ShareLink, WalletItem
from tests.conftest import LiveServer, SmtpSink
from tests.factories import issue, make_course, make_org
from tests.wallet.people import PASSWORD, Mailbox, add_address, post, sign_in, sign_up
from tests.wallet.test_sharing import share_links, two_badges
from web.settings import Settings


def counts(svc: Services) -> dict[str, int]:
    with transaction(svc.sessions) as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Learner, LearnerEmail, WalletItem, ShareLink)}


def test_the_wrong_password_or_no_tick_deletes_nothing(client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    before = counts(svc)
    assert client.get("/wallet/account/delete").status_code == 200
    wrong = post(client, "/wallet/account/delete", {"password": "not my password", "understood": "1"})
    assert wrong.status_code == 401 and "비밀번호가 맞지 않습니다" in wrong.get_data(as_text=True)
    unticked = post(client, "/wallet/account/delete", {"password": PASSWORD})
    assert unticked.status_code == 422 and "확인란을 선택하세요" in unticked.get_data(as_text=True)
    assert counts(svc) == before
    assert client.get("/wallet").status_code == 200  # still signed in


def test_deleting_the_wallet_erases_everything_personal_and_issued_badges_still_verify(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)  # one issued here, one imported from another issuer
    add_address(client, mailbox, "minji.work@example.com")
    post(client, "/wallet/share", {"label": "ACME 지원"})
    [profile] = share_links(client.get("/wallet/share").get_data(as_text=True))
    post(client, f"/wallet/items/{ids['Python 기초']}/share")
    assert counts(svc) == {"learners": 1, "learner_emails": 2, "wallet_items": 2, "share_links": 2}
    with transaction(svc.sessions) as session:
        issued = session.scalars(select(Credential)).one()
        credential_id, document = issued.id, issued.document

    response = post(client, "/wallet/account/delete", {"password": PASSWORD, "understood": "1"})
    assert response.status_code == 200 and "지갑이 삭제되었습니다" in response.get_data(as_text=True)
    assert counts(svc) == {"learners": 0, "learner_emails": 0, "wallet_items": 0, "share_links": 0}
    assert client.get("/wallet").status_code == 302  # signed out
    assert app.test_client().get(profile).status_code == 404  # share links are gone
    assert sign_in(app.test_client(), "minji@example.com").status_code == 401

    verifier = app.test_client()
    report = verifier.post("/api/v1/verify", json={"credential": json.loads(document)}).get_json()
    assert report["verified"] is True, report
    landing = verifier.get(f"/v/{credential_id}").get_data(as_text=True)
    assert 'data-verdict="valid"' in landing

    sign_up(client, mailbox, address="minji@example.com")  # a new wallet with the same address collects it again
    assert "클라우드 네이티브 개발" in client.get("/wallet").get_data(as_text=True)


@pytest.fixture
def server(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[LiveServer]:
    live = LiveServer(replace(settings, smtp_url=smtp_server[0]))
    live.start()
    yield live
    live.stop()


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "texts"), [
    ("ko", ("지갑 삭제", "비밀번호가 맞지 않습니다", "지갑이 삭제되었습니다")),
    ("en", ("Delete my wallet", "The password is wrong", "Your wallet was deleted")),
])
def test_a_learner_deletes_their_wallet_in_the_browser(lang: str, texts: tuple[str, str, str], server: LiveServer,
                                                        chromium_browser: Browser,
                                                        smtp_server: tuple[str, SmtpSink]) -> None:
    org, _ = make_org(server.services, "bootcamp")
    credential_id = issue(server.services, org, make_course(server.services, org), email="minji.kim@example.com")
    context = chromium_browser.new_context(locale="ko-KR" if lang == "ko" else "en-US",
                                           viewport={"width": 412, "height": 915}, extra_http_headers={
                                               "Accept-Language": "ko-KR,ko;q=0.9" if lang == "ko" else "en-US,en"})
    page = context.new_page()
    page.goto(f"{server.url}/wallet/signup")
    page.fill("#name", "김민지")
    page.fill("#email", "minji.kim@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(server.url + Mailbox(smtp_server[1], server.url).link("minji.kim@example.com"))
    page.click("#use-link")
    assert page.url == f"{server.url}/wallet"

    page.goto(f"{server.url}/wallet/account")
    assert texts[0] in page.inner_text("#delete")
    page.click("#delete-link")
    page.fill("#password", "not my password")
    page.check("#understood")
    page.click("#delete")
    expect(page.locator("main")).to_contain_text(texts[1])  # waits for the page the refusal answers with
    page.fill("#password", PASSWORD)
    page.check("#understood")
    page.click("#delete")
    expect(page.locator("#account-deleted")).to_contain_text(texts[2])
    page.goto(f"{server.url}/wallet")
    assert "/wallet/signin" in page.url

    page.goto(f"{server.url}/v/{credential_id}")  # what an employer scanning the badge's QR code sees
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    context.close()

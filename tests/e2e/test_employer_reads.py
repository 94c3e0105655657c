"""What an employer sees is never misleading: a forged badge's words are shown as its claim, a revoked badge says
when and why, another of the candidate's addresses is "not confirmed" (not "forged"), and a bad input keeps the
form with a message next to the field, all in a real headless Chromium."""
from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from issuer import service
from store.db import transaction
from store.models import Org
from tests.conftest import LiveServer
from tests.e2e.test_korea_time import keep
from tests.factories import issue, make_course, make_org

REVOKED_AT = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # 01:00 on 3 December in Seoul


def our_badge(live_server: LiveServer) -> tuple[str, Org]:
    svc = live_server.services
    org, _ = make_org(svc, "hanbit")
    return issue(svc, org, make_course(svc, org), email="minji.kim@example.com", name="김민지"), org


def forged(live_server: LiveServer, credential_id: str) -> str:
    """The badge's JSON with its title and holder's name changed after signing."""
    with urllib.request.urlopen(f"{live_server.url}/credentials/{credential_id}.json", timeout=30) as response:
        document = json.loads(response.read())
    document["credentialSubject"]["achievement"]["name"] = "의사 면허"
    document["credentialSubject"]["name"] = "홍길동"
    return json.dumps(document, ensure_ascii=False)


def test_a_forged_badge_shows_its_title_only_as_an_unverified_claim(live_server: LiveServer, page: Page) -> None:
    credential_id, _ = our_badge(live_server)
    page.goto(f"{live_server.url}/verify")
    page.fill("#credential", forged(live_server, credential_id))
    page.click("button[type=submit]")
    keep(page, "forged-ko")
    assert page.get_attribute("#verdict", "data-verdict") == "not_genuine"
    summary = page.locator("#summary")
    assert summary.get_attribute("data-trusted") == "false"
    assert "문서에 적힌 내용 (확인되지 않음)" in summary.inner_text()
    assert page.locator("h1", has_text="의사 면허").count() == 0  # never a heading, as if it were the badge
    assert page.locator("#member.member").count() == 0  # nor "registered member", which the forger claims


def test_a_revoked_badge_says_when_and_why_on_its_page_and_report(live_server: LiveServer, page: Page) -> None:
    credential_id, org = our_badge(live_server)
    svc = live_server.services
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=credential_id,
                       reason="수료 기준 미달", actor="test", now=REVOKED_AT)
    page.goto(f"{live_server.url}/v/{credential_id}")
    keep(page, "revoked-ko")
    note = page.inner_text("#state-note")
    assert "2026-12-03" in note and "수료 기준 미달" in note
    page.goto(f"{live_server.url}/credentials/{credential_id}?lang=en")
    state = page.inner_text("#state")
    assert "2026-12-03" in state and "수료 기준 미달" in state


def test_another_address_of_the_candidate_is_not_confirmed_rather_than_forged(live_server: LiveServer,
                                                                                page: Page) -> None:
    credential_id, _ = our_badge(live_server)
    page.goto(f"{live_server.url}/v/{credential_id}?lang=en")
    page.fill("#email", "minji.work@example.com")
    page.click("#holder button[type=submit]")
    keep(page, "other-address-en")
    verdict = page.locator("#verdict")
    assert "neutral" in (verdict.get_attribute("class") or "") and "✘" not in verdict.inner_text()
    assert "Not confirmed with this e-mail address" in verdict.inner_text()
    assert page.inner_text("[data-check=recipient] .outcome") == "Not confirmed"


def test_a_bad_link_keeps_the_form_with_a_message_next_to_the_field(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/verify?lang=en")
    page.fill("#url", "https://" + "x" * 2100)
    page.evaluate("document.getElementById('url').removeAttribute('maxlength')")
    page.fill("#url", "https://" + "x" * 2100)
    page.click("button[type=submit]")
    keep(page, "bad-link-en")
    expect(page.locator("#url-error")).to_be_visible()
    expect(page.locator("#url-error")).to_contain_text("could not be opened")
    assert page.input_value("#url") == "https://" + "x" * 2100
    assert "422" not in page.inner_text("main")


def test_pasted_text_that_is_not_a_badge_keeps_the_form_rather_than_calling_it_forged(live_server: LiveServer,
                                                                                     page: Page) -> None:
    page.goto(f"{live_server.url}/verify")
    page.fill("#credential", "{not json")
    page.click("button[type=submit]")
    keep(page, "bad-paste-ko")
    assert page.locator("#verdict").count() == 0
    assert "JSON 형식이 아닙니다" in page.inner_text("#credential-error")
    assert page.input_value("#credential") == "{not json"

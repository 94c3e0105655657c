"""In headless Chromium: an organisation applies to join the alliance (desktop, Korean), the alliance office
approves it from its console and certifies it in the Digital Leaders Club, the contact opens the e-mailed link on a 390px phone, creates the owner account and
issues the first badge, which carries the club's endorsement and whose report says it is from a certified member at
the time of issue and now; the public alliance
page and member directory in English on the phone. Screenshots go to tmp_path (and BADGES_SHOTS if set)."""
from __future__ import annotations

import email
import json
import os
import re
import shutil
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from issuer.platform import ensure_platform
from store.db import transaction
from store.models import Credential, Org
from tests.conftest import LiveServer, SmtpSink
from tests.factories import NOW, PASSWORD, make_course, make_staff
from web.settings import Settings

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Settings:
    return replace(settings, smtp_url=smtp_server[0])


def shot(page: Page, path: Path) -> None:
    page.screenshot(path=path, full_page=True)
    if os.environ.get("BADGES_SHOTS"):
        Path(os.environ["BADGES_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["BADGES_SHOTS"]) / path.name)


def test_application_to_approval_to_the_first_badge(live_server: LiveServer, page: Page, chromium_browser: Browser,
                                                    smtp_server: tuple[str, SmtpSink], tmp_path: Path) -> None:
    svc, url = live_server.services, live_server.url
    with transaction(svc.sessions) as session:
        platform = ensure_platform(session, svc.issuing, svc.platform.identity, now=NOW)
    make_staff(svc, platform, email="office@alliance.example")

    page.goto(f"{url}/alliance/join")
    expect(page.locator("h1")).to_have_text("얼라이언스 가입 신청")
    page.click("#apply")  # empty: every required field says so, nothing is kept
    expect(page.locator("#name_ko-error")).to_have_text("이 항목을 입력하세요.")
    page.fill("#name_ko", "한빛 클라우드 아카데미")
    page.fill("#name_en", "Hanbit Cloud Academy")
    page.select_option("#role", "training")
    page.select_option("#kind", "company")
    page.fill("#website", "https://hanbit-cloud.example")
    page.fill("#contact_name", "이서연")
    page.fill("#contact_email", "seoyeon@hanbit.example")
    shot(page, tmp_path / "1-join-ko.png")
    page.click("#apply")
    expect(page.locator(".flash")).to_contain_text("신청이 접수되었습니다")

    page.goto(f"{url}/console/sign-in")
    page.fill("#email", "office@alliance.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click(".console-links >> text=사무국")
    expect(page.locator("h1")).to_have_text("얼라이언스 사무국")
    row = page.locator("li[id^=application-]")
    expect(row).to_contain_text("Hanbit Cloud Academy")
    shot(page, tmp_path / "2-operator-ko.png")
    row.locator("text=승인").click()
    expect(page.locator(".flash.ok").first).to_contain_text("승인했습니다")
    expect(page.locator("li[id^=member-hanbit-cloud-academy]")).to_contain_text("정회원")
    page.goto(f"{url}/console/{svc.settings.platform_slug}/dlc")  # the office certifies the new member at once
    page.select_option("#dlc-slug", "hanbit-cloud-academy")
    page.fill("#dlc-until", "2099-12-31")
    page.click("#dlc-grant-submit")
    expect(page.locator("li[data-slug=hanbit-cloud-academy]")).to_have_attribute("data-certified", "true")

    message = email.message_from_bytes(smtp_server[1].messages[-1][2], policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(rf"{re.escape(url)}/console/invitations/\S+", text)[0]  # type: ignore[index]
    with transaction(svc.sessions) as session:
        org = session.query(Org).filter_by(slug="hanbit-cloud-academy").one()
    make_course(svc, org, name_ko="클라우드 백엔드 엔지니어", name_en="Cloud backend engineer")

    context = chromium_browser.new_context(locale="ko-KR", viewport=PHONE,
                                           extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    phone = context.new_page()
    try:
        phone.goto(link)
        phone.fill("#name", "이서연")
        phone.fill("#password", "seoyeon's long password")
        phone.fill("#password_again", "seoyeon's long password")
        phone.click("button[type=submit]")
        expect(phone.locator("h1")).to_have_text("대시보드")
        expect(phone.locator(".console-org .role-tag")).to_have_text("관리자")
        phone.goto(f"{url}/console/hanbit-cloud-academy/issue")
        phone.select_option("#course", label="클라우드 백엔드 엔지니어")
        phone.fill("#name", "박지훈")
        phone.fill("#email", "jihoon@example.com")
        phone.click("#issue-form button[type=submit]")
        expect(phone.locator(".flash.ok").first).to_contain_text("배지를 발급했습니다")
        credential_id = phone.url.rstrip("/").rsplit("/", 1)[1]
        phone.goto(f"{url}/v/{credential_id}")
        expect(phone.locator("#verdict")).to_have_attribute("data-verdict", "valid")
        expect(phone.locator("#member-at-issue")).to_have_text("정회원(활동 중)")
        expect(phone.locator("#member-now")).to_have_text("정회원(활동 중)")
        expect(phone.locator("#dlc")).to_have_attribute("data-certified", "true")  # a Digital Leaders Club member
        with transaction(svc.sessions) as session:  # and the badge carries the endorsement, for verifiers offline
            issued = json.loads(session.get_one(Credential, credential_id).document)
        assert issued["issuer"]["endorsement"][0]["credentialSubject"]["id"] == org.did
        shot(phone, tmp_path / "3-report-ko-phone.png")

        phone.goto(f"{url}/alliance?lang=en")
        expect(phone.locator("#learners")).to_have_text("1")
        expect(phone.locator("#role-training .stat-value")).to_have_text("1")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, tmp_path / "4-alliance-en-phone.png")
        phone.goto(f"{url}/members?role=training")
        expect(phone.locator("#member-hanbit-cloud-academy")).to_contain_text("Badges issued: 1")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, tmp_path / "5-members-en-phone.png")
        phone.click("#member-hanbit-cloud-academy a")
        expect(phone.locator("#membership")).to_contain_text("Training organisation")
        shot(phone, tmp_path / "6-member-page-en-phone.png")
        phone.goto(f"{url}/alliance/join")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, tmp_path / "7-join-en-phone.png")
    finally:
        context.close()

    page.goto(f"{url}/alliance?lang=en")
    expect(page.locator("#month-" + NOW.strftime("%Y") + "-12, [id^=month-]").first).to_be_visible()
    shot(page, tmp_path / "8-alliance-en-desktop.png")

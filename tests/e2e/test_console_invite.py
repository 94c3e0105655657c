"""In headless Chromium at phone width: an owner signs in, invites a colleague, and the colleague joins from the
e-mail (read from a real SMTP server) in a browser of their own, landing on the dashboard."""
from __future__ import annotations

import email
import re
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import LiveServer, SmtpSink
from tests.factories import PASSWORD, issue, make_course, make_org, make_staff
from web.settings import Settings

pytestmark = pytest.mark.browser
PHONE = {"width": 412, "height": 915}


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Settings:
    return replace(settings, smtp_url=smtp_server[0])


def shot(page: Page, path: Path) -> None:
    page.screenshot(path=path, full_page=True)


def test_owner_invites_a_colleague_who_joins_from_the_email_link(
        live_server: LiveServer, page: Page, chromium_browser: Browser, smtp_server: tuple[str, SmtpSink],
        tmp_path: Path) -> None:
    svc = live_server.services
    org, _ = make_org(svc, "bootcamp")
    issue(svc, org, make_course(svc, org))
    make_staff(svc, org, email="owner@bootcamp.example")

    page.goto(f"{live_server.url}/console/sign-in")
    page.fill("#email", "owner@bootcamp.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("대시보드")
    expect(page.locator(".stat-value").first).to_have_text("1")
    shot(page, tmp_path / "1-dashboard.png")

    page.click(".console-links >> text=구성원")
    page.fill("#invite-email", "jiwoo.han@bootcamp.example")
    page.select_option("#invite-role", "issuer")
    shot(page, tmp_path / "2-people.png")
    page.click("text=초대 메일 보내기")
    expect(page.locator(".flash.ok")).to_contain_text("jiwoo.han@bootcamp.example에 초대 메일을 보냈습니다")
    expect(page.locator("li[id^=invitation-]")).to_contain_text("jiwoo.han@bootcamp.example")
    shot(page, tmp_path / "3-invited.png")

    message = email.message_from_bytes(smtp_server[1].messages[-1][2], policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(rf"{re.escape(live_server.url)}/console/invitations/\S+", text)[0]

    context = chromium_browser.new_context(locale="ko-KR", viewport=PHONE,
                                           extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    invitee = context.new_page()
    try:
        invitee.goto(link)
        expect(invitee.locator("h1")).to_have_text("초대 수락")
        invitee.fill("#name", "한지우")
        invitee.fill("#password", "jiwoo's long password")
        invitee.fill("#password_again", "jiwoo's long password")
        shot(invitee, tmp_path / "4-accept.png")
        invitee.click("text=계정 만들고 참여하기")
        expect(invitee.locator("h1")).to_have_text("대시보드")
        expect(invitee.locator(".flash.ok")).to_contain_text("bootcamp 아카데미에 오신 것을 환영합니다")
        expect(invitee.locator(".console-org .role-tag")).to_have_text("발급 담당")
        expect(invitee.locator(".console-links >> text=구성원")).to_have_count(0)  # owners only
        shot(invitee, tmp_path / "5-joined.png")
    finally:
        context.close()

    page.reload()
    expect(page.locator("li[id^=member-]").filter(has_text="한지우").locator("select")).to_have_value("issuer")
    expect(page.locator("li[id^=invitation-]")).to_have_count(0)

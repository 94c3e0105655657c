"""Accessibility in headless Chromium: axe-core (interop/node_modules/axe-core) over every kind of page a
trainee, an employer and a training company's staff open (public, wallet, verifier, console), at 1280 px and on
a 390 px phone, with no "serious" or "critical" violation; a skip link first on every page, which passes the
console's links; QR codes described by what they open."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bootstrap.wiring import Services
from issuer import service
from store.db import transaction
from store.models import Org
from tests.conftest import LiveServer, SmtpSink
from tests.factories import PASSWORD, issue, make_course, make_org, make_staff
from tests.wallet.people import Mailbox
from web.settings import Settings

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "interop" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def server(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[LiveServer]:
    live = LiveServer(replace(settings, smtp_url=smtp_server[0]))
    live.start()
    yield live
    live.stop()


def context(browser: Browser, viewport: str, lang: str = "ko") -> BrowserContext:
    """A fresh browser; CSP bypassed only so that the test can inject axe-core into the page."""
    return browser.new_context(locale=f"{lang}-KR" if lang == "ko" else "en-GB", viewport=VIEWPORTS[viewport],
                               bypass_csp=True, extra_http_headers={"Accept-Language": lang})


def serious_violations(page: Page, url: str) -> list[str]:
    """axe-core's serious and critical findings on `url`, one line each."""
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES)
    assert len(result["passes"]) > 10, url  # axe ran its rules on the page
    return [f"{url.split('//', 1)[1].split('/', 1)[1]}: {v['id']} ({v['impact']}) {v['help']} at "
            f"{[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def a_trainee_and_a_company(server: LiveServer) -> tuple[str, str]:
    """acme with a course (12 months, an NCS alignment), a badge to 김민지 and a revoked one, an owner."""
    svc: Services = server.services
    org, _ = make_org(svc)
    course = make_course(svc, org, valid_months=12, hours=40, tags=["Kubernetes"])
    credential_id = issue(svc, org, course)
    revoked = issue(svc, org, course, email="jiwoo@example.com", name="박지우")
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=revoked,
                       reason="수료 기준 미달", actor="test", now=session.get_one(Org, org.id).created_at)
    make_staff(svc, org, email="owner@acme.example", role="owner")
    return credential_id, course.public_id


def wallet_pages(server: LiveServer, page: Page, sink: SmtpSink) -> list[str]:
    """Sign up as 김민지 in `page`, share the profile and the badge; every wallet page and what the links open."""
    page.goto(f"{server.url}/wallet/signup")
    page.fill("#name", "김민지")
    page.fill("#email", "minji.kim@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(server.url + Mailbox(sink, server.url).link("minji.kim@example.com"))
    page.click("#use-link")
    page.goto(f"{server.url}/wallet/share")
    page.click("#create-profile-link")
    profile = page.input_value("#profile-links input.link-url")
    item_path = page.get_attribute("#timeline a", "href") if page.goto(f"{server.url}/wallet") else None
    assert item_path is not None
    page.goto(server.url + item_path)
    page.click("#create-badge-link")
    item = item_path.rsplit("/", 1)[1]
    token = profile.rsplit("/", 1)[1]
    return [f"{server.url}{p}" for p in ("/wallet", item_path, "/wallet/import", "/wallet/share", "/wallet/export",
                                         "/wallet/account", f"/s/{token}", f"/s/{token}/{item}",
                                         f"/s/{token}/{item}/verify", f"/s/{token}/verify")]


def console_pages(server: LiveServer, page: Page, credential_id: str, course: str) -> list[str]:
    page.goto(f"{server.url}/console/sign-in")
    page.fill("#email", "owner@acme.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    base = f"{server.url}/console/acme"
    return [f"{server.url}/console", base] + [base + p for p in (
        "/courses", "/courses/new", f"/courses/{course}", "/issue", "/credentials", f"/credentials/{credential_id}",
        f"/credentials/{credential_id}/renew", "/outbox", "/people", "/profile", "/keys", "/tokens", "/audit")]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_no_page_has_a_serious_accessibility_violation(server: LiveServer, chromium_browser: Browser,
                                                       smtp_server: tuple[str, SmtpSink], viewport: str) -> None:
    credential_id, course = a_trainee_and_a_company(server)
    found: list[str] = []
    anonymous = context(chromium_browser, viewport)
    page = anonymous.new_page()
    for path in ("/", "/orgs/acme", f"/credentials/{credential_id}", f"/v/{credential_id}", f"/achievements/{course}",
                 "/verify", "/wallet/signin", "/wallet/signup", "/console/sign-in"):
        found += serious_violations(page, server.url + path)
    page.goto(f"{server.url}/verify")  # a report reached through the form
    page.fill("#url", f"{server.url}/credentials/{credential_id}")
    page.press("#url", "Enter")
    page.wait_for_selector("#verdict")
    page.add_script_tag(path=str(AXE))
    report = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES)
    found += [f"/verify report: {v['id']} {v['help']}" for v in report["violations"]
              if v["impact"] in ("serious", "critical")]
    anonymous.close()

    learner = context(chromium_browser, viewport)
    page = learner.new_page()
    for url in wallet_pages(server, page, smtp_server[1]):
        found += serious_violations(page, url)
    learner.close()

    staff = context(chromium_browser, viewport, "en")
    page = staff.new_page()
    for url in console_pages(server, page, credential_id, course):
        found += serious_violations(page, url)
    staff.close()
    assert found == []


def test_the_skip_link_comes_first_and_passes_the_consoles_links(server: LiveServer,
                                                                 chromium_browser: Browser) -> None:
    a_trainee_and_a_company(server)
    browser = context(chromium_browser, "desktop")
    page = browser.new_page()
    page.goto(f"{server.url}/console/sign-in")
    page.fill("#email", "owner@acme.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.url}/console/acme/credentials")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "본문 바로가기"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the first control of the page itself, not one of the console's 10+ links
    assert page.evaluate("!!document.activeElement.closest('main') && !document.activeElement.closest('nav')")
    english = context(chromium_browser, "phone", "en").new_page()
    english.goto(f"{server.url}/wallet/signin")
    english.keyboard.press("Tab")
    assert english.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    english.context.close()
    browser.close()


def test_qr_codes_say_what_they_open(server: LiveServer, chromium_browser: Browser) -> None:
    credential_id, _ = a_trainee_and_a_company(server)
    browser = context(chromium_browser, "phone")
    page = browser.new_page()
    page.goto(f"{server.url}/credentials/{credential_id}")
    alt = page.get_attribute("#qr", "alt") or ""
    assert re.fullmatch(rf"QR 코드: 이 배지의 검증 페이지\({re.escape(server.url)}/v/{credential_id}\)를 엽니다", alt)
    browser.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_learner_picks_what_a_new_link_shows(server: LiveServer, chromium_browser: Browser,
                                              smtp_server: tuple[str, SmtpSink], viewport: str) -> None:
    a_trainee_and_a_company(server)
    browser = context(chromium_browser, viewport)
    page = browser.new_page()
    wallet_pages(server, page, smtp_server[1])  # signs up and makes a link of every badge (the default)
    page.goto(f"{server.url}/wallet/share")
    assert page.is_checked("#shows-all") and "보여 주는 배지: 내 배지 모두" in page.inner_text("#profile-links")
    page.check("#pick input[data-pick]")
    assert page.is_checked("#shows-selected")  # ticking a badge chooses "only the badges I tick"
    page.fill("#label", "B사 지원")
    page.click("#create-profile-link")
    expect(page.locator("#profile-links")).to_contain_text("보여 주는 배지: 고른 배지 1개")  # the page after the POST
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    browser.close()

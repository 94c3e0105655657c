"""In headless Chromium, on a 1280 px desktop and a 390 px phone, the training coordinator's journey of issue 14:
from the home page into the console, the first-steps checklist, a first course, the sample cohort file issued, a
second 이서준 issued by hand and told apart by e-mail, a search by name, the list exported, a revocation that asks
first (cancelled, then confirmed), the audit log in words, and a new password. Without JavaScript, the same
revocation asks on a page of its own."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import LiveServer
from tests.e2e.browser import keep
from tests.factories import PASSWORD, issue, make_course, make_org, make_staff

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/badges-console-staff-shots")  # kept after the run, to look at
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    keep(SHOTS / f"{name}.png", f"coordinator-{name}")


def fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the screen (no sideways scrolling on a phone)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture(params=list(VIEWPORTS))
def screen(request: pytest.FixtureRequest, chromium_browser: Browser):  # type: ignore[no-untyped-def]
    viewport = VIEWPORTS[request.param]
    context = chromium_browser.new_context(locale="ko-KR", viewport=viewport, accept_downloads=True,
                                           extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    yield request.param, viewport["width"], context.new_page()
    context.close()


def test_a_training_coordinator_runs_the_console_unaided(live_server: LiveServer, screen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name, width, page = screen
    svc = live_server.services
    make_staff(svc, make_org(svc, "bootcamp")[0], email="coordinator@bootcamp.example")
    base = live_server.url

    page.goto(base + "/")
    page.click("#org-sign-in-link")
    expect(page.locator("#forgot-link")).to_be_visible()
    page.fill("#email", "coordinator@bootcamp.example")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#first-steps")).to_be_visible()
    expect(page.locator("#chart-issued-title")).to_have_count(0)
    fits(page, width)
    shot(page, f"{name}-1-first-steps")

    page.click("#start-course")
    page.fill("#name_ko", "데이터 분석 부트캠프")
    page.fill("#name_en", "Data Analysis Bootcamp")
    page.fill("#description_ko", "파이썬과 SQL로 데이터를 분석하는 12주 과정")
    page.fill("#criteria_ko", "출석 80% 이상, 최종 프로젝트 통과")
    page.fill("#description_en", "A 12-week course analysing data with Python and SQL")
    page.fill("#criteria_en", "80% attendance and a passed final project")
    page.fill("#hours", "abc")
    page.click("#course-form button[type=submit]")
    expect(page.locator("#hours-error")).to_contain_text("교육 시간은 0보다 큰 숫자로 입력하세요")  # Korean errors
    page.fill("#hours", "480")
    page.click("#course-form button[type=submit]")
    expect(page.locator("#course-name")).to_have_text("데이터 분석 부트캠프")

    page.click("nav.console-nav >> text=대시보드")
    expect(page.locator('[data-step="course"]')).to_have_attribute("data-done", "yes")
    page.click("#start-badge")
    with page.expect_download() as download:
        page.click("#sample-csv")
    sample = Path(download.value.path())
    assert sample.read_bytes().decode("utf-8-sig").splitlines()[0] == "이름,이메일,수료일"
    page.select_option("#cohort-course", label="데이터 분석 부트캠프")
    page.set_input_files("#file", files=[{"name": "cohort.csv", "mimeType": "text/csv",
                                         "buffer": sample.read_bytes()}])
    page.click("#cohort-form button[type=submit]")
    expect(page.locator("#will-happen")).to_have_text("확인하면 3명에게 발급합니다.")
    expect(page.locator("#notify-plan")).not_to_contain_text("보냄")
    fits(page, width)
    shot(page, f"{name}-2-preview")
    page.click("#confirm")
    expect(page.locator("#report")).to_be_visible(timeout=60_000)
    expect(page.locator("#done-issued")).to_have_text("3")

    page.click("nav.console-nav >> text=발급")
    page.select_option("#course", label="데이터 분석 부트캠프")
    page.fill("#name", "이서준")
    page.fill("#email", "sj.lee@corp.example")
    page.click("#issue-form button[type=submit]")
    expect(page.locator("#recipient-email")).to_have_text("sj.lee@corp.example")

    page.click("nav.console-nav >> text=발급 내역")
    page.fill("#q", "서준")
    page.click("#filter button[type=submit]")
    rows = page.locator("#credentials tbody tr.row")
    expect(rows).to_have_count(2)
    expect(page.locator("#credentials")).to_contain_text("seojun.lee@example.com")
    expect(page.locator("#credentials")).to_contain_text("sj.lee@corp.example")
    fits(page, width)
    shot(page, f"{name}-3-two-seojuns")
    with page.expect_download() as download:
        page.click("#export-csv")
    exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert exported[0][:2] == ["이름", "이메일"] and sorted(r[1] for r in exported[1:]) == [
        "seojun.lee@example.com", "sj.lee@corp.example"]

    for box in page.locator("#credentials input[name=ids]").all():
        box.check()
    page.select_option("#bulk-action", "revoke")
    page.fill("#bulk-reason", "중복 발급")
    page.click("#bulk-apply")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("배지 2개를 폐기합니다. 되돌릴 수 없습니다.")
    expect(dialog).to_contain_text("사유 「중복 발급」은(는) 배지 페이지에 공개됩니다.")
    expect(page.locator("#confirm-dialog-list")).to_contain_text("이서준 (sj.lee@corp.example) · 「데이터 분석 부트캠프」")
    expect(page.locator("#confirm-dialog-ok")).to_have_text("폐기합니다")
    shot(page, f"{name}-4-confirm-many")
    page.click("#confirm-dialog-cancel")
    expect(dialog).to_be_hidden()
    expect(page.locator('#credentials tr[data-state="revoked"]')).to_have_count(0)

    page.locator("#credentials input[name=ids]").nth(1).uncheck()
    page.click("#bulk-apply")
    expect(dialog).to_contain_text("이서준님의 「데이터 분석 부트캠프」 배지를 폐기합니다. 되돌릴 수 없습니다.")
    page.click("#confirm-dialog-ok")
    expect(page.locator(".flash.ok")).to_contain_text("배지 1개를 폐기했습니다")
    expect(page.locator('#credentials tr[data-state="revoked"]')).to_have_count(1)
    shot(page, f"{name}-5-revoked")

    page.click("nav.console-nav >> text=감사 기록")
    entries = page.locator("#audit-entries")
    expect(entries).to_contain_text("배지 폐기")
    expect(entries).to_contain_text("명단 발급 시작")
    expect(entries).to_contain_text("이서준 · 「데이터 분석 부트캠프」")
    for raw in ("reason:", "course:", "cohort.confirm", "staff:"):
        expect(entries).not_to_contain_text(raw)
    fits(page, width)
    shot(page, f"{name}-6-audit")

    page.click("#account-link")
    page.fill("#current_password", PASSWORD)
    page.fill("#password", "a much better passphrase")
    page.fill("#password_again", "a much better passphrase")
    page.click("#password-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text("비밀번호를 바꿨습니다")


def test_without_javascript_a_revocation_asks_on_a_page(live_server: LiveServer, chromium_browser: Browser) -> None:
    svc = live_server.services
    org, _ = make_org(svc, "bootcamp")
    credential_id = issue(svc, org, make_course(svc, org), name="이서준", email="seojun.lee@example.com")
    make_staff(svc, org, email="coordinator@bootcamp.example")
    context = chromium_browser.new_context(locale="ko-KR", java_script_enabled=False, viewport=VIEWPORTS["phone"],
                                           extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    page = context.new_page()
    page.goto(f"{live_server.url}/console/sign-in")
    page.fill("#email", "coordinator@bootcamp.example")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"{live_server.url}/console/bootcamp/credentials/{credential_id}")
    page.fill("#revoke-reason", "출석 기록 오류")
    page.click("#revoke")
    expect(page.locator("#confirm-sentence")).to_have_text(
        "이서준님의 「클라우드 네이티브 개발」 배지를 폐기합니다. 되돌릴 수 없습니다.")
    shot(page, "nojs-confirm")
    page.click("#confirm-cancel")
    expect(page.locator("#status-actions")).to_be_visible()  # back, nothing changed
    page.fill("#revoke-reason", "출석 기록 오류")
    page.click("#revoke")
    page.click("#confirm-ok")
    expect(page.locator(".flash.ok")).to_contain_text("배지 1개를 폐기했습니다")
    context.close()

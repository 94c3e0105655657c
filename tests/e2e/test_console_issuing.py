"""In headless Chromium at phone width, the issue's key flow: sign in, create a course, upload a cohort CSV
with one bad row, watch the progress bar finish, read the per-row report, download the failed rows, revoke
one badge, and see its public page say it is revoked."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from issuer import jobs
from tests.conftest import LiveServer
from tests.factories import PASSWORD, make_org, make_staff

pytestmark = pytest.mark.browser
PEOPLE = 120
SHOTS = Path("/tmp/badges-console-shots")  # kept after the run, to look at


class LateRunner(jobs.ThreadRunner):
    """Starts each job 1.5 s late, so the page surely shows the job queued and then watches it finish."""

    def submit(self, job_id: int, *, delay: float = 0.0) -> None:
        super().submit(job_id, delay=delay + 1.5)


def cohort_csv(path: Path) -> Path:
    lines = ["이름,이메일,수료일"] + [f"수강생{i:03},student{i}@example.com,2026-02-27" for i in range(PEOPLE)]
    lines.insert(5, "박지우,jiwoo(at)example.com,2026-02-27")  # row 6: the bad one
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_staff_run_a_cohort_from_the_browser_and_revoke_a_badge(live_server: LiveServer, page: Page,
                                                                  tmp_path: Path) -> None:
    svc = live_server.services
    assert live_server.app is not None
    runner = live_server.app.extensions[jobs.EXTENSION] = LateRunner(svc)
    make_staff(svc, make_org(svc, "bootcamp")[0], email="lee@bootcamp.example", role="issuer")

    page.goto(f"{live_server.url}/console/sign-in")
    page.fill("#email", "lee@bootcamp.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav.console-nav >> text=과정")
    page.click("#new-course")
    page.fill("#name_ko", "풀스택 웹 개발 부트캠프")
    page.fill("#name_en", "Full-Stack Web Development Bootcamp")
    page.fill("#description_ko", "React와 Django로 서비스를 만드는 16주 과정")
    page.fill("#criteria_ko", "출석 80% 이상, 최종 프로젝트 통과")
    page.fill("#description_en", "A 16-week course building services with React and Django")
    page.fill("#criteria_en", "80% attendance and a passed final project")
    page.select_option("#achievement_type", "CertificateOfCompletion")
    page.fill("#hours", "640")
    page.fill("#tags", "React, Django, PostgreSQL")
    page.fill("#alignment-0-target_framework", "NCS")
    page.fill("#alignment-0-target_code", "2001020210")
    page.fill("#alignment-0-target_name", "응용SW기초기술활용")
    page.fill("#alignment-0-target_url", "https://www.ncs.go.kr/")
    shot(page, "1-course-form")
    page.click("#course-form button[type=submit]")
    expect(page.locator("#course-name")).to_have_text("풀스택 웹 개발 부트캠프")
    shot(page, "2-course")

    page.click("text=명단 파일로 여러 명에게 발급")
    page.set_input_files("#file", cohort_csv(tmp_path / "cohort.csv"))
    shot(page, "3-issue")
    page.click("#cohort-form button[type=submit]")
    expect(page.locator("#will-issue")).to_have_text(f"{PEOPLE}명에게 발급합니다")
    expect(page.locator('li[data-line="6"]')).to_contain_text("이메일 주소가 아닙니다")
    shot(page, "4-preview")

    page.click("#confirm")
    expect(page.locator("#progress-bar")).to_be_visible()
    expect(page.locator("#count-pending")).to_have_text(str(PEOPLE))
    shot(page, "5-progress")
    expect(page.locator("#report")).to_be_visible(timeout=60_000)  # the page reloads itself when done
    expect(page.locator("#done-issued")).to_have_text(str(PEOPLE))
    expect(page.locator("#done-failed")).to_have_text("1")
    shot(page, "6-report")

    with page.expect_download() as download:
        page.click("#failed-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["행 / row", "이름", "이메일", "수료일", "오류", "error"]
    assert rows[1][:3] == ["6", "박지우", "jiwoo(at)example.com"] and "이메일 주소가 아닙니다" in rows[1][4]

    page.click("#issued-rows summary")
    page.click('ol[data-kind="issued"] li[data-line="2"] a')
    page.fill("#revoke-reason", "출석 기록 오류")
    page.click("#revoke")
    expect(page.locator("#confirm-dialog")).to_contain_text("배지를 폐기합니다. 되돌릴 수 없습니다.")
    page.click("#confirm-dialog-ok")
    expect(page.locator(".flash.ok")).to_contain_text("배지 1개를 폐기했습니다")
    shot(page, "7-revoked-console")
    page.click("#public-page")
    expect(page.locator("#state")).to_have_attribute("data-state", "revoked")
    expect(page.locator("#state-banner")).to_contain_text("폐기했습니다")
    shot(page, "8-public-revoked")
    assert runner.wait(30)

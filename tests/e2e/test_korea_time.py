"""People in Korea read Korea time: a badge issued at 01:38 KST on 3 December (16:38 UTC on the 2nd) says
3 December on its page, its QR landing and its verification report, and times of day say KST."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page

from tests.conftest import LiveServer
from tests.factories import issue, make_course, make_org

EARLY_MORNING_IN_SEOUL = datetime(2026, 12, 2, 16, 38, tzinfo=UTC)  # 01:38 on 3 December in Seoul
SHOTS = os.environ.get("BADGES_SHOTS")  # a folder to keep screenshots in, for looking at them


def keep(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def early_badge(live_server: LiveServer) -> str:
    svc = live_server.services
    org, _ = make_org(svc, "hanbit")
    return issue(svc, org, make_course(svc, org), now=EARLY_MORNING_IN_SEOUL)


def test_the_credential_page_gives_the_issue_day_in_korea(live_server: LiveServer, page: Page) -> None:
    credential_id = early_badge(live_server)
    page.goto(f"{live_server.url}/credentials/{credential_id}")
    keep(page, "credential-ko")
    text = page.inner_text("main")
    assert "2026-12-03" in text and "2026-12-02" not in text


def test_the_qr_landing_gives_the_issue_day_and_the_time_checked_in_korea_time(live_server: LiveServer,
                                                                               page: Page) -> None:
    credential_id = early_badge(live_server)
    page.goto(f"{live_server.url}/v/{credential_id}")
    assert page.inner_text("#issued") == "2026-12-03"
    assert "(한국 시간)" in page.inner_text("main")
    page.goto(f"{live_server.url}/v/{credential_id}?lang=en")
    keep(page, "landing-en")
    assert page.inner_text("#issued") == "2026-12-03" and "KST" in page.inner_text("main")

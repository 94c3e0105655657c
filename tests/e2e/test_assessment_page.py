"""The public page of an assessment's badge in Chromium: the score with its range and the level on its rubric,
in Korean and English, on a desktop and on a 390 px phone that never scrolls sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from badges.results import ResultIn
from tests.conftest import LiveServer
from tests.e2e.test_korea_time import keep
from tests.e2e.test_plain_pages import SIDEWAYS
from tests.factories import issue, make_assessment, make_org


@pytest.mark.parametrize(("width", "lang", "score", "level"), [
    (1280, "ko", "720점 (범위 0–1000)", "수준 4 (5단계 중 4단계)"),
    (390, "en", "720 (range 0–1000)", "Level 4 (level 4 of 5)")], ids=["desktop-ko", "phone-en"])
def test_the_credential_page_shows_score_and_level(live_server: LiveServer, page: Page, width: int, lang: str,
                                                   score: str, level: str) -> None:
    svc = live_server.services
    org, _ = make_org(svc, "topcit")
    credential_id = issue(svc, org, make_assessment(svc, org),
                          results=(ResultIn("score", "720"), ResultIn("level", "4")))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/credentials/{credential_id}?lang={lang}")
    keep(page, f"assessment-{width}-{lang}")
    assert page.inner_text("[data-result=score]") == score
    assert page.inner_text("[data-result=level]") == level
    assert page.locator("[data-result=level]").is_visible() and not page.evaluate(SIDEWAYS)

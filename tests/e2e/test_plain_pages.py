"""Ordinary people read the credential page and the QR landing without help: hours, NCS alignments and the badge
image are there, jargon (DID, eddsa-rdfc-2022) waits behind "technical details", Korean words never break
mid-word, and a 360 px phone never scrolls sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from badges.model import Alignment
from tests.conftest import LiveServer
from tests.e2e.test_korea_time import keep
from tests.factories import issue, make_course, make_org

NCS = Alignment(target_name="클라우드 인프라 구축", target_url="https://ncs.go.kr/unit/2001010108",
                target_code="2001010108_20v2", target_framework="NCS")
SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def ncs_badge(live_server: LiveServer) -> str:
    svc = live_server.services
    org, _ = make_org(svc, "hanbit")
    return issue(svc, org, make_course(svc, org, hours=120.0, alignments=(NCS,)))


@pytest.mark.parametrize("path", ["/credentials/{id}", "/v/{id}"])
def test_hours_and_the_ncs_alignment_are_shown(live_server: LiveServer, page: Page, path: str) -> None:
    page.goto(live_server.url + path.format(id=ncs_badge(live_server)))
    assert page.inner_text("#hours") == "120"
    assert "클라우드 인프라 구축" in page.inner_text("#alignments") and "NCS" in page.inner_text("#alignments")


def test_the_landing_shows_the_badge_image_and_keeps_jargon_behind_technical_details(live_server: LiveServer,
                                                                                   page: Page) -> None:
    page.goto(f"{live_server.url}/v/{ncs_badge(live_server)}")
    assert page.locator("#badge-image").evaluate("img => img.complete && img.naturalWidth > 0")
    assert not page.is_visible("#issuer-id") and "eddsa-rdfc-2022" not in page.inner_text("#summary")
    page.click("#technical summary")
    assert page.inner_text("#issuer-id").startswith("did:web:")


@pytest.mark.parametrize("width", [360, 390])
def test_a_phone_never_scrolls_sideways_and_korean_words_stay_whole(live_server: LiveServer, page: Page,
                                                                    width: int) -> None:
    credential_id = ncs_badge(live_server)
    page.set_viewport_size({"width": width, "height": 800})
    for path in (f"/credentials/{credential_id}", f"/v/{credential_id}", "/verify"):
        page.goto(live_server.url + path)
        keep(page, f"phone-{width}-{path.strip('/').split('/')[0]}")
        assert not page.evaluate(SIDEWAYS), path
        assert page.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"

"""An employer checks a mixed batch in the console's verification workspace, in a real headless Chromium: the
table fills in the background, in Korean and English, on a desktop and on a 390-pixel phone."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from playwright.sync_api import Page

from issuer import service
from store.credentials import get_credential
from store.db import transaction
from store.models import Org
from tests.conftest import LiveServer
from tests.e2e.test_korea_time import keep
from tests.factories import PASSWORD, issue, make_course, make_org, make_staff


def test_an_employer_checks_a_mixed_batch_and_reads_one_table(live_server: LiveServer, page: Page) -> None:
    svc = live_server.services
    org, _ = make_org(svc, "hanbit")
    course = make_course(svc, org)
    valid = issue(svc, org, course, email="minji.kim@example.com", name="김민지")
    revoked = issue(svc, org, course, email="jun@example.com", name="박준")
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=revoked,
                       reason="test", actor="test", now=datetime.now(UTC))
        forged = json.loads(get_credential(session, valid).document)
    forged["credentialSubject"]["achievement"]["name"] = "의사 면허"
    make_staff(svc, org, email="hr@hanbit.example", role="viewer")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/console/sign-in?lang=ko")
    page.fill("#email", "hr@hanbit.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("a[href='/console/hanbit/workspace']")  # the console's navigation leads there
    links = svc.issuing.links
    page.fill("#lines", "\n".join([links.verify(valid), links.verify(revoked), "이력서 참고"]))
    page.set_input_files("#files", files=[{"name": "forged.json", "mimeType": "application/json",
                                           "buffer": json.dumps(forged, ensure_ascii=False).encode()}])
    page.click("#workspace-form button[type=submit]")
    page.wait_for_selector("#batch-state[data-running=no]", timeout=60_000)  # reloads itself until done
    keep(page, "workspace-ko-desktop")
    verdicts = page.eval_on_selector_all("#results tbody tr", "rows => rows.map(r => r.dataset.verdict)")
    assert verdicts == ["valid", "revoked", "unreadable", "not_genuine"]
    table = page.inner_text("#results")
    assert "김민지" in table and "발급 기관이 폐기한 배지입니다" in table and "통과하지 못한 검사: 폐기 여부" in table
    assert "hanbit 아카데미" in table  # the registered member, named in Korean

    for lang in ("ko", "en"):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.url.split('?')[0]}?lang={lang}")
        keep(page, f"workspace-{lang}-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # rows become cards, nothing cut off
        assert page.locator("#results tbody tr").first.is_visible()
    assert "Revoked by the issuer" in page.inner_text("#results") and "not stated" not in page.inner_text("#results")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#results tbody tr[data-verdict=revoked] a").click()
    assert page.get_attribute("#verdict", "data-verdict") == "revoked"

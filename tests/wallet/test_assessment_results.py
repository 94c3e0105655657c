"""An assessment's badge in the learner's wallet: the score and level on the timeline, the badge's page and the
career PDF, in Korean and English."""
from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from badges.results import ResultIn
from bootstrap.wiring import Services
from tests.factories import issue, make_assessment, make_org
from tests.wallet.people import Mailbox, post, sign_up
from tests.wallet.test_exports import pdf_text


def test_the_wallet_shows_score_and_level_on_the_timeline_the_badge_page_and_the_pdf(
        client: FlaskClient, svc: Services, mailbox: Mailbox, tmp_path: Path) -> None:
    org, _ = make_org(svc, "acme")
    issue(svc, org, make_assessment(svc, org), email="minji@example.com",
          results=(ResultIn("score", "720"), ResultIn("level", "Level 4")))
    sign_up(client, mailbox, address="minji@example.com")
    [wallet_id] = [c["walletId"] for c in client.get("/wallet/export.json").get_json()["credentials"]]

    def page(path: str, lang: str) -> str:
        return re.sub(r"\s+", " ", client.get(f"{path}?lang={lang}").get_data(as_text=True))

    assert "TOPCIT 점수: 720점 (범위 0–1000)" in page("/wallet", "ko")
    assert "TOPCIT 수준: 수준 4 (level 4 of 5)" in page("/wallet", "en")
    item = page(f"/wallet/items/{wallet_id}", "en")
    assert "<dt>TOPCIT 점수</dt>" in item and "720 (range 0–1000)" in item
    korean = pdf_text(post(client, "/wallet/export/pdf", {"item": [wallet_id], "lang": "ko"}).data, tmp_path)
    assert "720점 (범위 0–1000)" in korean and "수준 4 (5단계 중 4단계)" in korean

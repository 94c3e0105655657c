"""A revoked badge's date (Korea time) and the issuer's reason, labelled, in both PDFs: the employer's
verification summary and the learner's career PDF."""
from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import service
from store.db import transaction
from store.models import Org
from tests.factories import issue, make_course, make_org
from tests.wallet.people import Mailbox, post, sign_up

REVOKED = datetime(2026, 12, 2, 16, 38, tzinfo=UTC)  # 01:38 on 3 December in Korea


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    assert pdf.startswith(b"%PDF")
    (tmp_path / "out.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"], check=True, capture_output=True, text=True)
    return " ".join(text.stdout.split())


def revoked_badge(svc: Services) -> str:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=credential_id,
                       reason="수료 기준 미달 확인", actor="test", now=REVOKED)
    return credential_id


def test_the_verification_summary_pdf_shows_when_and_why_a_badge_was_revoked(client: FlaskClient, svc: Services,
                                                                            tmp_path: Path) -> None:
    credential_id = revoked_badge(svc)
    korean = pdf_text(client.get(f"/v/{credential_id}/summary.pdf?lang=ko").data, tmp_path)
    assert "폐기된 때 2026-12-03 01:38 (한국 시간)" in korean and "발급 기관이 밝힌 사유 수료 기준 미달 확인" in korean
    english = pdf_text(client.get(f"/v/{credential_id}/summary.pdf?lang=en").data, tmp_path)
    assert "Revoked on 2026-12-03 01:38 KST" in english and "Reason given by the issuer 수료 기준 미달 확인" in english


def test_the_career_pdf_shows_when_and_why_a_badge_was_revoked(client: FlaskClient, svc: Services, mailbox: Mailbox,
                                                              tmp_path: Path) -> None:
    revoked_badge(svc)
    sign_up(client, mailbox, address="minji.kim@example.com")
    chosen = client.get("/wallet/export.json").get_json()["credentials"][0]["walletId"]
    korean = pdf_text(post(client, "/wallet/export/pdf", {"item": chosen, "lang": "ko"}).data, tmp_path)
    assert "폐기된 때: 2026-12-03 01:38 (한국 시간)" in korean and "발급 기관이 밝힌 사유: 수료 기준 미달 확인" in korean
    english = pdf_text(post(client, "/wallet/export/pdf", {"item": chosen, "lang": "en"}).data, tmp_path)
    assert "Revoked on: 2026-12-03 01:38 KST" in english


def test_the_wallet_report_page_labels_every_fact_and_shows_the_revocation(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    revoked_badge(svc)
    sign_up(client, mailbox, address="minji.kim@example.com")
    item = client.get("/wallet/export.json").get_json()["credentials"][0]["walletId"]
    post(client, f"/wallet/items/{item}/share", {"label": "B사"})
    token = re.search(r'value="http://badges.test/s/([^"]+)"', client.get(f"/wallet/items/{item}").get_data(as_text=True))
    assert token is not None
    for lang, labels in (("ko", ["배지", "발급 기관", "수료일", "상태", "폐기된 때", "발급 기관이 밝힌 사유", "확인 항목",
                                  "결과", "발급 기관 식별자(DID)"]),
                         ("en", ["Badge", "Issued by", "Completed on", "Status", "Revoked on",
                                 "Reason given by the issuer", "Check", "Result", "Issuer identifier (DID)"])):
        page = app.test_client().get(f"/s/{token[1]}/{item}/verify", headers={"Accept-Language": lang})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and all(f">{label}</" in html for label in labels), lang
        assert "2026-12-03 01:38" in html and "수료 기준 미달 확인" in html

"""Exports: a presentation signed with the learner's did:key that our core verifies, everything as JSON, and a
Korean / English PDF whose QR codes, read by a real decoder, open passing verifications."""
from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import zxingcpp
from flask.testing import FlaskClient
from PIL import Image

from badges.presentations import verify_presentation
from bootstrap.wiring import Services
from tests.factories import issue, make_course, make_org
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import Mailbox, post, sign_up
from web.http import utcnow


def fill_wallet(client: FlaskClient, svc: Services, mailbox: Mailbox, issuer) -> list[str]:  # type: ignore[no-untyped-def]
    org, _ = make_org(svc, "acme")
    issue(svc, org, make_course(svc, org), email="minji@example.com")
    sign_up(client, mailbox, address="minji@example.com")
    credential = issuer.credential(email="minji@example.com", name="김민지", title="Python 데이터 분석", hours=40,
                                   tags=["Python", "pandas"])
    post(client, "/wallet/import", {"url": credential["id"]})
    return [c["walletId"] for c in client.get("/wallet/export.json").get_json()["credentials"]]


def test_the_presentation_is_signed_by_the_learners_did_key_and_verifies_with_our_core(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    with foreign_issuer() as busan:
        chosen = fill_wallet(client, svc, mailbox, busan)
        response = post(client, "/wallet/export/presentation",
                        {"item": chosen, "challenge": "job-2026-117", "domain": "careers.acme.example"})
        assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
        holder = client.get("/wallet/export.json").get_json()["learner"]["did"]
        report = verify_presentation(response.data, resolve=svc.resolver, now=utcnow(),
                                     challenge="job-2026-117", domain="careers.acme.example")
        assert report.verified, report.as_json()
        assert report.holder == holder and holder.startswith("did:key:z6Mk")
        assert [r.verdict for r in report.credentials] == ["valid", "valid"]
        replayed = verify_presentation(response.data, resolve=svc.resolver, now=utcnow(), challenge="job-2026-999")
        assert replayed.problem is not None and replayed.problem.code == "presentation.challenge_mismatch"


def test_the_json_export_holds_everything_including_hidden_badges_but_no_secrets(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    with foreign_issuer() as busan:
        first, _ = fill_wallet(client, svc, mailbox, busan)
    post(client, f"/wallet/items/{first}/hide")
    post(client, f"/wallet/items/{first}/share")  # refused: hidden badges cannot be shared
    post(client, "/wallet/share", {"label": "이력서"})
    response = client.get("/wallet/export.json")
    body = response.get_json()
    assert "attachment" in response.headers["Content-Disposition"]
    assert body["learner"]["emails"] == [{"address": "minji@example.com", "confirmed": True}]
    assert [(c["walletId"] == first, c["hidden"]) for c in body["credentials"]] == [(True, True), (False, False)]
    assert all(c["report"]["checks"] and c["credential"]["proof"] for c in body["credentials"])
    assert [(link["label"], link["badge"]) for link in body["shareLinks"]] == [("이력서", None)]
    assert "password" not in response.get_data(as_text=True) and "sealed" not in response.get_data(as_text=True)


def scan_pdf(pdf: bytes, tmp_path: Path) -> list[str]:
    """Every QR code on every page, read from a 150 dpi rendering by a real decoder."""
    (tmp_path / "career.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "career.pdf"), str(tmp_path / "page")], check=True)
    return [code.text for page in sorted(tmp_path.glob("page*.png"))
            for code in zxingcpp.read_barcodes(Image.open(page)) if code.format == zxingcpp.BarcodeFormat.QRCode]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "text.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", str(tmp_path / "text.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_the_pdf_lists_the_history_in_korean_and_english_and_each_qr_code_opens_a_passing_verification(
        client: FlaskClient, svc: Services, mailbox: Mailbox, tmp_path: Path) -> None:
    with foreign_issuer() as busan:
        chosen = fill_wallet(client, svc, mailbox, busan)
        korean = post(client, "/wallet/export/pdf", {"item": chosen, "lang": "ko"})
        assert korean.mimetype == "application/pdf"
        text = pdf_text(korean.data, tmp_path)
        assert "교육 이력" in text and "클라우드 네이티브 개발" in text and "Python 데이터 분석" in text
        assert "김민지" in text and "40시간" in text
        english = pdf_text(post(client, "/wallet/export/pdf", {"item": chosen, "lang": "en"}).data, tmp_path)
        assert "Training history" in english and "Cloud Native Development" in english

        urls = scan_pdf(korean.data, tmp_path)
        assert len(urls) == 2
        for url in urls:
            landing = client.get(urlsplit(url).path, headers={"Accept": "text/html"})
            assert landing.status_code == 200, url
            assert 'data-verdict="valid"' in landing.get_data(as_text=True), url


def test_exporting_nothing_is_refused_with_the_choice_kept_on_the_page(client: FlaskClient,
                                                                        mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    response = post(client, "/wallet/export/pdf", {"lang": "ko"})
    assert response.status_code == 422
    assert 'data-code="wallet.export_nothing_chosen"' in response.get_data(as_text=True)

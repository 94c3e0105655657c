"""The verification page and the QR landing page, in Korean and English: every input, the summary, the PDF."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image

from badges import baking, qr
from bootstrap.wiring import Services
from tests.e2e.test_issue_scan_verify import scan
from tests.factories import issue, make_course, make_org
from tests.other_issuer import EMAIL
from tests.verifier.remote import RemoteIssuer


@pytest.fixture
def ours(client: FlaskClient, svc: Services) -> tuple[str, bytes]:
    """(credential id, signed JSON) of a badge issued by a member organisation."""
    org, _ = make_org(svc, "hanbit")
    credential_id = issue(svc, org, make_course(svc, org), email="minji.kim@example.com")
    return credential_id, client.get(f"/credentials/{credential_id}.json").data


def text_of(html: bytes) -> str:
    return html.decode()


def photo(text: str) -> bytes:
    """A phone-like JPEG photo of a QR code: grey background, the code off-centre."""
    code = Image.open(io.BytesIO(qr.qr_png(text))).convert("RGB")
    canvas = Image.new("RGB", (1600, 1200), (150, 150, 150))
    canvas.paste(code.resize((500, 500)), (700, 400))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_the_verify_page_offers_every_input_in_korean_and_english(client: FlaskClient) -> None:
    korean = text_of(client.get("/verify", headers={"Accept-Language": "ko"}).data)
    english = text_of(client.get("/verify?lang=en").data)
    for name in ('name="photo"', 'name="url"', 'name="credential"', 'name="file"', 'name="email"', "verify.js"):
        assert name in korean and name in english
    assert "QR 코드 스캔" in korean and "Scan the QR code" in english
    assert 'capture="environment"' in korean


def test_a_photo_of_our_qr_code_opens_the_landing_page(client: FlaskClient, ours: tuple[str, bytes]) -> None:
    credential_id, _ = ours
    response = client.post("/verify", data={"photo": (io.BytesIO(photo(f"http://badges.test/v/{credential_id}")),
                                                      "photo.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/v/{credential_id}")


def test_a_full_size_phone_photo_of_several_megabytes_is_read(client: FlaskClient, ours: tuple[str, bytes]) -> None:
    credential_id, _ = ours
    noise = Image.effect_noise((3000, 3000), 90).convert("RGB")  # a busy desk: a photo JPEG hardly compresses
    noise.paste(Image.open(io.BytesIO(qr.qr_png(f"http://badges.test/v/{credential_id}"))).convert("RGB")
                .resize((900, 900)), (1000, 1000))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=95)
    assert len(out.getvalue()) > client.application.config["MAX_CONTENT_LENGTH"]
    # encoded here: werkzeug's test client spools a body this large to a temporary file it never closes
    body = (b'--b\r\nContent-Disposition: form-data; name="photo"; filename="IMG_0001.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + out.getvalue() + b"\r\n--b--\r\n")
    response = client.post("/verify", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/v/{credential_id}")


def test_a_photo_of_another_issuers_qr_code_verifies_what_it_links_to(fetching_client: FlaskClient,
                                                                      remote: RemoteIssuer) -> None:
    remote.issuer.publish(f"{remote.url}/c/1", remote.issuer.data_integrity())
    response = fetching_client.post("/verify?lang=en", data={
        "photo": (io.BytesIO(photo(f"{remote.url}/c/1")), "photo.jpg")}, content_type="multipart/form-data")
    page = text_of(response.data)
    assert response.status_code == 200 and 'data-verdict="valid"' in page
    assert "Not a member organisation of this service" in page and "박지우" in page


def test_a_pasted_vc_jwt_is_verified_on_the_page(fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    page = text_of(fetching_client.post("/verify", data={"credential": remote.issuer.vc_jwt()}).data)
    assert 'data-verdict="valid"' in page and 'data-format="vc-jwt"' in page
    assert "유효한 배지입니다" in page


def test_a_link_typed_into_the_page_is_verified(client: FlaskClient, ours: tuple[str, bytes]) -> None:
    credential_id, _ = ours
    page = text_of(client.post("/verify?lang=en", data={"url": f"http://badges.test/credentials/{credential_id}"}).data)
    assert 'data-verdict="valid"' in page
    assert "Registered member organisation: Hanbit Academy" in page
    assert 'href="http://badges.test/orgs/hanbit"' in page


def test_the_report_shows_the_member_organisation_in_korean(client: FlaskClient, ours: tuple[str, bytes]) -> None:
    page = text_of(client.get(f"/v/{ours[0]}", headers={"Accept-Language": "ko-KR"}).data)
    assert "등록된 회원 기관: hanbit 아카데미" in page
    assert "클라우드 네이티브 개발" in page and "최종 프로젝트 통과" in page and "김민지" in page


def test_the_holder_check_on_an_uploaded_badge_compares_the_salted_hash(client: FlaskClient,
                                                                        ours: tuple[str, bytes]) -> None:
    credential_id, document = ours
    first = text_of(client.post("/verify", data={"file": (io.BytesIO(document), "badge.json")},
                                content_type="multipart/form-data").data)
    assert f'action="/v/{credential_id}"' in first  # a genuine badge of ours: the holder check uses the stored one
    right = text_of(client.post("/verify", data={"credential": document.decode(), "email": "Minji.Kim@example.com"}).data)
    wrong = text_of(client.post("/verify", data={"credential": document.decode(), "email": "x@example.com"}).data)
    assert 'data-check="recipient" data-outcome="passed"' in right
    assert 'data-verdict="not_recipient"' in wrong


def test_the_report_of_another_issuers_badge_hands_it_back_for_the_holder_check(fetching_client: FlaskClient,
                                                                             remote: RemoteIssuer) -> None:
    token = remote.issuer.vc_jwt()
    page = text_of(fetching_client.post("/verify", data={"credential": token}).data)
    assert f'name="credential" value="{token}"' in page and 'action="/verify"' in page


def test_an_empty_submission_is_a_clear_error(client: FlaskClient) -> None:
    response = client.post("/verify", data={"credential": "  "}, headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert "붙여 넣거나" in text_of(response.data)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "summary.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / "summary.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_landing_page_pdf_summary_is_a_real_pdf_in_korean_with_a_qr_code(client: FlaskClient,
                                                                             ours: tuple[str, bytes],
                                                                             tmp_path: Path) -> None:
    credential_id, _ = ours
    response = client.post(f"/v/{credential_id}/summary.pdf", data={"email": "minji.kim@example.com"},
                           headers={"Accept-Language": "ko"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    for expected in ("디지털 배지 검증 요약", "유효한 배지입니다", "클라우드 네이티브 개발", "김민지",
                     "등록된 회원 기관: hanbit 아카데미", "전자 서명", "통과", f"/v/{credential_id}"):
        assert expected in text, expected
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(tmp_path / "summary.pdf"),
                    str(tmp_path / "page")], check=True)
    assert scan(tmp_path / "page.png") == f"http://badges.test/v/{credential_id}"


def test_the_pdf_summary_of_an_uploaded_badge_is_in_english_on_request(fetching_client: FlaskClient,
                                                                       remote: RemoteIssuer, tmp_path: Path) -> None:
    credential = json.dumps(remote.issuer.ed25519_2020())
    response = fetching_client.post("/verify/summary.pdf?lang=en", data={"credential": credential, "email": EMAIL})
    text = pdf_text(response.data, tmp_path)
    assert "Digital badge verification summary" in text and "Valid badge" in text
    assert "Not a member organisation of this service" in text and "Ed25519Signature2020" in text
    assert "Holder" in text and "Passed" in text


def test_the_api_takes_a_baked_image_larger_than_the_app_wide_request_cap(client: FlaskClient,
                                                                        ours: tuple[str, bytes]) -> None:
    big = Image.effect_noise((900, 900), 90).convert("RGB")
    out = io.BytesIO()
    big.save(out, format="PNG")
    png = baking.bake_png(out.getvalue(), ours[1].decode())
    assert client.application.config["MAX_CONTENT_LENGTH"] < len(png) < 2_000_000
    assert client.post("/api/v1/verify", data=png, content_type="image/png").get_json()["verdict"] == "valid"


def test_the_api_answers_with_the_pdf_summary_when_asked(client: FlaskClient, ours: tuple[str, bytes],
                                                         tmp_path: Path) -> None:
    response = client.post("/api/v1/verify?lang=en", data=ours[1], content_type="application/json",
                           headers={"Accept": "application/pdf"})
    assert response.mimetype == "application/pdf"
    assert "Valid badge" in pdf_text(response.data, tmp_path)


def test_the_api_answers_json_when_the_pdf_is_only_a_second_choice(client: FlaskClient, ours: tuple[str, bytes]) -> None:
    response = client.post("/api/v1/verify", data=ours[1], content_type="application/json",
                           headers={"Accept": "application/json, application/pdf;q=0.5"})
    assert (response.mimetype, response.get_json()["verdict"]) == ("application/json", "valid")
    asked = client.post("/api/v1/verify", data=ours[1], content_type="application/json",
                        headers={"Accept": "Application/PDF, application/json;q=0.5"})
    assert asked.mimetype == "application/pdf"

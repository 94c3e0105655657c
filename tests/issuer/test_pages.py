"""Public pages and documents: served as issued, in Korean and English."""
from __future__ import annotations

import io
import json

import zxingcpp
from flask.testing import FlaskClient
from PIL import Image

from badges import baking, dids
from bootstrap.wiring import Services
from issuer import service
from store.credentials import get_credential
from store.db import transaction
from store.models import Org
from tests.factories import NOW, issue, make_course, make_org


def test_credential_json_is_served_exactly_as_stored(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with svc.sessions() as session:
        stored = get_credential(session, credential_id).document
    response = client.get(f"/credentials/{credential_id}.json")
    assert response.data == stored
    assert response.mimetype == "application/ld+json"


def test_credential_page_reads_in_korean_and_in_english(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org), name="김민지")
    korean = client.get(f"/credentials/{credential_id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    english = client.get(f"/credentials/{credential_id}?lang=en").get_data(as_text=True)
    assert '<html lang="ko">' in korean and "클라우드 네이티브 개발" in korean and "수여 대상" in korean
    assert '<html lang="en">' in english and "Cloud Native Development" in english and "Awarded to" in english
    assert "김민지" in korean and "김민지" in english


def test_baked_png_carries_the_credential_as_issued(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    png = client.get(f"/credentials/{credential_id}.png")
    assert png.mimetype == "image/png"
    assert baking.extract_png(png.data).encode() == client.get(f"/credentials/{credential_id}.json").data
    assert Image.open(io.BytesIO(png.data)).size == (512, 512)


def test_qr_code_opens_the_verification_landing_page(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    image = Image.open(io.BytesIO(client.get(f"/credentials/{credential_id}/qr.png").data))
    (decoded,) = zxingcpp.read_barcodes(image)
    assert decoded.text == f"http://badges.test/v/{credential_id}"


def test_did_document_lists_every_key_after_rotation(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    with transaction(svc.sessions) as session:
        service.rotate_key(session, svc.issuing, org=session.get(Org, org.id), now=NOW)
    document = client.get("/orgs/acme/did.json").get_json()
    assert document["id"] == org.did == dids.did_web("http://badges.test", "orgs", "acme")
    assert [m["id"] for m in document["verificationMethod"]] == [f"{org.did}#key-1", f"{org.did}#key-2"]
    assert document["assertionMethod"] == [f"{org.did}#key-1", f"{org.did}#key-2"]


def test_badge_issued_before_a_key_rotation_still_verifies(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    before = issue(svc, org, course)
    with transaction(svc.sessions) as session:
        service.rotate_key(session, svc.issuing, org=session.get(Org, org.id), now=NOW)
    after = issue(svc, org, course, email="second@example.com")  # the same award would be the first badge
    for credential_id, key in ((before, "key-1"), (after, "key-2")):
        document = client.get(f"/credentials/{credential_id}.json").data
        assert json.loads(document)["proof"]["verificationMethod"].endswith(f"#{key}")
        report = client.post("/api/v1/verify", data=document, content_type="application/json").get_json()
        assert report["verdict"] == "valid"


def test_achievement_page_and_json_in_both_languages(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    english = client.get(f"/achievements/{course.public_id}?format=json&lang=en").get_json()
    korean = client.get(f"/achievements/{course.public_id}", headers={"Accept": "application/json"}).get_json()
    assert (english["name"], english["inLanguage"]) == ("Cloud Native Development", "en")
    assert (korean["name"], korean["inLanguage"]) == ("클라우드 네이티브 개발", "ko")
    page = client.get(f"/achievements/{course.public_id}?lang=ko").get_data(as_text=True)
    assert "쿠버네티스로 서비스를 배포하는 과정" in page
    assert client.get(f"/achievements/{course.public_id}/image.png").mimetype == "image/png"


def test_unknown_pages_answer_404_in_the_reader_language(client: FlaskClient) -> None:
    page = client.get("/credentials/nope", headers={"Accept": "text/html", "Accept-Language": "ko"})
    assert page.status_code == 404 and "그런 배지가 없습니다" in page.get_data(as_text=True)
    api = client.get("/credentials/nope.json", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.get_json()["code"] == "credential.not_found"

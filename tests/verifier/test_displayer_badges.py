"""The six kinds of test badge 1EdTech gives an OB 3.0 Displayer (VC 2.0 and VC 1.1, each valid, expired and
revoked), made by another issuer of our test harness: a real did:web and a Bitstring Status List served over
HTTP on 127.0.0.1. The verify page and the API summary show each one's image, name, description, issuer,
issue date and state."""
from __future__ import annotations

import base64
import json

import pytest
from flask.testing import FlaskClient

from badges.jsonld import JsonObject
from tests.other_issuer import later
from tests.verifier.corpus import png
from tests.verifier.remote import RemoteIssuer

IMAGE = "data:image/png;base64," + base64.b64encode(png(16, 16)).decode()
VERSIONS = {"VC 2.0": "data_integrity", "VC 1.1": "ed25519_2020"}  # VC 1.1: issuanceDate / expirationDate
STATES: dict[str, dict[str, object]] = {"valid": {}, "expired": {"valid_until": later(-1)}, "revoked": {}}


def badge(remote: RemoteIssuer, version: str, state: str) -> JsonObject:
    """One of the six: the issuer's badge with an image, signed, and revoked on its status list if asked."""
    make = getattr(remote.issuer, VERSIONS[version])
    signed: JsonObject = make(image=IMAGE, **STATES[state])
    if state == "revoked":
        remote.issuer.revoke()
    return signed


CASES = [(version, state) for version in VERSIONS for state in STATES]


@pytest.mark.parametrize(("version", "state"), CASES, ids=[f"{v} {s}" for v, s in CASES])
def test_the_api_summary_shows_each_displayer_test_badge(fetching_client: FlaskClient, remote: RemoteIssuer,
                                                         version: str, state: str) -> None:
    credential = badge(remote, version, state)
    body = fetching_client.post("/api/v1/verify", json=credential).get_json()
    summary = body["summary"]
    assert body["verdict"] == state, body["checks"]
    assert {k: summary.get(k) for k in ("achievementName", "description", "issuerName", "issued", "image")} == {
        "achievementName": "데이터 분석 입문", "description": "파이썬으로 데이터를 분석하는 8주 과정",
        "issuerName": "Other Academy 다른 아카데미", "issued": "2026-03-02", "image": IMAGE}
    assert summary["issuerId"] == remote.issuer.did and summary["verdict"] == state
    assert ("issuanceDate" in credential) == (version == "VC 1.1")


@pytest.mark.parametrize(("version", "state"), CASES, ids=[f"{v} {s}" for v, s in CASES])
def test_the_verify_page_shows_each_displayer_test_badge(fetching_client: FlaskClient, remote: RemoteIssuer,
                                                         version: str, state: str) -> None:
    credential = badge(remote, version, state)
    response = fetching_client.post("/verify?lang=en", data={"credential": json.dumps(credential)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-verdict="{state}"' in html
    assert f'id="badge-image" class="badge-image" src="{IMAGE}"' in html
    for shown in ('id="achievement-name">데이터 분석 입문<', 'id="description">파이썬으로 데이터를 분석하는 8주 과정<',
                  "Other Academy 다른 아카데미", 'id="issued">2026-03-02<'):
        assert shown in html
    assert "img-src 'self' data: https:" in response.headers["Content-Security-Policy"]


def test_an_https_badge_image_is_shown_and_a_script_url_never_is(fetching_client: FlaskClient,
                                                                 remote: RemoteIssuer) -> None:
    for image, shown in (("https://other.example/badge.png", True), ("javascript:alert(1)", False),
                         ("data:text/html;base64,PHNjcmlwdD4=", False)):
        signed = remote.issuer.data_integrity(image=image)
        summary = fetching_client.post("/api/v1/verify", json=signed).get_json()["summary"]
        assert (summary.get("image") == image) is shown

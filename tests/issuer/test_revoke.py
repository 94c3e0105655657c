"""Revocation flips the bit, re-signs the published list in the same request, and verification sees it."""
from __future__ import annotations

import json

from flask.testing import FlaskClient

from badges import status
from badges.report import CheckId, Outcome
from bootstrap.wiring import Services
from tests.factories import issue, make_course, make_org


def test_revoking_a_badge_publishes_it_and_verification_reports_revoked(client: FlaskClient,
                                                                         svc: Services) -> None:
    org, token = make_org(svc, "acme", with_token=True)
    course = make_course(svc, org)
    credential_id = issue(svc, org, course)
    other_id = issue(svc, org, course, email="other@example.com")
    document = client.get(f"/credentials/{credential_id}.json").data
    entry = json.loads(document)["credentialStatus"]
    assert entry["statusPurpose"] == "revocation"
    status_url = entry["statusListCredential"]
    before = client.get(status_url.removeprefix("http://badges.test")).get_json()

    response = client.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "부정행위 확인"},
                           headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.get_json()["state"] == "revoked"
    after = client.get(status_url.removeprefix("http://badges.test")).get_json()
    assert after["proof"]["proofValue"] != before["proof"]["proofValue"]
    bits = status.decode_list(after["credentialSubject"]["encodedList"])
    assert status.get_bit(bits, int(entry["statusListIndex"]))
    report = client.post("/api/v1/verify", data=document, content_type="application/json").get_json()
    assert report["verdict"] == "revoked"
    assert [c["outcome"] for c in report["checks"] if c["id"] == CheckId.STATUS] == [Outcome.FAILED]
    other = client.post("/api/v1/verify", data=client.get(f"/credentials/{other_id}.json").data,
                        content_type="application/json").get_json()
    assert other["verdict"] == "valid"
    page = client.get(f"/credentials/{credential_id}?lang=en").get_data(as_text=True)
    assert "Revoked" in page and "부정행위 확인" in page


def test_revoking_twice_is_a_conflict_and_changes_nothing(client: FlaskClient, svc: Services) -> None:
    org, token = make_org(svc, "acme", with_token=True)
    credential_id = issue(svc, org, make_course(svc, org))
    auth = {"Authorization": f"Bearer {token}"}
    client.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "first"}, headers=auth)
    again = client.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "second"}, headers=auth)
    assert again.status_code == 409
    assert again.get_json()["code"] == "credential.already_revoked"
    assert client.get(f"/api/v1/credentials/{credential_id}", headers=auth).get_json()["revocationReason"] == "first"

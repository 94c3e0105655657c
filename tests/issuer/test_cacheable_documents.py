"""Status lists and DID documents carry an ETag and Cache-Control, so a CDN or a verifier's cache may hold them and
revalidate with a conditional GET; a revocation changes the list's ETag, so no cache revalidates into stale bits."""
from __future__ import annotations

import json

from flask.testing import FlaskClient

from badges import status
from bootstrap.wiring import Services
from issuer import service
from issuer.pages import DID_MAX_AGE, STATUS_LIST_MAX_AGE
from store.db import transaction
from store.models import Org
from tests.factories import NOW, issue, make_course, make_org


def test_a_status_list_answers_304_until_a_revocation_changes_it(client: FlaskClient, svc: Services) -> None:
    org, token = make_org(svc, "acme", with_token=True)
    credential_id = issue(svc, org, make_course(svc, org))
    entry = json.loads(client.get(f"/credentials/{credential_id}.json").data)["credentialStatus"]
    path = entry["statusListCredential"].removeprefix("http://badges.test")
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert first.headers["Cache-Control"] == f"public, max-age={STATUS_LIST_MAX_AGE}"

    unchanged = client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""

    client.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "test"},
                headers={"Authorization": f"Bearer {token}"})
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert status.get_bit(status.decode_list(changed.get_json()["credentialSubject"]["encodedList"]),
                          int(entry["statusListIndex"]))


def test_a_did_document_answers_304_until_a_key_rotation_changes_it(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    first = client.get("/orgs/acme/did.json")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == f"public, max-age={DID_MAX_AGE}"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/orgs/acme/did.json", headers={"If-None-Match": etag}).status_code == 304

    with transaction(svc.sessions) as session:
        service.rotate_key(session, svc.issuing, org=session.get(Org, org.id), now=NOW)
    rotated = client.get("/orgs/acme/did.json", headers={"If-None-Match": etag})
    assert rotated.status_code == 200 and rotated.headers["ETag"] != etag
    assert len(rotated.get_json()["verificationMethod"]) == 2

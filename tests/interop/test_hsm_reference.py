"""Credentials and status lists signed in a PKCS#11 token (SoftHSM2) verify with Digital Bazaar's reference stack,
before and after a key rotation."""
from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import service
from keys.hsm import TokenConfig
from store.db import transaction
from store.models import Org
from tests.factories import NOW, issue, make_course, make_org
from tests.softhsm import hsm_settings, softhsm  # noqa: F401  (fixtures)
from web.settings import Settings

pytestmark = pytest.mark.node

Reference = Callable[[dict], dict]  # type: ignore[type-arg]
CHECKED_AT = "2026-03-03T00:00:00Z"


@pytest.fixture
def settings(settings: Settings, softhsm: TokenConfig) -> Settings:
    return hsm_settings(settings, softhsm)


def test_the_reference_verifies_what_the_token_signed_across_a_rotation(
        client: FlaskClient, svc: Services, reference: Reference, bundled_contexts: dict) -> None:  # type: ignore[type-arg]
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    before = issue(svc, org, course)
    revoked = issue(svc, org, course, email="revoked@example.com")
    assert client.post(f"/api/v1/credentials/{revoked}/revoke", json={"reason": "철회"},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with transaction(svc.sessions) as session:
        service.rotate_key(session, svc.issuing, org=session.get_one(Org, org.id), now=NOW)
    after = issue(svc, org, course, email="after@example.com")
    documents = {**bundled_contexts, org.did: client.get("/orgs/acme/did.json").get_json()}

    for credential_id, key in ((before, "key-1"), (after, "key-2")):
        credential = json.loads(client.get(f"/credentials/{credential_id}.json").data)
        assert credential["proof"]["verificationMethod"] == f"{org.did}#{key}"
        answer = reference({"mode": "verify", "credential": credential, "documents": documents, "now": CHECKED_AT,
                            "statusUnrevoked": True})
        assert answer == {"verified": True, "error": None}, credential_id
        credential["credentialSubject"]["achievement"]["name"] = "위조된 과정"
        tampered = reference({"mode": "verify", "credential": credential, "documents": documents,
                              "now": CHECKED_AT, "statusUnrevoked": True})
        assert tampered["verified"] is False

    status_url = json.loads(client.get(f"/credentials/{revoked}.json").data)["credentialStatus"]["statusListCredential"]
    status_list = client.get(status_url.removeprefix("http://badges.test")).get_json()
    assert status_list["proof"]["verificationMethod"] == f"{org.did}#key-1"  # re-signed at revocation, in the token
    answer = reference({"mode": "verify", "credential": status_list, "documents": documents,
                        "now": status_list["validFrom"]})  # revoked through the API: signed at the real time
    assert answer == {"verified": True, "error": None}

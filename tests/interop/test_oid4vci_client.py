"""The OpenID4VCI flow driven by a wallet client we did not write (@sphereon/oid4vci-client, interop/oid4vci.mjs)
against the app served over real HTTP: from the offer's deep link to the received credential, then that credential
through our verifier and the JavaScript reference (interop/vc.mjs)."""
from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest

from badges.jsonld import JsonObject
from badges.verify import verify_credential
from issuer import service
from store import offers, orgs
from store.db import transaction
from store.models import Credential, Org
from tests import ob3
from tests.conftest import LiveServer
from tests.factories import issue, make_course, make_org
from tests.interop.conftest import INTEROP, TIMEOUT_S, Reference

pytestmark = pytest.mark.node


def wallet_app(node: str, request: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, str(INTEROP / "oid4vci.mjs")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=TIMEOUT_S, check=False)


def offer(server: LiveServer, *, tx_code: bool) -> tuple[str, offers.NewOffer, Org]:
    """A badge issued on the live server and a new offer of it: (deep link, offer, organisation)."""
    svc = server.services
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org), now=datetime.now(UTC))
    with transaction(svc.sessions) as session:
        new = offers.create_offer(session, session.get_one(Credential, credential_id), created_by="test",
                                  now=datetime.now(UTC), tx_code=tx_code)
    return offers.offer_uri(offers.offer_document(svc.issuing.links, org.slug, new)), new, org


@pytest.mark.parametrize(("tx_code", "key_by"), [(True, "kid"), (False, "jwk")], ids=["tx-code-kid", "no-code-jwk"])
def test_a_wallet_client_receives_the_badge_bound_to_its_did_and_it_verifies(
        live_server: LiveServer, node: str, reference: Reference, bundled_contexts: dict[str, JsonObject],
        tx_code: bool, key_by: str) -> None:
    uri, new, org = offer(live_server, tx_code=tx_code)
    assert uri.startswith("openid-credential-offer://?credential_offer=")
    done = wallet_app(node, {"offerUri": uri, "txCode": new.tx_code, "keyBy": key_by})
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["issuer"] == f"{live_server.url}/orgs/{org.slug}"
    assert answer["configurationIds"] == ["OpenBadgeCredential"] and answer["tokenType"] == "Bearer"
    credential = answer["credential"]
    assert credential["credentialSubject"]["id"] == answer["holder"]
    assert ob3.invalid([json.dumps(credential).encode()]) == []

    svc = live_server.services
    report = verify_credential(json.dumps(credential), resolve=svc.resolver, now=datetime.now(UTC),
                               holder="minji.kim@example.com")
    assert report.verdict == "valid", report.as_json()
    with transaction(svc.sessions) as session:
        did_document = orgs.did_document(session.get_one(Org, org.id))
    documents = {**bundled_contexts, org.did: did_document}
    assert reference({"mode": "verify", "credential": credential, "documents": documents,
                      "statusUnrevoked": True}) == {"verified": True, "error": None}
    someone_else = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    tampered = {**credential, "credentialSubject": {**credential["credentialSubject"], "id": someone_else}}
    assert reference({"mode": "verify", "credential": tampered, "documents": documents,
                      "statusUnrevoked": True})["verified"] is False

    again = wallet_app(node, {"offerUri": uri, "txCode": new.tx_code, "keyBy": key_by})  # the offer is spent
    assert again.returncode != 0 and "access token" in again.stderr and "failed with status: 400" in again.stderr


def test_a_wallet_client_with_the_wrong_code_gets_nothing(live_server: LiveServer, node: str) -> None:
    uri, new, _ = offer(live_server, tx_code=True)
    wrong = "000000" if new.tx_code != "000000" else "111111"
    done = wallet_app(node, {"offerUri": uri, "txCode": wrong})
    assert done.returncode != 0 and "access token" in done.stderr and "failed with status: 400" in done.stderr
    with transaction(live_server.services.sessions) as session:  # (the error codes: tests/issuer/test_oid4vci.py)
        stored = session.get_one(offers.CredentialOffer, new.offer.id)
        assert (stored.tx_code_failures, stored.redeemed_at, stored.issued_copy_id) == (1, None, None)


def test_revoking_the_original_revokes_what_the_wallet_received(live_server: LiveServer, node: str) -> None:
    uri, new, org = offer(live_server, tx_code=True)
    done = wallet_app(node, {"offerUri": uri, "txCode": new.tx_code})
    assert done.returncode == 0, done.stderr
    received = json.dumps(json.loads(done.stdout)["credential"])
    svc = live_server.services
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=new.offer.credential_id,
                       reason="잘못 발급", actor="test", now=datetime.now(UTC))
    assert verify_credential(received, resolve=svc.resolver, now=datetime.now(UTC)).verdict == "revoked"

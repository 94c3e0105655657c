"""OpenID4VCI endpoints (issuer.oid4vci) over the app's HTTP interface: metadata, the pre-authorized code's single
use and expiry, the transaction code, proofs of possession, and the holder-bound credential it gives (verified by
our verifier, revoked and suspended with its original). The whole flow by a wallet client we did not write is in
tests/interop/test_oid4vci_client.py."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient
from sqlalchemy import select

from badges import dids
from badges.verify import verify_credential
from bootstrap.wiring import Services
from issuer import service
from store import offers
from store.console import AuditEntry
from store.db import transaction
from store.models import Credential, Org
from tests import ob3
from tests.conftest import BASE_URL
from tests.factories import issue, make_course, make_org

ISSUER = f"{BASE_URL}/orgs/acme"
GRANT = offers.PRE_AUTHORIZED_GRANT


def now() -> datetime:
    return datetime.now(UTC)


def setup(svc: Services) -> str:
    org, _ = make_org(svc)
    return issue(svc, org, make_course(svc, org), now=now())


def setup_again(svc: Services) -> str:
    """Another badge of the organisation setup() made."""
    with transaction(svc.sessions) as session:
        org = session.scalars(select(Org)).one()
    return issue(svc, org, make_course(svc, org), email="jun.park@example.com", now=now())


def make_offer(svc: Services, credential_id: str, *, tx_code: bool = True,
               at: datetime | None = None) -> offers.NewOffer:
    with transaction(svc.sessions) as session:
        return offers.create_offer(session, session.get_one(Credential, credential_id), created_by="test",
                                   now=at or now(), tx_code=tx_code)


def redeem(client: FlaskClient, new: offers.NewOffer, **extra: str) -> Any:
    form = {"grant_type": GRANT, "pre-authorized_code": new.pre_authorized_code,
            **({"tx_code": new.tx_code} if new.tx_code else {}), **extra}
    return client.post("/orgs/acme/oid4vci/token", data=form)


def c_nonce(client: FlaskClient) -> str:
    response = client.post("/orgs/acme/oid4vci/nonce")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return str(response.get_json()["c_nonce"])


def proof(key: Ed25519PrivateKey, *, nonce: str | None, aud: str = ISSUER, by: str = "kid",
          typ: str = "openid4vci-proof+jwt", iat: float | None = None) -> str:
    did = dids.did_key(key.public_key())
    header: dict[str, Any] = {"typ": typ}
    if by == "kid":
        header["kid"] = dids.did_key_method(did)
    else:
        raw = key.public_key().public_bytes_raw()
        header["jwk"] = {"kty": "OKP", "crv": "Ed25519", "x": jwt.utils.base64url_encode(raw).decode()}
    claims: dict[str, Any] = {"aud": aud, "iat": int(iat if iat is not None else time.time())}
    if nonce is not None:
        claims["nonce"] = nonce
    return jwt.encode(claims, key, algorithm="EdDSA", headers=header)


def request_credential(client: FlaskClient, token: str, body: dict[str, Any]) -> Any:
    return client.post("/orgs/acme/oid4vci/credential", json=body, headers={"Authorization": f"Bearer {token}"})


def body(jwt_proof: str | None) -> dict[str, Any]:
    return {"credential_configuration_id": offers.CONFIGURATION_ID,
            **({"proofs": {"jwt": [jwt_proof]}} if jwt_proof is not None else {})}


def token_of(client: FlaskClient, new: offers.NewOffer) -> str:
    response = redeem(client, new)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["token_type"] == "Bearer" and response.headers["Cache-Control"] == "no-store"
    return str(answer["access_token"])


def assert_error(response: Any, error: str, status: int = 400) -> None:
    assert (response.status_code, response.get_json()["error"]) == (status, error), response.get_json()
    assert response.get_json()["error_description"]


def test_metadata_is_served_where_the_spec_and_the_drafts_look_for_it(client: FlaskClient, svc: Services) -> None:
    make_org(svc)
    spec = client.get("/.well-known/openid-credential-issuer/orgs/acme")
    appended = client.get("/orgs/acme/.well-known/openid-credential-issuer")
    assert spec.status_code == appended.status_code == 200
    metadata = spec.get_json()
    assert metadata == appended.get_json()
    assert metadata["credential_issuer"] == ISSUER
    assert metadata["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    configuration = metadata["credential_configurations_supported"]["OpenBadgeCredential"]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert configuration["proof_types_supported"] == {"jwt": {"proof_signing_alg_values_supported": ["EdDSA"]}}
    assert {d["locale"] for d in configuration["credential_metadata"]["display"]} == {"ko", "en"}
    assert [d["name"] for d in metadata["display"]] == ["acme 아카데미", "Acme Academy"]
    authorization = client.get("/.well-known/oauth-authorization-server/orgs/acme").get_json()
    assert authorization["issuer"] == ISSUER and authorization["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert client.get("/.well-known/openid-credential-issuer/orgs/nobody").status_code == 404


@pytest.mark.parametrize("by", ["kid", "jwk"])
def test_the_holder_gets_the_credential_bound_to_their_did_and_it_verifies(client: FlaskClient, svc: Services,
                                                                          by: str) -> None:
    credential_id = setup(svc)
    token = token_of(client, make_offer(svc, credential_id))
    key = Ed25519PrivateKey.generate()
    response = request_credential(client, token, body(proof(key, nonce=c_nonce(client), by=by)))
    assert response.status_code == 200, response.get_json()
    [entry] = response.get_json()["credentials"]
    copy = entry["credential"]
    with transaction(svc.sessions) as session:
        original = json.loads(session.get_one(Credential, credential_id).document)
    assert copy["credentialSubject"]["id"] == dids.did_key(key.public_key())
    assert copy["id"].startswith("urn:uuid:") and copy["id"] != original["id"]
    assert copy["credentialStatus"] == original["credentialStatus"]
    assert copy["credentialSubject"]["achievement"] == original["credentialSubject"]["achievement"]
    assert copy["credentialSubject"]["identifier"] == original["credentialSubject"]["identifier"]
    assert copy["issuer"] == original["issuer"] and copy["proof"]["verificationMethod"].startswith(original["issuer"]["id"])
    assert ob3.invalid([json.dumps(copy).encode()]) == []
    report = verify_credential(json.dumps(copy), resolve=svc.resolver, now=now(), holder="minji.kim@example.com")
    assert report.verdict == "valid", report.as_json()

    with transaction(svc.sessions) as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "credential.oid4vci_issue")).all()
        assert (entry.target, entry.actor, entry.detail["holder"]) == (credential_id, "test", copy["credentialSubject"]["id"])

    again = request_credential(client, token, body(proof(key, nonce=c_nonce(client))))
    assert_error(again, "invalid_token", 401)  # the access token gives one credential
    assert again.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_revoking_or_suspending_the_original_covers_the_copy(client: FlaskClient, svc: Services) -> None:
    credential_id = setup(svc)
    token = token_of(client, make_offer(svc, credential_id))
    response = request_credential(client, token, body(proof(Ed25519PrivateKey.generate(), nonce=c_nonce(client))))
    copy = json.dumps(response.get_json()["credentials"][0]["credential"])

    with transaction(svc.sessions) as session:
        service.suspend(session, svc.issuing, org=session.scalars(select(Org)).one(), credential_id=credential_id,
                        reason="조사 중", actor="test", now=now())
    assert verify_credential(copy, resolve=svc.resolver, now=now()).verdict == "suspended"
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.scalars(select(Org)).one(), credential_id=credential_id,
                       reason="잘못 발급", actor="test", now=now())
    assert verify_credential(copy, resolve=svc.resolver, now=now()).verdict == "revoked"
    assert_error(redeem(client, make_offer(svc, credential_id)), "invalid_grant")  # no new offer of it works


def test_an_expired_offer_is_refused(client: FlaskClient, svc: Services) -> None:
    credential_id = setup(svc)
    old = make_offer(svc, credential_id, at=now() - offers.OFFER_LIFETIME - timedelta(seconds=1))
    assert_error(redeem(client, old), "invalid_grant")


def test_an_offer_is_redeemed_once(client: FlaskClient, svc: Services) -> None:
    new = make_offer(svc, setup(svc))
    token_of(client, new)
    assert_error(redeem(client, new), "invalid_grant")
    assert_error(client.post("/orgs/acme/oid4vci/token", data={"grant_type": GRANT, "pre-authorized_code": "made-up"}),
                 "invalid_grant")
    assert_error(client.post("/orgs/acme/oid4vci/token", data={"grant_type": "authorization_code", "code": "x"}),
                 "unsupported_grant_type")


def test_the_transaction_code_is_required_checked_and_limited(client: FlaskClient, svc: Services) -> None:
    credential_id = setup(svc)
    new = make_offer(svc, credential_id)
    assert new.tx_code is not None and len(new.tx_code) == 6 and new.tx_code.isdigit()
    wrong = "000000" if new.tx_code != "000000" else "111111"
    assert_error(redeem(client, new, tx_code=""), "invalid_request")
    assert_error(redeem(client, new, tx_code=wrong), "invalid_grant")
    token_of(client, new)  # a wrong try does not spend the offer

    guessed = make_offer(svc, credential_id)
    wrong = "000000" if guessed.tx_code != "000000" else "111111"
    for _ in range(offers.TX_CODE_ATTEMPTS):
        assert_error(redeem(client, guessed, tx_code=wrong), "invalid_grant")
    assert_error(redeem(client, guessed), "invalid_grant")  # the right code, too late: the offer is spent

    plain = make_offer(svc, credential_id, tx_code=False)
    assert_error(redeem(client, plain, tx_code="123456"), "invalid_request")
    token_of(client, plain)


def test_a_proof_must_be_present_for_this_issuer_and_with_a_fresh_nonce(client: FlaskClient, svc: Services) -> None:
    token = token_of(client, make_offer(svc, setup(svc)))
    key = Ed25519PrivateKey.generate()
    assert_error(request_credential(client, token, body(None)), "invalid_proof")
    assert_error(request_credential(client, token, body(proof(key, nonce=c_nonce(client), aud="https://evil.example"))),
                 "invalid_proof")
    assert_error(request_credential(client, token, body(proof(key, nonce="made-up"))), "invalid_nonce")
    assert_error(request_credential(client, token, body(proof(key, nonce=None))), "invalid_nonce")
    assert_error(request_credential(client, token, body(proof(key, nonce=c_nonce(client), typ="JWT"))),
                 "invalid_proof")
    assert_error(request_credential(client, token, body(proof(key, nonce=c_nonce(client), iat=time.time() - 3600))),
                 "invalid_proof")
    forged = proof(key, nonce=c_nonce(client))[:-4] + "AAAA"
    assert_error(request_credential(client, token, body(forged)), "invalid_proof")
    other = Ed25519PrivateKey.generate()  # a header naming one key, signed by another
    header = {"typ": "openid4vci-proof+jwt", "kid": dids.did_key_method(dids.did_key(key.public_key()))}
    swapped = jwt.encode({"aud": ISSUER, "iat": int(time.time()), "nonce": c_nonce(client)}, other,
                         algorithm="EdDSA", headers=header)
    assert_error(request_credential(client, token, body(swapped)), "invalid_proof")
    assert_error(request_credential(client, token, {"credential_configuration_id": "Diploma",
                                                    "proofs": {"jwt": [proof(key, nonce=c_nonce(client))]}}),
                 "unknown_credential_configuration")
    used = c_nonce(client)
    assert request_credential(client, token, body(proof(key, nonce=used))).status_code == 200  # still usable
    second = token_of(client, make_offer(svc, setup_again(svc)))
    assert_error(request_credential(client, second, body(proof(key, nonce=used))), "invalid_nonce")  # nonce spent
    assert_error(request_credential(client, "no-such-token", body(proof(key, nonce=c_nonce(client)))),
                 "invalid_token", 401)


def test_another_organisations_code_and_token_are_refused(client: FlaskClient, svc: Services) -> None:
    new = make_offer(svc, setup(svc))
    make_org(svc, "other")
    response = client.post("/orgs/other/oid4vci/token", data={"grant_type": GRANT, "tx_code": new.tx_code or "",
                                                              "pre-authorized_code": new.pre_authorized_code})
    assert_error(response, "invalid_grant")
    token = token_of(client, new)
    response = client.post("/orgs/other/oid4vci/credential", headers={"Authorization": f"Bearer {token}"},
                           json=body(proof(Ed25519PrivateKey.generate(), nonce=c_nonce(client),
                                           aud=f"{BASE_URL}/orgs/other")))
    assert_error(response, "invalid_token", 401)

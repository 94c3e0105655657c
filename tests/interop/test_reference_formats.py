"""Ed25519Signature2020 and VC-JWT against independent implementations run in node: Digital Bazaar's
ed25519-signature-2020 suite and panva's `jose`. Each side signs, the other verifies."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges import dids, legacy_proofs, model, multikey, proofs, vc_jwt
from badges.jsonld import JsonObject
from badges.report import CheckId
from badges.verify import verify_credential
from tests.other_issuer import NOW, MemoryResolver, OtherIssuer

pytestmark = pytest.mark.node

Reference = Callable[[JsonObject], JsonObject]
SEED = bytes.fromhex("4c1f0e2d3b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
PUBLIC = multikey.public_multikey(KEY.public_key())
DID = dids.did_key(KEY.public_key())
SIGNED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def credential_1_1() -> JsonObject:
    """A VC 1.1 OB 3.0 credential from a did:key issuer, as an older wallet holds it (no status list)."""
    doc = OtherIssuer("https://other.example").credential(
        context=["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                 legacy_proofs.SUITE_CONTEXT], with_status=False)
    doc["issuer"]["id"] = DID
    return doc


def credential_2_0() -> JsonObject:
    """The same credential in VC 2.0 form, as OB 3.0 VC-JWTs carry it."""
    doc = {**credential_1_1(), "@context": [model.VC_V2, model.OB_V3]}
    doc["validFrom"] = doc.pop("issuanceDate")
    return doc


def keys() -> dict[str, str]:
    return {"publicKeyMultibase": PUBLIC, "secretKeyMultibase": multikey.private_multikey(SEED)}


def claims(credential: JsonObject) -> JsonObject:
    """The registered claims OB 3.0 §8.2 requires around a `vc` claim."""
    nbf = int(datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00")).timestamp())
    return {"iss": DID, "jti": credential["id"], "nbf": nbf}


def ours(raw: str | JsonObject) -> str:
    data = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    return verify_credential(data, resolve=MemoryResolver(OtherIssuer("https://other.example")), now=NOW).verdict


def test_we_verify_an_ed25519_2020_credential_the_reference_signed(reference: Reference,
                                                                  bundled_contexts: dict[str, JsonObject]) -> None:
    signed = reference({"mode": "sign2020", "credential": credential_1_1(), "documents": bundled_contexts,
                        "created": proofs.xsd_datetime(SIGNED_AT), **keys()})
    assert signed["proof"]["type"] == "Ed25519Signature2020"
    assert ours(signed) == "valid"
    signed["credentialSubject"]["name"] = "김철수"
    assert ours(signed) == "not_genuine"


def test_the_reference_verifies_an_ed25519_2020_credential_we_signed(reference: Reference,
                                                                    bundled_contexts: dict[str, JsonObject]) -> None:
    signer = proofs.Ed25519Signer(KEY, dids.did_key_method(DID))
    signed = legacy_proofs.sign(credential_1_1(), signer=signer, created=SIGNED_AT)
    answer = reference({"mode": "verify2020", "credential": signed, "documents": bundled_contexts,
                        "now": "2026-03-10T00:00:00Z"})
    assert answer == {"verified": True, "error": None}


def test_both_sides_make_the_same_ed25519_2020_signature(reference: Reference,
                                                        bundled_contexts: dict[str, JsonObject]) -> None:
    theirs = reference({"mode": "sign2020", "credential": credential_1_1(), "documents": bundled_contexts,
                        "created": proofs.xsd_datetime(SIGNED_AT), **keys()})
    signer = proofs.Ed25519Signer(KEY, dids.did_key_method(DID))
    mine = legacy_proofs.sign(credential_1_1(), signer=signer, created=SIGNED_AT)
    assert mine["proof"] == theirs["proof"]  # Ed25519 is deterministic: equal bytes signed, equal proofs


def test_we_verify_a_vc_jwt_made_by_jose(reference: Reference) -> None:
    credential = credential_2_0()
    token = reference({"mode": "signJwt", "payload": {"vc": credential, **claims(credential)},
                       "kid": dids.did_key_method(DID), **keys()})["jwt"]
    assert ours(token) == "valid"
    header, payload, signature = token.split(".")
    assert ours(f"{header}.{payload}.{signature[:-4]}AAAA") == "not_genuine"


def test_jose_verifies_a_vc_jwt_we_signed(reference: Reference) -> None:
    credential = credential_2_0()
    token = vc_jwt.sign(credential, key=KEY, kid=dids.did_key_method(DID))
    answer = reference({"mode": "verifyJwt", "jwt": token, "publicKeyMultibase": PUBLIC})
    assert answer["verified"] is True, answer
    assert answer["header"] == {"alg": "EdDSA", "typ": "JWT", "kid": dids.did_key_method(DID)}
    assert answer["payload"]["vc"] == credential and answer["payload"]["iss"] == DID


def test_a_vc_jwt_signed_by_jose_with_another_key_is_refused_by_us(reference: Reference) -> None:
    other_seed = bytes(range(32))
    other = Ed25519PrivateKey.from_private_bytes(other_seed).public_key()
    credential = credential_2_0()
    token = reference({"mode": "signJwt", "payload": {"vc": credential, **claims(credential)},
                       "kid": dids.did_key_method(DID),
                       "publicKeyMultibase": multikey.public_multikey(other),
                       "secretKeyMultibase": multikey.private_multikey(other_seed)})["jwt"]
    report = verify_credential(token, resolve=MemoryResolver(OtherIssuer("https://other.example")), now=NOW)
    assert report.check(CheckId.PROOF).problem.code == "proof.signature_mismatch"

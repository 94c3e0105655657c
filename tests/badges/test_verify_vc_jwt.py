"""VC-JWT as OB 3.0 §8.2 has it: RS256 (the spec's minimum) beside EdDSA, the issuer's own key, and the
registered claims that must mirror the credential."""
from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key
from jwt.api_jws import PyJWS
from jwt.warnings import InsecureKeyLengthWarning

from badges.jsonld import JsonObject
from badges.report import CheckId, CredentialFormat, Outcome, VerificationReport
from badges.verify import verify_credential
from tests.other_issuer import EMAIL, NOW, OB_V3, VC_V1, MemoryResolver, OtherIssuer, later, rsa_key

BASE = "https://other.example.kr"
_WEAK: list[RSAPrivateKey] = []


@pytest.fixture
def issuer() -> OtherIssuer:
    issuer = OtherIssuer(BASE)
    issuer.publish_rsa_key()
    return issuer


def weak_key() -> RSAPrivateKey:
    if not _WEAK:
        _WEAK.append(generate_private_key(public_exponent=65537, key_size=1024))
    return _WEAK[0]


def weak_token(issuer: OtherIssuer, headers: JsonObject) -> str:
    with warnings.catch_warnings():  # PyJWT warns when signing with a short key: that is the point here
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return issuer.vc_jwt_rs256(key=weak_key(), headers=headers)


def verify(issuer: OtherIssuer, token: str, *, holder: str | None = None) -> VerificationReport:
    return verify_credential(token, resolve=MemoryResolver(issuer), now=NOW, holder=holder)


def payload_of(token: str) -> JsonObject:
    return json.loads(PyJWS().decode_complete(token, options={"verify_signature": False})["payload"])


def resign(issuer: OtherIssuer, payload: JsonObject) -> str:
    return PyJWS().encode(json.dumps(payload, ensure_ascii=False).encode(), issuer.key, algorithm="EdDSA",
                          headers={"kid": issuer.method})


def jwk_of(key: RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "e": "AQAB", "n": base64.urlsafe_b64encode(
        numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()}


def problem(report: VerificationReport, check: CheckId) -> tuple[str, str] | None:
    found = report.check(check).problem
    return (str(report.check(check).outcome), found.code) if found else None


# --- RS256 ----------------------------------------------------------------------------------------

def test_an_rs256_vc_jwt_whose_kid_names_the_issuers_rsa_json_web_key_passes_every_check(issuer: OtherIssuer) -> None:
    report = verify(issuer, issuer.vc_jwt_rs256(), holder=EMAIL)
    assert all(c.outcome is Outcome.PASSED for c in report.checks), report.as_json()
    assert (report.verdict, report.format) == ("valid", CredentialFormat.VC_JWT)


def test_an_rs256_vc_jwt_may_carry_the_issuers_rsa_key_as_a_jwk(issuer: OtherIssuer) -> None:
    assert verify(issuer, issuer.vc_jwt_rs256(headers={"jwk": jwk_of(rsa_key())})).verdict == "valid"


def test_an_rs256_vc_jwt_whose_jwk_the_issuer_never_published_is_not_the_issuers(issuer: OtherIssuer) -> None:
    stranger = generate_private_key(public_exponent=65537, key_size=2048)
    report = verify(issuer, issuer.vc_jwt_rs256(key=stranger, headers={"jwk": jwk_of(stranger)}))
    assert problem(report, CheckId.ISSUER_KEY) == ("failed", "issuer_key.not_issuers_key")
    assert report.verdict == "not_genuine"


def test_a_jwk_header_from_an_https_issuer_vouches_for_nothing(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    credential["issuer"]["id"] = "https://other.example.kr/issuer"
    report = verify(issuer, issuer.vc_jwt_rs256(credential, headers={"jwk": jwk_of(rsa_key())}))
    assert problem(report, CheckId.ISSUER_KEY) == ("failed", "issuer_key.not_issuers_key")


def test_an_rs256_vc_jwt_signed_by_another_rsa_key_than_its_kid_names_is_not_genuine(issuer: OtherIssuer) -> None:
    stranger = generate_private_key(public_exponent=65537, key_size=2048)
    report = verify(issuer, issuer.vc_jwt_rs256(key=stranger))
    assert problem(report, CheckId.PROOF) == ("failed", "proof.signature_mismatch")


def test_an_rsa_key_under_2048_bits_in_the_did_document_is_refused(issuer: OtherIssuer) -> None:
    method = issuer.publish_rsa_key(weak_key(), fragment="key-weak")
    report = verify(issuer, weak_token(issuer, {"kid": method}))
    assert problem(report, CheckId.ISSUER_KEY) == ("failed", "issuer_key.rsa_too_short")
    assert report.verdict == "not_genuine"


def test_an_rsa_jwk_under_2048_bits_is_refused(issuer: OtherIssuer) -> None:
    report = verify(issuer, weak_token(issuer, {"jwk": jwk_of(weak_key())}))
    assert problem(report, CheckId.ISSUER_KEY) == ("failed", "issuer_key.rsa_too_short")


@pytest.mark.parametrize(("alg", "kid"), [("RS256", "#key-1"), ("EdDSA", "#key-rsa"), ("HS256", "#key-rsa"),
                                          ("none", "#key-rsa"), ("PS256", "#key-rsa")])
def test_an_algorithm_that_is_not_the_keys_own_is_refused(issuer: OtherIssuer, alg: str, kid: str) -> None:
    _, payload, signature = issuer.vc_jwt_rs256().split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "kid": issuer.did + kid}).encode()).rstrip(b"=")
    report = verify(issuer, f"{header.decode()}.{payload}.{'' if alg == 'none' else signature}")
    assert problem(report, CheckId.PROOF) == ("failed", "jwt.alg_refused")
    assert report.verdict == "not_genuine"


def test_a_data_integrity_proof_still_refuses_an_rsa_key_of_the_issuer(issuer: OtherIssuer) -> None:
    signed = issuer.data_integrity()
    signed["proof"]["verificationMethod"] = f"{issuer.did}#key-rsa"
    report = verify_credential(json.dumps(signed), resolve=MemoryResolver(issuer), now=NOW)
    assert problem(report, CheckId.ISSUER_KEY) == ("failed", "issuer_key.unsupported")


# --- the registered claims (OB 3.0 §8.2.4.1) --------------------------------------------------------

def drop(name: str) -> Any:
    return lambda p: p.pop(name)


def put(name: str, value: Any) -> Any:
    return lambda p: p.__setitem__(name, value)


MISSING = {"iss": drop("iss"), "nbf": drop("nbf"), "jti": drop("jti"), "exp (validUntil given)": drop("exp")}
MISMATCHED = {"jti": put("jti", "urn:uuid:00000000-0000-4000-8000-000000000000"),
              "sub": put("sub", "did:example:someone-else"), "nbf": put("nbf", int(NOW.timestamp())),
              "exp": put("exp", int(later(400).timestamp()))}


@pytest.mark.parametrize("change", MISSING.values(), ids=MISSING.keys())
def test_a_vc_jwt_without_a_claim_the_spec_requires_is_malformed(issuer: OtherIssuer, change: Any) -> None:
    payload = payload_of(issuer.vc_jwt(valid_until=later(30)))
    change(payload)
    report = verify(issuer, resign(issuer, payload))
    assert problem(report, CheckId.SCHEMA) == ("failed", "jwt.claim_missing")


@pytest.mark.parametrize("change", MISMATCHED.values(), ids=MISMATCHED.keys())
def test_a_vc_jwt_whose_claim_disagrees_with_the_credential_is_malformed(issuer: OtherIssuer, change: Any) -> None:
    credential = issuer.credential(valid_until=later(30))
    credential["credentialSubject"]["id"] = "did:example:jiwoo"
    payload = payload_of(issuer.vc_jwt(credential))
    change(payload)
    report = verify(issuer, resign(issuer, payload))
    assert problem(report, CheckId.SCHEMA) == ("failed", "jwt.claim_mismatch")


def test_a_vc_jwt_with_a_subject_id_needs_the_sub_claim(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    credential["credentialSubject"]["id"] = "did:example:jiwoo"
    assert payload_of(issuer.vc_jwt(credential))["sub"] == "did:example:jiwoo"
    payload = payload_of(issuer.vc_jwt(credential))
    del payload["sub"]
    assert problem(verify(issuer, resign(issuer, payload)), CheckId.SCHEMA) == ("failed", "jwt.claim_missing")


def test_a_vc_1_1_vc_jwt_mirrors_issuance_and_expiration_dates(issuer: OtherIssuer) -> None:
    credential = issuer.credential(context=[VC_V1, OB_V3, "https://www.w3.org/ns/credentials/status/v1"],
                                   valid_until=later(30))
    assert verify(issuer, issuer.vc_jwt_rs256(credential)).verdict == "valid"
    payload = payload_of(issuer.vc_jwt(credential))
    payload["exp"] += 3600
    assert problem(verify(issuer, resign(issuer, payload)), CheckId.SCHEMA) == ("failed", "jwt.claim_mismatch")


def test_a_vc_jose_cose_jwt_whose_payload_is_the_credential_needs_no_claims(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    assert verify(issuer, resign(issuer, credential)).verdict == "valid"
    credential["iss"] = "did:web:elsewhere.example"
    assert problem(verify(issuer, resign(issuer, credential)), CheckId.SCHEMA) == ("failed", "jwt.claim_mismatch")


@pytest.mark.parametrize("jwk", [{"kty": "RSA", "e": "AQAB", "n": "_" * 2800}, {"kty": "RSA", "e": "AQAB"},
                                 {"kty": "RSA", "e": "AQAB", "n": "AQAB", "d": "AQAB"}],
                         ids=["16800-bit modulus", "no modulus", "a private key"])
def test_an_rsa_jwk_that_is_oversized_incomplete_or_private_is_unsupported(issuer: OtherIssuer,
                                                                            jwk: JsonObject) -> None:
    report = verify(issuer, issuer.vc_jwt_rs256(headers={"jwk": jwk}))
    assert problem(report, CheckId.ISSUER_KEY) == ("failed", "issuer_key.unsupported")

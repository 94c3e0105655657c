"""Every format the pipeline accepts gives the same report shape: the same checks, the same verdicts."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.api_jws import PyJWS

from badges import dids, vc_jwt
from badges.jsonld import JsonObject
from badges.report import CheckId, CredentialFormat, Outcome, VerificationReport
from badges.verify import verify_credential
from tests.other_issuer import EMAIL, NOW, MemoryResolver, OtherIssuer, later

ORDER = list(CheckId)
BASE = "https://other.example.kr"


@pytest.fixture
def issuer() -> OtherIssuer:
    return OtherIssuer(BASE)


def verify(issuer: OtherIssuer, raw: bytes | str | JsonObject, *, holder: str | None = None) -> VerificationReport:
    data = json.dumps(raw, ensure_ascii=False) if isinstance(raw, dict) else raw
    return verify_credential(data, resolve=MemoryResolver(issuer), now=NOW, holder=holder)


def outcomes(report: VerificationReport) -> dict[str, str]:
    return {str(c.id): str(c.outcome) for c in report.checks}


def b64(data: JsonObject) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- the good case of every format ------------------------------------------------------------------

GOOD = {
    "JSON-LD, eddsa-rdfc-2022, did:web": (lambda i: i.data_integrity(), CredentialFormat.VC_LD),
    "VC 1.1, Ed25519Signature2020": (lambda i: i.ed25519_2020(), CredentialFormat.VC_LD),
    "VC-JWT (OB 3.0 §8.2)": (lambda i: i.vc_jwt(), CredentialFormat.VC_JWT),
    "OB 2.0 hosted": (lambda i: i.ob2_assertion(), CredentialFormat.OB2_HOSTED),
    "OB 2.0 signed (RS256 JWS)": (lambda i: i.ob2_signed(), CredentialFormat.OB2_SIGNED),
}


@pytest.mark.parametrize(("make", "kind"), GOOD.values(), ids=GOOD.keys())
def test_a_good_credential_in_every_format_passes_every_check_with_the_holder(issuer: OtherIssuer, make, kind) -> None:  # type: ignore[no-untyped-def]
    report = verify(issuer, make(issuer), holder=f"  {EMAIL.upper()} ")
    assert [c.id for c in report.checks] == ORDER
    assert outcomes(report) == {str(c): "passed" for c in ORDER}, report.as_json()
    assert (report.verdict, report.format) == ("valid", kind)


@pytest.mark.parametrize(("make", "kind"), GOOD.values(), ids=GOOD.keys())
def test_every_format_fails_the_holder_check_for_another_email(issuer: OtherIssuer, make, kind) -> None:  # type: ignore[no-untyped-def]
    report = verify(issuer, make(issuer), holder="someone.else@example.kr")
    assert report.verdict == "not_recipient"
    assert report.check(CheckId.RECIPIENT).problem.code == "recipient.mismatch"


@pytest.mark.parametrize(("make", "kind"), GOOD.values(), ids=GOOD.keys())
def test_every_format_reports_revocation_by_its_issuer(issuer: OtherIssuer, make, kind) -> None:  # type: ignore[no-untyped-def]
    presented = make(issuer)
    if kind is CredentialFormat.OB2_HOSTED:
        issuer.publish(presented["id"], {"id": presented["id"], "revoked": True, "revocationReason": "중복 발급"}, 410)
    elif kind is CredentialFormat.OB2_SIGNED:
        issuer.ob2_revoke(json.loads(PyJWS().decode_complete(presented, options={"verify_signature": False})
                                     ["payload"])["id"])
    else:
        issuer.revoke()
    report = verify(issuer, presented)
    assert report.verdict == "revoked"
    assert outcomes(report)["status"] == "failed" and outcomes(report)["proof"] == "passed"


# --- Ed25519Signature2020 and VC 1.1 ----------------------------------------------------------------

def test_an_ed25519_2020_credential_changed_after_signing_is_not_genuine(issuer: OtherIssuer) -> None:
    signed = issuer.ed25519_2020()
    signed["credentialSubject"]["name"] = "김철수"
    report = verify(issuer, signed)
    assert report.check(CheckId.PROOF).problem.code == "proof.signature_mismatch"
    assert report.verdict == "not_genuine"


def test_an_ed25519_2020_proof_without_its_suite_context_is_refused(issuer: OtherIssuer) -> None:
    signed = issuer.ed25519_2020()
    signed["@context"] = signed["@context"][:3]
    assert verify(issuer, signed).check(CheckId.ISSUER_KEY).problem.code == "proof.suite_context_missing"


def test_a_vc_1_1_credential_past_its_expiration_date_is_expired(issuer: OtherIssuer) -> None:
    report = verify(issuer, issuer.ed25519_2020(valid_until=later(-1)))
    assert report.verdict == "expired"
    assert report.check(CheckId.VALIDITY).problem.path == "/expirationDate"


# --- VC-JWT -----------------------------------------------------------------------------------------

def test_a_vc_jwt_whose_payload_was_changed_is_not_genuine(issuer: OtherIssuer) -> None:
    token = issuer.vc_jwt()
    header, _, signature = token.split(".")
    forged = json.loads(PyJWS().decode_complete(token, options={"verify_signature": False})["payload"])
    forged["vc"]["credentialSubject"]["name"] = "김철수"
    report = verify(issuer, f"{header}.{b64(forged)}.{signature}")
    assert report.check(CheckId.PROOF).problem.code == "proof.signature_mismatch"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES256"])
def test_a_vc_jwt_with_an_algorithm_its_ed25519_key_does_not_use_is_refused(issuer: OtherIssuer, alg: str) -> None:
    _, payload, signature = issuer.vc_jwt().split(".")
    token = f"{b64({'alg': alg, 'kid': issuer.method})}.{payload}.{'' if alg == 'none' else signature}"
    report = verify(issuer, token)
    assert report.check(CheckId.PROOF).problem.code == "jwt.alg_refused"
    assert report.verdict == "not_genuine"


def test_a_vc_jwt_signed_by_a_key_of_another_did_is_not_the_issuers(issuer: OtherIssuer) -> None:
    stranger = Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32)
    did = dids.did_key(stranger.public_key())
    token = vc_jwt.sign(issuer.credential(), key=stranger, kid=dids.did_key_method(did))
    assert verify(issuer, token).check(CheckId.ISSUER_KEY).problem.code == "issuer_key.not_issuers_key"


def test_a_vc_jwt_from_a_did_key_issuer_may_carry_its_key_as_a_jwk(issuer: OtherIssuer) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes([4]) * 32)
    did = dids.did_key(key.public_key())
    credential = issuer.credential(with_status=False)
    credential["issuer"]["id"] = did
    x = base64.urlsafe_b64encode(key.public_key().public_bytes_raw()).rstrip(b"=").decode()
    claims = {"vc": credential, "iss": did, "jti": credential["id"], "nbf": int(NOW.timestamp()) - 86400}
    credential["validFrom"] = (NOW - timedelta(days=1)).isoformat()
    token = PyJWS().encode(json.dumps(claims).encode(), key, algorithm="EdDSA",
                           headers={"jwk": {"kty": "OKP", "crv": "Ed25519", "x": x}})
    assert verify(issuer, token).verdict == "valid"


def test_a_vc_jwt_whose_iss_claim_names_another_issuer_is_malformed(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    token = PyJWS().encode(json.dumps({"vc": credential, "iss": "did:web:elsewhere.example"}).encode(),
                           issuer.key, algorithm="EdDSA", headers={"kid": issuer.method})
    report = verify(issuer, token)
    assert (report.check(CheckId.SCHEMA).problem.code, report.check(CheckId.SCHEMA).problem.path) == (
        "jwt.claim_mismatch", "/iss")


def test_a_vc_jwt_past_its_exp_claim_is_expired(issuer: OtherIssuer) -> None:
    report = verify(issuer, issuer.vc_jwt(valid_until=later(-2)))
    assert report.verdict == "expired"
    assert report.check(CheckId.VALIDITY).problem.path == "/exp"


@pytest.mark.parametrize("token", ["eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln", "eyJub3QganNvbg.e30.c2ln",
                                   "eyJhbGciOiJFZERTQSJ9.W10.c2ln", b64([[]] * 1) + ".e30.c2ln"],  # type: ignore[arg-type]
                         ids=["payload not JSON", "header not JSON", "payload an array", "header an array"])
def test_a_malformed_jwt_fails_the_parse_check(issuer: OtherIssuer, token: str) -> None:
    report = verify(issuer, token)
    assert report.check(CheckId.PARSE).outcome is Outcome.FAILED
    assert report.format is CredentialFormat.UNKNOWN


def test_a_jwt_with_a_deeply_nested_header_fails_the_parse_check(issuer: OtherIssuer) -> None:
    header = base64.urlsafe_b64encode(b"[" * 50_000 + b"]" * 50_000).rstrip(b"=").decode()
    assert verify(issuer, f"{header}.e30.c2ln").check(CheckId.PARSE).problem.code == "parse.jwt_malformed"


# --- Open Badges 2.0 --------------------------------------------------------------------------------

def test_an_ob2_hosted_assertion_records_its_badge_class_and_issuer(issuer: OtherIssuer) -> None:
    report = verify(issuer, issuer.ob2_assertion())
    assert report.resolved["badge"]["name"] == "웹 개발 기초"
    assert report.resolved["issuer"]["name"] == "Legacy Academy 레거시 아카데미"


def test_an_ob2_hosted_assertion_that_differs_from_the_hosted_copy_is_not_genuine(issuer: OtherIssuer) -> None:
    presented = issuer.ob2_assertion()
    presented["issuedOn"] = "2020-01-01T00:00:00Z"
    assert verify(issuer, presented).check(CheckId.PROOF).problem.code == "ob2.hosted_mismatch"


def test_an_ob2_hosted_assertion_on_another_origin_than_its_issuer_is_not_genuine(issuer: OtherIssuer) -> None:
    elsewhere = OtherIssuer("https://elsewhere.example")
    presented = elsewhere.ob2_assertion()
    presented["badge"] = issuer.ob2_badge
    report = verify_credential(json.dumps(presented), resolve=MemoryResolver(issuer, elsewhere), now=NOW)
    assert report.check(CheckId.ISSUER_KEY).problem.code == "ob2.origin_not_allowed"


def test_an_ob2_assertion_whose_badge_class_cannot_be_fetched_is_unknown(issuer: OtherIssuer) -> None:
    presented = issuer.ob2_assertion()
    del issuer.documents[issuer.ob2_badge]
    report = verify(issuer, presented)
    assert report.check(CheckId.ISSUER_KEY).outcome is Outcome.UNKNOWN
    assert report.verdict == "unknown"


def test_an_ob2_signed_assertion_changed_after_signing_is_not_genuine(issuer: OtherIssuer) -> None:
    header, _, signature = issuer.ob2_signed().split(".")
    forged = issuer.ob2_assertion(hosted=False)
    forged["issuedOn"] = "2020-01-01T00:00:00Z"
    report = verify(issuer, f"{header}.{b64(forged)}.{signature}")
    assert report.check(CheckId.PROOF).problem.code == "proof.signature_mismatch"


def test_an_ob2_signed_assertion_presented_without_its_signature_is_not_genuine(issuer: OtherIssuer) -> None:
    report = verify(issuer, issuer.ob2_assertion(hosted=False))
    assert (report.format, report.check(CheckId.PROOF).problem.code) == (
        CredentialFormat.OB2_SIGNED, "ob2.signature_missing")


def test_an_ob2_key_owned_by_someone_else_is_not_the_issuers(issuer: OtherIssuer) -> None:
    _code, body = issuer.documents[issuer.ob2_key]
    key = json.loads(body)
    key["owner"] = "https://elsewhere.example/issuer.json"
    issuer.publish(issuer.ob2_key, key)
    assert verify(issuer, issuer.ob2_signed()).check(CheckId.ISSUER_KEY).problem.code == "issuer_key.not_issuers_key"


def test_an_ob2_assertion_past_its_expiry_is_expired(issuer: OtherIssuer) -> None:
    presented = issuer.ob2_assertion()
    presented["expires"] = "2026-01-01T00:00:00Z"
    issuer.publish(presented["id"], presented)
    assert verify(issuer, presented).verdict == "expired"


def test_an_ob2_recipient_hashed_with_md5_leaves_the_holder_unknown(issuer: OtherIssuer) -> None:
    presented = issuer.ob2_assertion()
    presented["recipient"]["identity"] = "md5$" + "0" * 32
    issuer.publish(presented["id"], presented)
    report = verify(issuer, presented, holder=EMAIL)
    assert report.check(CheckId.RECIPIENT).outcome is Outcome.UNKNOWN
    assert report.verdict == "unknown"


def publish_ob2_keys(issuer: OtherIssuer, count: int) -> list[str]:
    """The issuer's Profile listing `count` keys: its own first, then copies of it published at further URLs."""
    _code, body = issuer.documents[issuer.ob2_key]
    urls = [issuer.ob2_key] + [f"{issuer.base}/ob2/keys/{n}" for n in range(1, count)]
    for url in urls[1:]:
        issuer.publish(url, {**json.loads(body), "id": url})
    _code, profile = issuer.documents[issuer.ob2_issuer]
    issuer.publish(issuer.ob2_issuer, {**json.loads(profile), "publicKey": urls})
    return urls


def test_an_ob2_signed_assertion_not_naming_its_key_is_checked_with_at_most_five_listed_keys(
        issuer: OtherIssuer) -> None:
    assertion = issuer.ob2_assertion(hosted=False)
    assertion["verification"] = {"type": "SignedBadge"}
    publish_ob2_keys(issuer, 5)
    assert verify(issuer, issuer.ob2_signed(assertion)).verdict == "valid"
    publish_ob2_keys(issuer, 6)
    report = verify(issuer, issuer.ob2_signed(assertion))
    assert (report.check(CheckId.ISSUER_KEY).outcome, report.check(CheckId.ISSUER_KEY).problem.code) == (
        Outcome.UNKNOWN, "ob2.too_many_keys")
    assert report.verdict == "unknown"


def test_an_ob2_signed_assertion_naming_its_key_is_checked_whatever_the_number_of_keys_listed(
        issuer: OtherIssuer) -> None:
    publish_ob2_keys(issuer, 50)
    assert verify(issuer, issuer.ob2_signed()).verdict == "valid"


@pytest.mark.parametrize("hosted", [True, False], ids=["hosted", "signed"])
def test_an_ob2_issuer_profile_over_the_bounds_is_not_read(issuer: OtherIssuer, hosted: bool) -> None:
    publish_ob2_keys(issuer, 101)  # one more than an array may hold
    presented = issuer.ob2_assertion() if hosted else issuer.ob2_signed()
    report = verify(issuer, presented)
    assert (report.check(CheckId.ISSUER_KEY).outcome, report.check(CheckId.ISSUER_KEY).problem.code) == (
        Outcome.UNKNOWN, "ob2.issuer_too_complex")

"""Proof sets: a credential with several proofs verifies when one is a valid proof by its issuer; the others
are ignored, and a set in which none holds fails."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges import dids, proofs
from badges.jsonld import JsonObject
from badges.report import CheckId, Outcome, VerificationReport
from badges.verify import verify_credential
from tests.other_issuer import EMAIL, ISSUED, NOW, MemoryResolver, OtherIssuer

BASE = "https://other.example.kr"
ORDER = list(CheckId)


@pytest.fixture
def issuer() -> OtherIssuer:
    return OtherIssuer(BASE)


def cosigner_proof(credential: JsonObject, seed: int = 21) -> JsonObject:
    """A valid proof over the credential by someone else (a did:key that is not the issuer)."""
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    signer = proofs.Ed25519Signer(key, dids.did_key_method(dids.did_key(key.public_key())))
    return proofs.sign(credential, signer=signer, created=ISSUED)["proof"]


def issuers_proof(issuer: OtherIssuer, credential: JsonObject) -> JsonObject:
    return proofs.sign(credential, signer=issuer.signer, created=ISSUED)["proof"]


def with_proofs(credential: JsonObject, *proof_set: JsonObject) -> JsonObject:
    return {**credential, "proof": list(proof_set)}


def verify(issuer: OtherIssuer, credential: JsonObject, **kwargs: object) -> VerificationReport:
    return verify_credential(json.dumps(credential), resolve=MemoryResolver(issuer), now=NOW, **kwargs)  # type: ignore[arg-type]


def code(report: VerificationReport, check: CheckId) -> tuple[Outcome, str | None]:
    found = report.check(check)
    return found.outcome, found.problem.code if found.problem else None


@pytest.mark.parametrize("issuer_first", [True, False], ids=["issuer's proof first", "issuer's proof last"])
def test_a_proof_set_with_a_valid_proof_by_the_issuer_and_a_cosigners_proof_is_valid(
        issuer: OtherIssuer, issuer_first: bool) -> None:
    credential = issuer.credential()
    mine, theirs = issuers_proof(issuer, credential), cosigner_proof(credential)
    report = verify(issuer, with_proofs(credential, *((mine, theirs) if issuer_first else (theirs, mine))),
                    holder=EMAIL)
    assert [c.outcome for c in report.checks] == [Outcome.PASSED] * len(ORDER), report.as_json()
    assert report.verdict == "valid"


def test_a_proof_set_ignores_a_broken_proof_and_a_suite_we_do_not_accept(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    broken = {**issuers_proof(issuer, credential), "created": "2020-01-01T00:00:00Z"}  # changed after signing
    unknown = {"type": "JsonWebSignature2020", "proofPurpose": "assertionMethod", "jws": "e30..c2ln",
               "verificationMethod": issuer.method}
    report = verify(issuer, with_proofs(credential, broken, unknown, issuers_proof(issuer, credential)))
    assert report.verdict == "valid"


def test_a_proof_set_with_only_other_signers_proofs_is_not_the_issuers(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    report = verify(issuer, with_proofs(credential, cosigner_proof(credential), cosigner_proof(credential, 22)))
    assert code(report, CheckId.ISSUER_KEY) == (Outcome.FAILED, "proof.set_none_valid")
    assert report.check(CheckId.PROOF).outcome is Outcome.SKIPPED
    assert report.verdict == "not_genuine"


def test_a_proof_set_in_which_no_proof_holds_fails_the_proof_check(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    later = proofs.sign(credential, signer=issuer.signer, created=NOW)["proof"]
    proof_set = [issuers_proof(issuer, credential), later, cosigner_proof(credential)]
    credential["credentialSubject"]["name"] = "김철수"  # changed after all signed
    report = verify(issuer, with_proofs(credential, *proof_set))
    assert code(report, CheckId.PROOF) == (Outcome.FAILED, "proof.set_none_valid")
    assert "proof.signature_mismatch" in report.check(CheckId.PROOF).problem.detail
    assert report.verdict == "not_genuine"


def test_a_proof_set_whose_only_issuer_proof_fails_reports_that_proofs_problem(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    proof_set = [issuers_proof(issuer, credential), cosigner_proof(credential)]
    credential["credentialSubject"]["name"] = "김철수"  # the co-signer's proof is not the issuer's: ignored
    assert code(verify(issuer, with_proofs(credential, *proof_set)), CheckId.PROOF) == (
        Outcome.FAILED, "proof.signature_mismatch")


def test_a_proof_set_whose_issuer_key_cannot_be_resolved_is_unknown_not_failed(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    proof_set = [cosigner_proof(credential), issuers_proof(issuer, credential)]
    del issuer.documents[f"{BASE}/.well-known/did.json"]
    report = verify(issuer, with_proofs(credential, *proof_set))
    assert code(report, CheckId.ISSUER_KEY) == (Outcome.UNKNOWN, "issuer_key.unresolvable")
    assert report.verdict == "unknown"


def test_a_proof_set_larger_than_the_bound_is_refused_before_any_key_is_fetched(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    report = verify(issuer, with_proofs(credential, *[cosigner_proof(credential, 30 + i) for i in range(6)]))
    assert code(report, CheckId.ISSUER_KEY) == (Outcome.FAILED, "proof.set_too_large")


def test_a_one_element_proof_array_is_a_single_proof(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    assert verify(issuer, with_proofs(credential, issuers_proof(issuer, credential))).verdict == "valid"
    credential["credentialSubject"]["name"] = "김철수"
    report = verify(issuer, with_proofs(credential, issuers_proof(issuer, issuer.credential())))
    assert code(report, CheckId.PROOF) == (Outcome.FAILED, "proof.signature_mismatch")

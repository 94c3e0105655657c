"""Verifiable Presentations signed with a holder's did:key (authentication purpose, challenge, domain)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import keys
from badges import dids, model, proofs
from badges.jsonld import JsonObject
from badges.presentations import presentation, sign_presentation, verify_presentation
from badges.report import STATUS_RETRIEVAL, CheckUndecided
from badges.verify import verify_credential

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class NoNetwork:
    """A resolver for did:key issuers only: nothing is ever fetched."""

    def did_document(self, did: str) -> JsonObject:
        raise CheckUndecided(STATUS_RETRIEVAL, "issuer_key.unresolvable", f"{did} is not resolvable here.")

    def status_list(self, url: str) -> JsonObject:
        raise CheckUndecided(STATUS_RETRIEVAL, "status.unreachable", f"{url} is not reachable here.")

    def document(self, url: str) -> JsonObject:
        raise CheckUndecided(STATUS_RETRIEVAL, "fetch.failed", f"{url} is not reachable here.")


def signer() -> proofs.Ed25519Signer:
    key = keys.generate()
    return proofs.Ed25519Signer(key, dids.did_key_method(dids.did_key(key.public_key())))


@pytest.fixture(scope="module")
def credential() -> JsonObject:
    issuer = signer()
    did = issuer.verification_method.split("#")[0]
    achievement = model.achievement(achievement_id="https://school.example/courses/1", name="데이터 분석",
                                    description="40시간", criteria="과제 제출")
    unsigned = model.achievement_credential(
        credential_id="https://school.example/credentials/1", issuer=model.profile(did=did, name="School"),
        achievement=achievement, recipient=model.Recipient("김민지", "minji@example.com"), valid_from=NOW)
    return proofs.sign(unsigned, signer=issuer, created=NOW)


@pytest.fixture(scope="module")
def holder() -> proofs.Ed25519Signer:
    return signer()


def signed(credential: JsonObject, holder: proofs.Ed25519Signer, **options: str) -> str:
    doc = presentation([credential], holder=holder.verification_method.split("#")[0], presentation_id="urn:uuid:1")
    return json.dumps(sign_presentation(doc, signer=holder, created=NOW, **options), ensure_ascii=False)


def test_a_presentation_signed_by_its_holder_verifies_with_every_credential_in_it(
        credential: JsonObject, holder: proofs.Ed25519Signer) -> None:
    raw = signed(credential, holder, challenge="c-1", domain="acme.example")
    proof = json.loads(raw)["proof"]
    assert (proof["proofPurpose"], proof["challenge"], proof["domain"]) == ("authentication", "c-1", "acme.example")
    report = verify_presentation(raw, resolve=NoNetwork(), now=NOW, challenge="c-1", domain="acme.example")
    assert report.verified and [r.verdict for r in report.credentials] == ["valid"]


@pytest.mark.parametrize("challenge, domain, code", [("c-2", "acme.example", "presentation.challenge_mismatch"),
                                                    ("c-1", "evil.example", "presentation.domain_mismatch")])
def test_a_presentation_made_for_another_challenge_or_domain_is_refused(
        credential: JsonObject, holder: proofs.Ed25519Signer, challenge: str, domain: str, code: str) -> None:
    report = verify_presentation(signed(credential, holder, challenge="c-1", domain="acme.example"),
                                 resolve=NoNetwork(), now=NOW, challenge=challenge, domain=domain)
    assert not report.verified and report.problem is not None and report.problem.code == code


def test_a_changed_presentation_fails_its_holder_proof(credential: JsonObject, holder: proofs.Ed25519Signer) -> None:
    doc = json.loads(signed(credential, holder))
    doc["holder"] = signer().verification_method.split("#")[0]
    report = verify_presentation(json.dumps(doc), resolve=NoNetwork(), now=NOW)
    assert report.problem is not None and report.problem.code == "presentation.not_holders_key"
    doc = json.loads(signed(credential, holder))
    doc["id"] = "urn:uuid:2"
    report = verify_presentation(json.dumps(doc), resolve=NoNetwork(), now=NOW)
    assert report.problem is not None and report.problem.code == "proof.signature_mismatch"


def test_a_credential_signed_for_authentication_does_not_pass_as_issued(credential: JsonObject) -> None:
    issuer = signer()
    resigned = proofs.sign({**credential, "issuer": {**credential["issuer"],
                                                     "id": issuer.verification_method.split("#")[0]}},
                           signer=issuer, created=NOW, purpose=proofs.AUTHENTICATION)
    report = verify_credential(json.dumps(resigned), resolve=NoNetwork(), now=NOW)
    problem = report.check("issuer_key").problem
    assert report.verdict == "not_genuine" and problem is not None and problem.code == "proof.wrong_purpose"

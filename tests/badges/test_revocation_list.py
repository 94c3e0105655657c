"""The 1EdTech Revocation List status method: the issuer's own list, fetched from credentialStatus.id, says
whether the credential is revoked; a list that is not the issuer's says nothing."""
from __future__ import annotations

import json

import pytest

from badges import proofs
from badges.jsonld import JsonObject
from badges.report import CheckId, Outcome, VerificationReport
from badges.verify import verify_credential
from tests.other_issuer import ISSUED, NOW, MemoryResolver, OtherIssuer

BASE = "https://other.example.kr"


@pytest.fixture
def issuer() -> OtherIssuer:
    return OtherIssuer(BASE)


def signed(issuer: OtherIssuer, entry: JsonObject | None = None) -> JsonObject:
    credential = issuer.credential(with_status=False)
    credential["credentialStatus"] = entry or issuer.revocation_entry()
    return proofs.sign(credential, signer=issuer.signer, created=ISSUED)


def verify(issuer: OtherIssuer, credential: JsonObject) -> VerificationReport:
    return verify_credential(json.dumps(credential), resolve=MemoryResolver(issuer), now=NOW)


def status(report: VerificationReport) -> tuple[Outcome, str | None]:
    check = report.check(CheckId.STATUS)
    return check.outcome, check.problem.code if check.problem else None


def test_a_credential_the_issuers_revocation_list_does_not_name_is_valid(issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    issuer.publish_revocation_list(["urn:uuid:11111111-2222-4333-8444-555555555555"])
    report = verify(issuer, credential)
    assert status(report) == (Outcome.PASSED, None)
    assert report.verdict == "valid"


@pytest.mark.parametrize("listed", ["bare id", "object with a reason"])
def test_a_credential_the_issuers_revocation_list_names_is_revoked(issuer: OtherIssuer, listed: str) -> None:
    credential = signed(issuer)
    entry = credential["id"] if listed == "bare id" else {"id": credential["id"], "revocationReason": "중복 발급"}
    issuer.publish_revocation_list([entry])
    report = verify(issuer, credential)
    assert status(report) == (Outcome.FAILED, "status.revoked")
    assert report.verdict == "revoked"
    assert report.check(CheckId.PROOF).outcome is Outcome.PASSED


def test_a_revocation_list_signed_by_the_issuer_is_believed(issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    issuer.publish_revocation_list([credential["id"]], signed=True)
    assert verify(issuer, credential).verdict == "revoked"


def test_a_revocation_list_published_by_another_issuer_leaves_the_status_unknown(issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    issuer.publish_revocation_list([], issuer="did:web:elsewhere.example")
    report = verify(issuer, credential)
    assert status(report) == (Outcome.UNKNOWN, "status.revocation_list_not_issuers")
    assert report.verdict == "unknown"


def test_a_revocation_list_whose_proof_does_not_hold_leaves_the_status_unknown(issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    document = issuer.publish_revocation_list([], signed=True)
    document["revokedCredentials"] = ["urn:uuid:someone-else"]  # changed after signing
    issuer.publish(document["id"], document)
    assert status(verify(issuer, credential)) == (Outcome.UNKNOWN, "status.list_unverifiable")


def test_a_revocation_list_signed_by_a_stranger_claiming_the_issuer_leaves_the_status_unknown(
        issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    stranger = OtherIssuer(BASE, seed=5)
    unsigned = {k: v for k, v in issuer.publish_revocation_list([], signed=True).items() if k != "proof"}
    document = proofs.sign(unsigned, signer=stranger.signer, created=ISSUED)  # the issuer's key id, another key
    issuer.publish(document["id"], document)
    assert status(verify(issuer, credential)) == (Outcome.UNKNOWN, "status.list_unverifiable")


def test_an_unreachable_revocation_list_leaves_the_status_unknown(issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    del issuer.documents[credential["credentialStatus"]["id"]]
    assert status(verify(issuer, credential)) == (Outcome.UNKNOWN, "status.unreachable")


def test_a_revocation_list_with_a_malformed_list_leaves_the_status_unknown(issuer: OtherIssuer) -> None:
    credential = signed(issuer)
    document = issuer.publish_revocation_list([])
    issuer.publish(document["id"], {**document, "revokedCredentials": {"id": credential["id"]}})
    assert status(verify(issuer, credential)) == (Outcome.UNKNOWN, "status.list_malformed")


def test_a_revocation_list_entry_without_a_url_is_malformed(issuer: OtherIssuer) -> None:
    report = verify(issuer, signed(issuer, {"id": "urn:uuid:not-a-url", "type": "1EdTechRevocationList"}))
    assert status(report) == (Outcome.FAILED, "status.entry_malformed")

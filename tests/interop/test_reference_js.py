"""Our eddsa-rdfc-2022 proofs against Digital Bazaar's reference stack (vc + data-integrity), run in node."""
from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges import dids, model, multikey, proofs
from badges.jsonld import JsonObject
from badges.report import CheckFailed
from tests import ob3

pytestmark = pytest.mark.node

Reference = Callable[[JsonObject], JsonObject]

SEED = bytes.fromhex("9b1f3c5d7e2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e")
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
PUBLIC_MULTIKEY = multikey.public_multikey(KEY.public_key())
ISSUER = dids.did_key(KEY.public_key())
SIGNED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
CHECKED_AT = "2025-03-02T00:00:00Z"


def unsigned_credential() -> JsonObject:
    """A typical OB 3.0 credential in Korean, with a revocation status entry."""
    return model.achievement_credential(
        credential_id="urn:uuid:5f0e7c1a-3b2d-4e8f-9a6b-0c1d2e3f4a5b",
        issuer=model.profile(did=ISSUER, name="한국 디지털 아카데미", url="https://academy.example.kr",
                             image="https://academy.example.kr/logo.png"),
        achievement=model.achievement(
            achievement_id="https://academy.example.kr/achievements/python-basics",
            name="파이썬 기초 과정 수료", description="파이썬 문법과 자료구조를 익히는 12주 과정",
            criteria="모든 과제를 제출하고 최종 평가에서 70점 이상을 받았습니다.",
            image="https://academy.example.kr/achievements/python-basics.png"),
        recipient=model.Recipient("홍길동", "gildong.hong@example.kr", salt="3f9a1c0e5b7d2468"),
        valid_from=SIGNED_AT,
        status={"id": "https://academy.example.kr/status/1#94567", "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation", "statusListIndex": "94567",
                "statusListCredential": "https://academy.example.kr/status/1"})


def signed_by_us(doc: JsonObject) -> JsonObject:
    """`doc` with our eddsa-rdfc-2022 proof by the test issuer's did:key."""
    signer = proofs.Ed25519Signer(KEY, dids.did_key_method(ISSUER))
    return proofs.sign(doc, signer=signer, created=SIGNED_AT)


def signed_by_reference(reference: Reference, doc: JsonObject, contexts: dict[str, JsonObject]) -> JsonObject:
    """`doc` signed by the reference stack with the same key and `created` as ours."""
    return reference({"mode": "sign", "credential": doc, "documents": contexts,
                      "publicKeyMultibase": PUBLIC_MULTIKEY,
                      "secretKeyMultibase": multikey.private_multikey(SEED),
                      "created": proofs.xsd_datetime(SIGNED_AT)})


@pytest.mark.parametrize("with_our_did_document", [True, False],
                         ids=["our-did-document", "did-key-resolved-by-reference"])
def test_reference_verifies_a_credential_we_signed(reference: Reference, bundled_contexts: dict[str, JsonObject],
                                                   with_our_did_document: bool) -> None:
    documents = dict(bundled_contexts)
    if with_our_did_document:
        documents[ISSUER] = dids.did_key_document(ISSUER)
    answer = reference({"mode": "verify", "credential": signed_by_us(unsigned_credential()),
                        "documents": documents, "now": CHECKED_AT, "statusUnrevoked": True})
    assert answer == {"verified": True, "error": None}


def test_reference_rejects_a_credential_we_signed_whose_achievement_name_was_changed(
        reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    tampered = signed_by_us(unsigned_credential())
    tampered["credentialSubject"]["achievement"]["name"] = "파이썬 심화 과정 수료"
    answer = reference({"mode": "verify", "credential": tampered, "documents": bundled_contexts,
                        "now": CHECKED_AT, "statusUnrevoked": True})
    assert answer == {"verified": False, "error": "Invalid signature."}


def test_reference_refuses_a_credential_with_status_unless_told_it_is_unrevoked(
        reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    answer = reference({"mode": "verify", "credential": signed_by_us(unsigned_credential()),
                        "documents": bundled_contexts, "now": CHECKED_AT})
    assert answer["verified"] is False
    assert "checkStatus" in answer["error"]


def test_we_verify_a_credential_the_reference_signed(reference: Reference,
                                                      bundled_contexts: dict[str, JsonObject]) -> None:
    theirs = signed_by_reference(reference, unsigned_credential(), bundled_contexts)
    proofs.verify_proof(theirs, public_key=multikey.public_key(PUBLIC_MULTIKEY))


def test_reference_leaves_the_credential_as_we_built_it_apart_from_the_proof(
        reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    unsigned = unsigned_credential()
    theirs = signed_by_reference(reference, copy.deepcopy(unsigned), bundled_contexts)
    assert {k: v for k, v in theirs.items() if k != "proof"} == unsigned


def test_reference_signature_equals_ours_byte_for_byte(reference: Reference,
                                                        bundled_contexts: dict[str, JsonObject]) -> None:
    unsigned = unsigned_credential()
    ours = signed_by_us(unsigned)["proof"]
    theirs = signed_by_reference(reference, unsigned, bundled_contexts)["proof"]
    assert multikey.decode_base58btc(theirs["proofValue"]) == multikey.decode_base58btc(ours["proofValue"])
    assert theirs == ours


def test_reference_rejects_a_credential_we_signed_that_gained_a_term_no_context_defines(
        reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    added = signed_by_us(unsigned_credential())
    added["credentialSubject"]["favouriteColour"] = "파랑"
    answer = reference({"mode": "verify", "credential": added, "documents": bundled_contexts,
                        "now": CHECKED_AT, "statusUnrevoked": True})
    assert answer == {"verified": False, "error": "Safe mode validation error."}


def test_we_reject_a_credential_that_gained_a_term_no_context_defines_as_the_reference_does() -> None:
    added = signed_by_us(unsigned_credential())
    added["credentialSubject"]["favouriteColour"] = "파랑"
    with pytest.raises(CheckFailed) as failed:
        proofs.verify_proof(added, public_key=KEY.public_key())
    assert failed.value.problem.code == "proof.canonicalization_failed"
    assert "favouriteColour" in failed.value.problem.detail


def test_a_credential_that_gained_evidence_whose_url_holds_a_space_is_rejected_by_us_as_by_the_reference(
        reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    # pyld (and jsonld.js) leave such a node out of the canonical N-Quads: only safe mode stops it riding along
    added = signed_by_us(unsigned_credential())
    added["evidence"] = [{"id": "https://example.com/my portfolio", "type": ["Evidence"], "narrative": "증거"}]
    answer = reference({"mode": "verify", "credential": added, "documents": bundled_contexts,
                        "now": CHECKED_AT, "statusUnrevoked": True})
    assert answer == {"verified": False, "error": "Safe mode validation error."}
    with pytest.raises(CheckFailed) as failed:
        proofs.verify_proof(added, public_key=KEY.public_key())
    assert failed.value.problem.code == "proof.canonicalization_failed"
    assert "'https://example.com/my portfolio'" in failed.value.problem.detail


CONTROL_CHARACTERS = "".join(chr(c) for c in (*range(1, 0x20), 0x7F))


@pytest.mark.parametrize("text", ["이름\x01끝", "bell\x07 tab\t del\x7f", CONTROL_CHARACTERS],
                         ids=["soh", "bell-tab-del", "every-control-character"])
def test_names_with_control_characters_sign_the_same_both_ways(
        reference: Reference, bundled_contexts: dict[str, JsonObject], text: str) -> None:
    unsigned = unsigned_credential()
    unsigned["credentialSubject"]["achievement"]["name"] = text
    unsigned["issuer"]["name"] = text
    ours = signed_by_us(unsigned)
    answer = reference({"mode": "verify", "credential": ours, "documents": bundled_contexts,
                        "now": CHECKED_AT, "statusUnrevoked": True})
    assert answer == {"verified": True, "error": None}
    theirs = signed_by_reference(reference, unsigned, bundled_contexts)
    assert theirs["proof"] == ours["proof"]
    proofs.verify_proof(theirs, public_key=multikey.public_key(PUBLIC_MULTIKEY))


def rich_credential() -> JsonObject:
    """A credential with everything the service may put in one (OB 3.0 optional content, both languages)."""
    issuer = model.profile(did=ISSUER, name="한국 디지털 아카데미", url="https://academy.example.kr",
                           image="https://academy.example.kr/logo.png", description="디지털 인재 양성")
    achievement = model.achievement(
        achievement_id="https://academy.example.kr/achievements/cloud/versions/2", name="클라우드 개발",
        description="쿠버네티스 과정", criteria="최종 프로젝트 통과", achievement_type="ext:Bootcamp", version="2",
        credits=3.5, hours=960, tags=("Kubernetes", "클라우드"), human_code="KDT-CLOUD-01", creator=issuer,
        alignments=[model.Alignment("DB 구현", "https://www.ncs.go.kr/unit/1", target_code="1", target_type="ext:NCSUnit",
                                    target_framework="NCS")],
        other_identifiers=[model.identifier_entry("HRD-2026-0042", "identifier")],
        related=[{"id": "https://academy.example.kr/achievements/cloud/versions/2?lang=en", "type": ["Related"],
                  "inLanguage": "en", "version": "2"},
                 {"id": "https://academy.example.kr/achievements/cloud/versions/1", "type": ["Related"],
                  "version": "1"}])
    return model.achievement_credential(
        credential_id="urn:uuid:9d2c1b7e-4f3a-4c8d-9e0f-1a2b3c4d5e6f", issuer=issuer, achievement=achievement,
        recipient=model.Recipient("홍길동", "gildong.hong@example.kr", salt="3f9a1c0e5b7d2468", publish_name=True),
        valid_from=SIGNED_AT, completed=SIGNED_AT, credits_earned=3,
        evidence=[model.Evidence(url="https://github.com/gildong/final", name="최종 프로젝트", narrative="배포 완료")],
        status=unsigned_credential()["credentialStatus"])


def test_reference_verifies_a_credential_with_every_optional_part_we_issue(
        reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    signed = signed_by_us(rich_credential())
    assert ob3.problems(signed) == []  # and it is valid against the official schema
    answer = reference({"mode": "verify", "credential": signed, "documents": bundled_contexts, "now": CHECKED_AT,
                        "statusUnrevoked": True})
    assert answer == {"verified": True, "error": None}
    theirs = signed_by_reference(reference, rich_credential(), bundled_contexts)
    assert theirs["proof"] == signed["proof"]

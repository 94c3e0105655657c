"""Endorsements embedded in a badge are each verified as an EndorsementCredential and reported beside it,
never changing its verdict; at most ten are checked, and only what is embedded."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges import dids, proofs, vc_jwt
from badges.endorsements import MAX_ENDORSEMENTS, Endorsements, verify_endorsements
from badges.jsonld import JsonObject
from badges.report import CheckId
from badges.verify import verify_credential
from tests.other_issuer import ISSUED, NOW, MemoryResolver, OtherIssuer, endorsement

BASE = "https://other.example.kr"


@pytest.fixture
def issuer() -> OtherIssuer:
    return OtherIssuer(BASE)


def endorsed(who: OtherIssuer, **where: list[JsonObject]) -> JsonObject:
    """The issuer's credential with endorsements on the credential / achievement / issuer, then signed."""
    credential = who.credential()
    holders = {"credential": credential, "achievement": credential["credentialSubject"]["achievement"],
               "issuer": credential["issuer"]}
    for name, items in where.items():
        holders[name]["endorsement"] = items
    return proofs.sign(credential, signer=who.signer, created=ISSUED)


def check(issuer: OtherIssuer, credential: JsonObject | str) -> tuple[str, Endorsements]:
    resolve = MemoryResolver(issuer)
    raw = credential if isinstance(credential, str) else json.dumps(credential, ensure_ascii=False)
    report = verify_credential(raw, resolve=resolve, now=NOW)
    return report.verdict, verify_endorsements(report, resolve=resolve, now=NOW)


def test_endorsements_on_the_credential_its_achievement_and_its_issuer_are_each_verified(
        issuer: OtherIssuer) -> None:
    plain = issuer.credential()
    credential = endorsed(issuer, credential=[endorsement(plain["id"])],
                          achievement=[endorsement(plain["credentialSubject"]["achievement"]["id"], number=2)],
                          issuer=[endorsement(issuer.did, number=3)])
    verdict, found = check(issuer, credential)
    assert verdict == "valid"
    assert [(e.on, e.verified, e.endorser_name) for e in found.checked] == [
        ("credential", True, "한국소프트웨어산업협회"), ("achievement", True, "한국소프트웨어산업협회"),
        ("issuer", True, "한국소프트웨어산업협회")]
    assert found.checked[0].comment == "현업 요구에 맞는 충실한 과정입니다."
    assert found.as_json()["checked"][0]["endorserId"].startswith("did:key:")


def test_an_endorsement_changed_after_signing_fails_without_changing_the_badges_verdict(issuer: OtherIssuer) -> None:
    forged = endorsement(issuer.credential()["id"])
    forged["credentialSubject"]["endorsementComment"] = "최고의 과정"
    verdict, found = check(issuer, endorsed(issuer, credential=[forged]))
    assert verdict == "valid"
    [only] = found.checked
    assert (only.verified, only.report.verdict) == (False, "not_genuine")
    assert only.report.check(CheckId.PROOF).problem.code == "proof.signature_mismatch"


def test_an_endorsement_of_something_else_is_not_counted_as_endorsing_this(issuer: OtherIssuer) -> None:
    _verdict, found = check(issuer, endorsed(issuer, achievement=[endorsement("https://elsewhere.example/a/1")]))
    [only] = found.checked
    assert (only.report.verdict, only.about_this, only.verified) == ("valid", False, False)


def test_a_profiles_endorsement_copied_onto_an_achievement_named_after_it_is_not_about_this(
        issuer: OtherIssuer) -> None:
    # a genuine endorsement of some organisation (its DID), taken from that organisation's profile and embedded
    # on an achievement whose id the badge's issuer set to the same DID
    someone = OtherIssuer("https://member.example").did
    credential = issuer.credential()
    credential["credentialSubject"]["achievement"]["id"] = someone
    credential["credentialSubject"]["achievement"]["endorsement"] = [endorsement(someone)]
    verdict, found = check(issuer, proofs.sign(credential, signer=issuer.signer, created=ISSUED))
    [only] = found.checked
    assert (verdict, only.report.verdict, only.about_this, only.verified) == ("valid", "valid", False, False)
    on_the_issuer = endorsed(issuer, issuer=[endorsement(issuer.did)])  # where a profile's endorsement belongs
    assert [e.verified for e in check(issuer, on_the_issuer)[1].checked] == [True]


def test_a_badge_whose_proof_fails_has_its_endorsements_left_unchecked(issuer: OtherIssuer) -> None:
    credential = endorsed(issuer, credential=[endorsement(issuer.credential()["id"])])
    credential["name"] = "바뀐 이름"  # after signing: anyone could have put a genuine endorsement here
    verdict, found = check(issuer, credential)
    assert (verdict, found) == ("not_genuine", Endorsements(()))


def test_a_badge_offered_as_an_endorsement_fails_the_endorsement_shape(issuer: OtherIssuer) -> None:
    other_badge = OtherIssuer("https://third.example").data_integrity()
    verdict, found = check(issuer, endorsed(issuer, credential=[other_badge]))
    assert found.checked[0].report.check(CheckId.SCHEMA).problem.code == "schema.invalid"
    assert verdict == "valid"


def test_an_endorsement_as_a_vc_jwt_is_verified(issuer: OtherIssuer) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes([40]) * 32)
    unsigned = {k: v for k, v in endorsement(issuer.credential()["id"]).items() if k != "proof"}
    unsigned["credentialSubject"]["id"] = issuer.credential()["credentialSubject"]["achievement"]["id"]
    token = vc_jwt.sign(unsigned, key=key, kid=dids.did_key_method(dids.did_key(key.public_key())))
    credential = issuer.credential()
    credential["credentialSubject"]["achievement"]["endorsementJwt"] = [token]  # a term only JWTs carry here
    verdict, found = check(issuer, issuer.vc_jwt(credential))
    assert verdict == "valid"
    assert [(e.on, e.verified, e.report.format) for e in found.checked] == [("achievement", True, "vc-jwt")]


def endorsement_jwt(issuer: OtherIssuer, number: int) -> str:
    """An EndorsementCredential of the issuer's achievement as a VC-JWT by a did:key endorser."""
    key = Ed25519PrivateKey.from_private_bytes(bytes([40]) * 32)
    unsigned = {k: v for k, v in endorsement(issuer.credential()["id"], number=number).items() if k != "proof"}
    unsigned["credentialSubject"]["id"] = issuer.credential()["credentialSubject"]["achievement"]["id"]
    return vc_jwt.sign(unsigned, key=key, kid=dids.did_key_method(dids.did_key(key.public_key())))


def test_at_most_ten_endorsements_are_checked(issuer: OtherIssuer) -> None:
    credential = issuer.credential()
    credential["credentialSubject"]["achievement"]["endorsementJwt"] = [
        endorsement_jwt(issuer, n) for n in range(MAX_ENDORSEMENTS + 2)]
    _, found = check(issuer, issuer.vc_jwt(credential))
    assert (len(found.checked), found.not_checked) == (MAX_ENDORSEMENTS, 2)
    assert found.as_json()["notChecked"] == 2


def test_a_badge_embedding_more_endorsements_than_its_bounds_allow_could_not_be_checked(issuer: OtherIssuer) -> None:
    # each embedded endorsement brings its own @context: past badges.bounds.CREDENTIAL's contexts the badge
    # is refused before any JSON-LD work, as could-not-be-checked (not as a forgery)
    credential_id = issuer.credential()["id"]
    many = [endorsement(credential_id, number=n) for n in range(MAX_ENDORSEMENTS + 2)]
    verdict, found = check(issuer, endorsed(issuer, credential=many))
    assert verdict == "unknown"
    assert found.checked == ()


def test_an_endorsements_own_endorsements_are_not_followed(issuer: OtherIssuer) -> None:
    credential_id = issuer.credential()["id"]
    inner = endorsement("urn:uuid:5e1f0c2a-0000-4000-8000-000000000001", number=9)
    outer = {k: v for k, v in endorsement(credential_id).items() if k != "proof"}
    outer["endorsement"] = [inner]
    key = Ed25519PrivateKey.from_private_bytes(bytes([40]) * 32)
    signer = proofs.Ed25519Signer(key, dids.did_key_method(dids.did_key(key.public_key())))
    _, found = check(issuer, endorsed(issuer, credential=[proofs.sign(outer, signer=signer, created=ISSUED)]))
    assert len(found.checked) == 1 and found.checked[0].verified


def test_a_badge_that_does_not_parse_has_no_endorsements() -> None:
    resolve = MemoryResolver(OtherIssuer(BASE))
    report = verify_credential(b"{not json", resolve=resolve, now=NOW)
    assert verify_endorsements(report, resolve=resolve, now=NOW) == Endorsements(())

"""CLR 2.0 transcripts: a ClrCredential of three badges from two organisations, signed by the platform's did:web,
valid against the official CLR schema, verified by our pipeline (each badge inside too) and by the JavaScript
reference; one tampered badge inside (the outer proof signed again) is reported by name."""
from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient

from badges import clr, dids, proofs, status
from badges.jsonld import JsonObject
from badges.report import CheckId
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import dlc
from store import orgs
from store.db import transaction
from store.models import Credential
from tests import ob3
from tests.factories import NOW, issue, make_course, make_org
from tests.other_issuer import ISSUED
from tests.verifier.remote import RemoteIssuer, remote  # noqa: F401 (a fixture)
from tests.verifier.test_summary_pdf_pages import pdf_text
from web.settings import Settings

LATER = NOW + timedelta(days=1)


def three_badges(svc: Services) -> list[JsonObject]:
    """Three signed badges of one learner: two from acme, one from beta."""
    acme, _ = make_org(svc, "acme")
    beta, _ = make_org(svc, "beta")
    ids = [issue(svc, acme, make_course(svc, acme)),
           issue(svc, acme, make_course(svc, acme, name_ko="데이터 엔지니어링", name_en="Data Engineering")),
           issue(svc, beta, make_course(svc, beta, name_ko="보안 기초", name_en="Security Basics"))]
    with transaction(svc.sessions) as session:
        return [json.loads(session.get_one(Credential, i).document) for i in ids]


def signed_clr(svc: Services, badges: list[JsonObject], *, subject: str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
               identifiers: list[JsonObject] | None = None) -> JsonObject:
    """A CLR signed by the platform about the learner `subject`, identified (as the wallet does) by each badge's
    IdentityObject unless `identifiers` are given."""
    profile, signer = svc.platform.attester()
    if identifiers is None:
        identifiers = [i for b in badges for i in b["credentialSubject"]["identifier"]]
    unsigned = clr.clr_credential(included=[clr.Included(b, NOW) for b in badges], issuer=profile,
                                  learner_id=subject, identifiers=identifiers, name="성적증명서 / Transcript",
                                  description="test", issued=NOW)
    return clr.sign_clr(unsigned, signer=signer, created=NOW)


def verify(svc: Services, doc: JsonObject, holder: str | None = None) -> clr.ClrReport:
    with svc.resolver.reading() as resolve:
        return clr.verify_clr(json.dumps(doc, ensure_ascii=False), resolve=resolve, now=LATER, holder=holder)


def self_signed_clr(svc: Services, badges: list[JsonObject], *, name: str,
                    identifiers: list[JsonObject] | None = None) -> tuple[JsonObject, str]:
    """A CLR signed by a did:key of anyone's, which names itself `name`; returns it and that did:key."""
    key = Ed25519PrivateKey.generate()
    did = dids.did_key(key.public_key())
    unsigned = clr.clr_credential(included=[clr.Included(b, NOW) for b in badges],
                                  issuer={"id": did, "type": ["Profile"], "name": name}, learner_id=did,
                                  identifiers=identifiers or (), name="Transcript", description="x", issued=NOW)
    return proofs.sign(unsigned, signer=proofs.Ed25519Signer(key, dids.did_key_method(did)), created=NOW), did


def test_a_clr_of_three_badges_from_two_organisations_is_valid_and_verifies(svc: Services) -> None:
    badges = three_badges(svc)
    doc = signed_clr(svc, badges)
    assert ob3.problems(doc, "clr") == []
    assert doc["credentialSubject"]["verifiableCredential"] == badges  # exactly as issued
    with transaction(svc.sessions) as session:
        platform = orgs.get_org(session, svc.settings.platform_slug)
        assert doc["issuer"]["id"] == platform.did
    report = verify(svc, doc)
    assert report.verified and report.verdict == "valid"
    assert [r.verdict for r in report.inner] == ["valid"] * 3


@pytest.mark.parametrize(("members", "each"), [(1, 20), (2, 24)], ids=["20 of one member", "48 of two members"])
def test_a_clr_of_badges_of_certified_issuers_is_signed_and_verifies_within_the_bounds(
        svc: Services, members: int, each: int) -> None:
    """Every badge of a Digital Leaders Club member carries the same endorsement: the copies' blank nodes tie, and
    labelling them takes about 24 steps a badge (480 for 20; 1,150 for 48, past LABELLING_BUDGET alone), within
    the budget of a document of that size (badges.bounds.labelling_budget)."""
    now = datetime.now(UTC)
    badges = []
    for slug in ("acme", "beta")[:members]:
        org, _ = make_org(svc, slug, member=True)
        with transaction(svc.sessions) as session:
            dlc.grant(session, svc.issuing, svc.platform.identity, slug=slug, valid_until=now + timedelta(days=365),
                      now=now)
        for n in range(each):
            course = make_course(svc, org, name_ko=f"과정 {n}", name_en=f"Course {n}")
            badges.append(json.loads(_document(svc, issue(svc, org, course, now=now))))
    assert all(len(b["issuer"]["endorsement"]) == 1 for b in badges)
    assert len({b["id"] for b in badges}) == members * each
    profile, signer = svc.platform.attester()
    unsigned = clr.clr_credential(included=[clr.Included(b, now) for b in badges], issuer=profile,
                                  learner_id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                                  identifiers=[i for b in badges for i in b["credentialSubject"]["identifier"]],
                                  name="성적증명서 / Transcript", description="test", issued=now)
    doc = clr.sign_clr(unsigned, signer=signer, created=now)
    with svc.resolver.reading() as resolve:
        report = clr.verify_clr(json.dumps(doc, ensure_ascii=False), resolve=resolve, now=now)
    assert report.verdict == "valid", report.as_json()
    assert len(report.inner) == members * each


def tampered_clr(svc: Services) -> tuple[JsonObject, str]:
    """A CLR whose second badge had its achievement renamed after issue; the outer proof is signed again over
    it, so only that badge's own proof fails. Returns the CLR and that badge's id."""
    doc = signed_clr(svc, three_badges(svc))
    unsigned = copy.deepcopy(doc)
    del unsigned["proof"]
    inner = unsigned["credentialSubject"]["verifiableCredential"][1]
    inner["credentialSubject"]["achievement"]["name"] = "위조된 과정"
    _, signer = svc.platform.attester()
    return clr.sign_clr(unsigned, signer=signer, created=NOW), inner["id"]


def test_a_tampered_badge_inside_is_named_while_the_clr_proof_holds(svc: Services) -> None:
    doc, forged = tampered_clr(svc)
    report = verify(svc, doc)
    assert report.outer.verified
    assert not report.verified and report.verdict == "contains_invalid"
    assert report.failed == [1]
    assert report.inner[1].verdict == "not_genuine" and report.inner[1].credential["id"] == forged
    assert [r.verdict for n, r in enumerate(report.inner) if n != 1] == ["valid", "valid"]


def test_a_clr_changed_after_signing_is_not_genuine_and_nothing_inside_is_trusted(svc: Services) -> None:
    doc = signed_clr(svc, three_badges(svc))
    doc["credentialSubject"]["verifiableCredential"].pop()
    report = verify(svc, doc)
    assert report.verdict == "not_genuine" and report.inner == ()


def test_a_clr_over_the_limit_of_credentials_could_not_be_checked(svc: Services) -> None:
    doc = signed_clr(svc, three_badges(svc))
    doc["credentialSubject"]["verifiableCredential"] *= 40  # 120 > clr.MAX_CREDENTIALS
    report = verify(svc, doc)
    assert report.verdict == "unknown"
    assert report.outer.check("parse").problem.code == "parse.too_complex"
    with pytest.raises(ValueError):
        clr.clr_credential(included=[], issuer={"id": "did:web:x"}, learner_id="did:key:z", name="n",
                           description="d", issued=NOW)


def test_the_verify_api_and_page_report_every_badge_inside(client: FlaskClient, svc: Services) -> None:
    doc, forged = tampered_clr(svc)
    answer = client.post("/api/v1/verify", json=doc)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.get_json()
    assert body["format"] == "clr" and body["verdict"] == "contains_invalid" and body["verified"] is False
    assert [(c["id"] == forged, c["verdict"]) for c in body["credentials"]] == [
        (False, "valid"), (True, "not_genuine"), (False, "valid")]
    for lang, heading, bad in (("ko", "포함된 배지", "진본이 아닙니다"), ("en", "Badges inside", "Not genuine")):
        page = client.post(f"/verify?lang={lang}", data={"credential": json.dumps(doc, ensure_ascii=False)})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and heading in html and bad in html
        assert f'data-verdict="not_genuine" data-id="{forged}"' in html
        assert 'data-verdict="contains_invalid" data-kind="clr"' in html


def test_the_platform_identity_is_created_once_with_its_did_document_and_not_listed_as_a_member(
        client: FlaskClient, svc: Services) -> None:
    first, _ = svc.platform.attester()
    again, _ = svc.platform.attester()
    assert first == again and first["name"] == "디지털 인재 얼라이언스"
    did_document = client.get(f"/orgs/{svc.settings.platform_slug}/did.json").get_json()
    assert did_document["id"] == first["id"]
    make_org(svc, "acme")
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "Acme Academy" in home and "Digital Talent Alliance" not in home and "디지털 인재 얼라이언스" not in home


@pytest.fixture
def fetching_svc(settings: Settings) -> Iterator[Services]:
    """Services that fetch other issuers' documents from 127.0.0.1, three fetches to a verification."""
    app = create_app(replace(settings, insecure_fetch=True, verification_fetches=3))
    yield app.extensions["badges"]
    app.extensions["badges"].events.close()
    app.extensions["badges"].engine.dispose()


def test_the_badges_inside_a_clr_share_one_budget_of_fetches(fetching_svc: Services, remote: RemoteIssuer) -> None:
    """Five badges of another issuer, each naming a status list of its own: the issuer's DID document and two
    lists spend the CLR's three fetches, and the other badges' status is unknown, never fetched."""
    badges = []
    for n in range(5):
        url = f"{remote.url}/status/clr/{n}"
        unsigned_list = {**remote.issuer.publish_list(), "id": url, "credentialSubject": status.status_list_subject(
            list_url=url, purpose="revocation", bits=status.new_list())}
        del unsigned_list["proof"]
        remote.issuer.publish(url, proofs.sign(unsigned_list, signer=remote.issuer.signer, created=ISSUED))
        unsigned = remote.issuer.credential()
        unsigned["id"] = f"urn:uuid:0b6d0f5e-2f1a-4c9b-8e3d-7a1c2b3d4e5{n}"
        unsigned["credentialStatus"] = status.status_entry(list_url=url, index=7)
        badges.append(proofs.sign(unsigned, signer=remote.issuer.signer, created=ISSUED))

    report = verify(fetching_svc, signed_clr(fetching_svc, badges))

    assert [r.verdict for r in report.inner] == ["valid", "valid", "unknown", "unknown", "unknown"]
    assert report.inner[2].check(CheckId.STATUS).problem.code == "status.unreachable"
    assert sum(remote.hits[f"/status/clr/{n}"] for n in range(5)) == 2
def test_an_email_given_is_checked_against_every_badge_inside_as_for_a_badge_alone(svc: Services) -> None:
    doc = signed_clr(svc, three_badges(svc))
    assert verify(svc, doc, holder="minji.kim@example.com").verdict == "valid"
    report = verify(svc, doc, holder="someone.else@example.com")
    assert report.outer.verified and not report.verified and report.verdict == "not_recipient"
    assert report.verdicts == ("not_recipient",) * 3 and report.failed == [0, 1, 2]
    assert all(r.check("recipient").problem.code == "recipient.mismatch" for r in report.inner)


def test_a_badge_of_someone_other_than_the_transcripts_learner_is_reported(svc: Services) -> None:
    badges = three_badges(svc)
    acme = make_org(svc, "gamma")[0]
    other = json.loads(_document(svc, issue(svc, acme, make_course(svc, acme), email="jisoo@example.com")))
    doc = signed_clr(svc, [*badges, other], identifiers=[i for b in badges for i in b["credentialSubject"]["identifier"]])
    report = verify(svc, doc)
    assert report.verdict == "contains_invalid" and report.failed == [3]
    assert report.verdicts == ("valid", "valid", "valid", "not_learner")
    learner = report.as_json()["credentials"][3]["checks"][-1]
    assert (learner["id"], learner["outcome"], learner["problem"]["code"]) == ("learner", "failed", "learner.mismatch")
    nobody = verify(svc, signed_clr(svc, badges, identifiers=[]))  # a learner with neither the badges' id nor e-mail
    assert nobody.verdicts == ("not_learner",) * 3


def _document(svc: Services, credential_id: str) -> bytes:
    with transaction(svc.sessions) as session:
        return session.get_one(Credential, credential_id).document


def test_a_transcript_signed_by_anyone_wrapping_someone_elses_badge_is_not_taken_for_theirs(
        client: FlaskClient, svc: Services) -> None:
    """The audit's case: a did:key of the presenter's, named like this service, wrapping a member's genuine badge
    issued to someone else, checked with the presenter's e-mail."""
    [badge, *_] = three_badges(svc)
    doc, did = self_signed_clr(svc, [badge], name="Digital Talent Alliance")
    body = client.post("/api/v1/verify", json={"credential": doc, "recipientEmail": "mallory@evil.example"}).get_json()
    assert body["verdict"] == "contains_invalid" and body["verified"] is False
    [inner] = body["credentials"]
    assert inner["verdict"] == "not_learner"
    assert {c["id"]: c["outcome"] for c in inner["checks"]}["recipient"] == "failed"
    assert body["summary"]["registeredMember"] is False
    # with the badge's own IdentityObject copied in, it is about "the learner": the e-mail still decides
    copied, did = self_signed_clr(svc, [badge], name="Digital Talent Alliance",
                                  identifiers=badge["credentialSubject"]["identifier"])
    body = client.post("/api/v1/verify", json={"credential": copied, "recipientEmail": "mallory@evil.example"}).get_json()
    assert body["verdict"] == "not_recipient" and body["credentials"][0]["verdict"] == "not_recipient"
    for lang, not_member in (("en", "Not a member organisation of this service"), ("ko", None)):
        html = client.post(f"/verify?lang={lang}", data={"credential": json.dumps(copied), "email": "mallory@evil.example"}
                           ).get_data(as_text=True)
        assert 'data-verdict="not_recipient" data-kind="clr"' in html and "✔ Valid transcript" not in html
        signer = html[html.index('id="clr-issuer"'):html.index("</dd>", html.index('id="clr-issuer"'))]
        assert 'data-member="false"' in signer and did in signer and 'id="member"' in signer
        assert "✔" not in signer
        if not_member:
            assert not_member in signer
    plain = client.post("/verify?lang=en", data={"credential": json.dumps(copied)}).get_data(as_text=True)
    assert 'data-verdict="valid" data-kind="clr"' in plain  # its signature holds: who signed it is what is unknown
    signer = plain[plain.index('id="clr-issuer"'):plain.index("</dd>", plain.index('id="clr-issuer"'))]
    assert "Not a member organisation of this service" in signer and "✔" not in signer


def test_our_own_transcript_names_the_platform_as_a_member_and_its_pdf_says_the_transcripts_verdict(
        client: FlaskClient, svc: Services, tmp_path: Path) -> None:
    doc = signed_clr(svc, three_badges(svc))
    html = client.post("/verify?lang=en", data={"credential": json.dumps(doc, ensure_ascii=False)}).get_data(
        as_text=True)
    signer = html[html.index('id="clr-issuer"'):html.index("</dd>", html.index('id="clr-issuer"'))]
    assert 'data-member="true"' in signer and "✔" in signer
    pdf = client.post("/verify/summary.pdf?lang=en", data={"credential": json.dumps(doc, ensure_ascii=False),
                                                           "email": "someone.else@example.com"})
    assert pdf.status_code == 200 and "Not confirmed with this e-mail address" in pdf_text(pdf.data, tmp_path)

"""CLR 2.0 transcripts: a ClrCredential of three badges from two organisations, signed by the platform's did:web,
valid against the official CLR schema, verified by our pipeline (each badge inside too) and by the JavaScript
reference; one tampered badge inside (the outer proof signed again) is reported by name."""
from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from badges import clr
from badges.jsonld import JsonObject
from bootstrap.wiring import Services
from issuer import dlc
from store import orgs
from store.db import transaction
from store.models import Credential
from tests import ob3
from tests.factories import NOW, issue, make_course, make_org

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


def signed_clr(svc: Services, badges: list[JsonObject], *, subject: str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") -> JsonObject:
    profile, signer = svc.platform.attester()
    unsigned = clr.clr_credential(included=[clr.Included(b, NOW) for b in badges], issuer=profile,
                                  learner_id=subject, name="성적증명서 / Transcript", description="test", issued=NOW)
    return clr.sign_clr(unsigned, signer=signer, created=NOW)


def verify(svc: Services, doc: JsonObject) -> clr.ClrReport:
    with svc.resolver.reading() as resolve:
        return clr.verify_clr(json.dumps(doc, ensure_ascii=False), resolve=resolve, now=LATER)


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


def test_a_clr_of_twenty_badges_of_a_certified_issuer_is_signed_and_verifies_within_the_bounds(
        svc: Services) -> None:
    """Twenty copies of the Digital Leaders Club endorsement (one in each badge's issuer): labelling their tied
    blank nodes takes 1,222 steps, within the budget of a document of that size (badges.bounds)."""
    acme, _ = make_org(svc, "acme", member=True)
    now = datetime.now(UTC)
    with transaction(svc.sessions) as session:
        dlc.grant(session, svc.issuing, svc.platform.identity, slug="acme", valid_until=now + timedelta(days=365),
                  now=now)
    course = make_course(svc, acme)
    ids = [issue(svc, acme, course, now=now) for _ in range(20)]
    with transaction(svc.sessions) as session:
        badges = [json.loads(session.get_one(Credential, i).document) for i in ids]
    assert all(len(b["issuer"]["endorsement"]) == 1 for b in badges)
    profile, signer = svc.platform.attester()
    unsigned = clr.clr_credential(included=[clr.Included(b, now) for b in badges], issuer=profile,
                                  learner_id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                                  name="성적증명서 / Transcript", description="test", issued=now)
    doc = clr.sign_clr(unsigned, signer=signer, created=now)
    with svc.resolver.reading() as resolve:
        report = clr.verify_clr(json.dumps(doc, ensure_ascii=False), resolve=resolve, now=now)
    assert report.verdict == "valid", report.as_json()
    assert len(report.inner) == 20


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

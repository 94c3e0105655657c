"""Digital Leaders Club: the alliance's signed, dated, revocable EndorsementCredential about a member, carried
in the member's new badges, checked on every report of its badges, and the registry of member issuers."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from badges.endorsements import verify_endorsements
from badges.errors import InvalidInput, NotFound
from badges.verify import verify_credential
from bootstrap.wiring import Services
from issuer import dlc
from store.db import transaction
from store.models import Credential
from tests import ob3
from tests.factories import issue, make_course, make_org
from tests.verifier.test_summary_pdf_pages import pdf_text

YEAR = timedelta(days=365)


def grant(svc: Services, slug: str, until: datetime | None = None) -> str:
    now = datetime.now(UTC)
    with transaction(svc.sessions) as session:
        return dlc.grant(session, svc.issuing, svc.platform.identity, slug=slug, valid_until=until or now + YEAR,
                         now=now).id


def revoke(svc: Services, slug: str) -> None:
    with transaction(svc.sessions) as session:
        dlc.revoke(session, svc.issuing, svc.platform.identity, slug=slug, reason="audit failed",
                   now=datetime.now(UTC))


def badge(svc: Services, credential_id: str) -> dict[str, Any]:
    with transaction(svc.sessions) as session:
        found: dict[str, Any] = json.loads(session.get_one(Credential, credential_id).document)
    return found


def test_the_certification_is_an_official_endorsement_credential_signed_by_the_alliance(
        client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    certification_id = grant(svc, "acme")
    response = client.get(f"/alliance/dlc/{certification_id}")
    assert response.status_code == 200
    doc = response.get_json()
    assert ob3.problems(doc, "endorsement") == []
    assert doc["credentialSubject"]["id"] == org.did and doc["credentialSubject"]["type"] == ["EndorsementSubject"]
    assert "디지털 리더스 클럽" in doc["credentialSubject"]["endorsementComment"]
    assert "Digital Leaders Club" in doc["credentialSubject"]["endorsementComment"]
    assert doc["issuer"]["id"] == svc.issuing.links.org_did(svc.settings.platform_slug)
    assert doc["validFrom"] < doc["validUntil"] and doc["credentialStatus"]["statusPurpose"] == "revocation"
    with svc.resolver.reading() as resolve:
        report = verify_credential(response.get_data(), resolve=resolve, now=datetime.now(UTC),
                                   schema="endorsement-credential")
    assert report.verdict == "valid"


def test_new_badges_carry_it_in_their_issuer_profile_and_it_verifies_offline_of_the_page(svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    before = badge(svc, issue(svc, org, course, now=datetime.now(UTC)))
    assert "endorsement" not in before["issuer"]
    grant(svc, "acme")
    after = badge(svc, issue(svc, org, course, email="jisoo@example.com", now=datetime.now(UTC)))
    [embedded] = after["issuer"]["endorsement"]
    assert embedded["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert ob3.problems(after, "credential") == []
    assert "endorsement" not in after["credentialSubject"]["achievement"]["creator"]
    with svc.resolver.reading() as resolve:
        now = datetime.now(UTC)
        report = verify_credential(json.dumps(after), resolve=resolve, now=now)
        assert report.verdict == "valid"
        [found] = verify_endorsements(report, resolve=resolve, now=now).checked
    assert (found.on, found.verified) == ("issuer", True)


def test_reports_show_the_check_and_a_revocation_turns_it_off(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    credential_id = issue(svc, org, course, now=datetime.now(UTC))
    assert "digitalLeadersClub" not in client.post("/api/v1/verify", json=badge(svc, credential_id)).get_json()
    grant(svc, "acme")
    body = client.post("/api/v1/verify", json=badge(svc, credential_id)).get_json()
    assert body["verdict"] == "valid" and body["digitalLeadersClub"]["certified"] is True
    landing = client.get(f"/v/{credential_id}?lang=ko").get_data(as_text=True)
    assert 'data-certified="true"' in landing and "디지털 리더스 클럽 인증 기관" in landing
    assert "Certified Digital Leaders Club" in client.get(f"/v/{credential_id}?lang=en").get_data(as_text=True)
    revoke(svc, "acme")
    body = client.post("/api/v1/verify", json=badge(svc, credential_id)).get_json()
    assert body["verdict"] == "valid"  # the badge itself is untouched
    assert (body["digitalLeadersClub"]["certified"], body["digitalLeadersClub"]["verdict"]) == (False, "revoked")
    landing = client.get(f"/v/{credential_id}?lang=en").get_data(as_text=True)
    assert 'data-certified="false"' in landing and "does not hold now" in landing


def test_the_members_page_shows_the_certification_in_force(client: FlaskClient, svc: Services) -> None:
    make_org(svc, "acme")
    assert 'id="dlc"' not in client.get("/orgs/acme?lang=ko").get_data(as_text=True)
    grant(svc, "acme")
    page = client.get("/orgs/acme?lang=ko").get_data(as_text=True)
    assert 'id="dlc"' in page and "디지털 리더스 클럽 인증 기관" in page
    profile = client.get("/orgs/acme?format=json").get_json()
    assert profile["endorsement"][0]["credentialSubject"]["id"] == profile["id"]
    revoke(svc, "acme")
    assert 'id="dlc"' not in client.get("/orgs/acme?lang=en").get_data(as_text=True)


def test_a_new_grant_supersedes_the_one_in_force(svc: Services) -> None:
    make_org(svc, "acme")
    first = grant(svc, "acme")
    second = grant(svc, "acme", datetime.now(UTC) + 2 * YEAR)
    with transaction(svc.sessions) as session:
        assert dlc.document(session.get_one(dlc.DlcCertification, first))
        assert session.get_one(dlc.DlcCertification, first).revoked_reason == "superseded"
        assert session.get_one(dlc.DlcCertification, second).revoked_at is None


def test_bad_grants_and_revocations_are_refused_with_nothing_written(svc: Services) -> None:
    make_org(svc, "acme")
    with pytest.raises(InvalidInput) as past:
        grant(svc, "acme", datetime.now(UTC) - timedelta(days=1))
    assert past.value.code == "dlc.until_past"
    with pytest.raises(InvalidInput):
        grant(svc, svc.settings.platform_slug)
    with pytest.raises(NotFound):
        grant(svc, "nobody")
    with pytest.raises(NotFound) as none:
        revoke(svc, "acme")
    assert none.value.code == "dlc.none_in_force"
    with transaction(svc.sessions) as session:
        assert session.query(dlc.DlcCertification).count() == 0


def test_the_registry_lists_members_in_the_dcc_legacy_format(client: FlaskClient, svc: Services) -> None:
    acme, _ = make_org(svc, "acme", member=True)
    beta, _ = make_org(svc, "beta", member=True)
    make_org(svc, "gamma")  # not (or no longer) a member: not listed
    grant(svc, "acme")
    svc.platform.attester()  # the alliance's own organisation exists
    response = client.get("/alliance/registry.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    registry = response.get_json()["registry"]
    assert set(registry) == {acme.did, beta.did}
    assert registry[acme.did]["name"] == "acme 아카데미" and registry[acme.did]["membership"] == "active"
    assert registry[acme.did]["category"] == "training/company"
    assert registry[acme.did]["url"] == "https://acme.example"
    assert "digitalLeadersClub" in registry[acme.did] and "digitalLeadersClub" not in registry[beta.did]
    again = client.get("/alliance/registry.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(("lang", "holds", "lapsed"), [("ko", "디지털리더스클럽인증기관", "유효하지않습니다"),
                                                       ("en", "CertifiedDigitalLeadersClubmember", "doesnotholdnow")])
def test_the_pdf_summary_states_the_certification(client: FlaskClient, svc: Services, tmp_path: Path,
                                                  lang: str, holds: str, lapsed: str) -> None:
    org, _ = make_org(svc, "acme")
    credential_id = issue(svc, org, make_course(svc, org), now=datetime.now(UTC))
    grant(svc, "acme")
    text = "".join(pdf_text(client.get(f"/v/{credential_id}/summary.pdf?lang={lang}").data, tmp_path).split())
    assert holds in text
    revoke(svc, "acme")
    text = "".join(pdf_text(client.get(f"/v/{credential_id}/summary.pdf?lang={lang}").data, tmp_path).split())
    assert lapsed in text and holds not in text

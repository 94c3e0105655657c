"""The learner's CLR transcript through the wallet's pages: downloaded for chosen badges, signed by the platform
and verified by our core (every badge inside); attached to a share link, whose page offers it; a revoked badge
is refused with a message; the wallet gets the platform's signer from the composition root, not the issuer."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from badges import clr, proofs
from badges.presentations import verify_presentation
from bootstrap.wiring import Services
from issuer import dlc, service
from store import orgs
from store.credentials import get_credential
from store.db import transaction
from store.models import Org
from tests.factories import NOW, issue, make_course, make_org
from tests.test_layering import imported_after
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import Mailbox, post, sign_up
from web.http import utcnow

ADDRESS = "minji@example.com"


def three_badges_in_wallet(client: FlaskClient, svc: Services, mailbox: Mailbox) -> dict[str, str]:
    """Three badges from two organisations in a new learner's wallet: {credential id: wallet id}."""
    acme, _ = make_org(svc, "acme")
    beta, _ = make_org(svc, "beta")
    issue(svc, acme, make_course(svc, acme), email=ADDRESS)
    issue(svc, acme, make_course(svc, acme, name_ko="데이터 엔지니어링", name_en="Data Engineering"), email=ADDRESS)
    issue(svc, beta, make_course(svc, beta, name_ko="보안 기초", name_en="Security Basics"), email=ADDRESS)
    sign_up(client, mailbox, address=ADDRESS)
    return {c["credential"]["id"]: c["walletId"] for c in client.get("/wallet/export.json").get_json()["credentials"]}


def verified(svc: Services, body: bytes) -> clr.ClrReport:
    with svc.resolver.reading() as resolve:
        return clr.verify_clr(body, resolve=resolve, now=utcnow())


def test_the_wallet_downloads_a_platform_signed_clr_of_the_chosen_badges(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    items = three_badges_in_wallet(client, svc, mailbox)
    page = client.get("/wallet/export").get_data(as_text=True)
    assert "성적증명서(CLR) 내려받기" in page
    assert "Download transcript (CLR)" in client.get("/wallet/export?lang=en").get_data(as_text=True)
    response = post(client, "/wallet/export/clr", {"item": list(items.values())})
    assert response.status_code == 200 and "transcript-clr-" in response.headers["Content-Disposition"]
    report = verified(svc, response.data)
    assert report.verified, report.as_json()
    doc = report.outer.credential
    learner = client.get("/wallet/export.json").get_json()
    assert doc["credentialSubject"]["id"] == learner["learner"]["did"]
    with transaction(svc.sessions) as session:
        assert doc["issuer"]["id"] == orgs.get_org(session, svc.settings.platform_slug).did
    exported = {c["credential"]["id"]: c["credential"] for c in learner["credentials"]}
    assert {vc["id"]: vc for vc in doc["credentialSubject"]["verifiableCredential"]} == exported  # as issued
    assert len(doc["credentialSubject"]["identifier"]) == 3  # each badge's hashed e-mail of the learner
    assert len(doc["evidence"]) == 3 and all("verified" in e["description"] for e in doc["evidence"])


def test_badges_of_a_certified_issuer_go_in_a_transcript_and_a_presentation_that_verify(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    """Each badge of a Digital Leaders Club member embeds the same endorsement: the copies' blank nodes tie, which
    RDFC-1.0 labels at a cost the canonicalizer's budget must not mistake for a poison graph."""
    acme, _ = make_org(svc, "acme", member=True)
    now = datetime.now(UTC)
    with transaction(svc.sessions) as session:
        dlc.grant(session, svc.issuing, svc.platform.identity, slug="acme", valid_until=now + timedelta(days=365),
                  now=now)
    for name in ("Cloud Basics", "Data Engineering", "Security Basics"):
        issue(svc, acme, make_course(svc, acme, name_ko=name, name_en=name), email=ADDRESS, now=now)
    sign_up(client, mailbox, address=ADDRESS)
    items = [c["walletId"] for c in client.get("/wallet/export.json").get_json()["credentials"]]
    transcript = post(client, "/wallet/export/clr", {"item": items})
    assert transcript.status_code == 200, transcript.get_data(as_text=True)
    report = verified(svc, transcript.data)
    assert report.verified and len(report.inner) == 3, report.as_json()
    assert all("endorsement" in vc["issuer"] for vc in report.outer.credential["credentialSubject"]
               ["verifiableCredential"])
    presentation = post(client, "/wallet/export/presentation", {"item": items})
    assert presentation.status_code == 200, presentation.get_data(as_text=True)
    presented = verify_presentation(presentation.data, resolve=svc.resolver, now=utcnow())
    assert presented.verified and [r.verdict for r in presented.credentials] == ["valid"] * 3


def test_a_revoked_badge_cannot_go_in_a_transcript(client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    items = three_badges_in_wallet(client, svc, mailbox)
    revoked = next(iter(items)).rsplit("/", 1)[-1]
    with transaction(svc.sessions) as session:  # whichever of the two organisations issued it
        org = session.get_one(Org, get_credential(session, revoked).org_id)
        service.revoke(session, svc.issuing, org=org, credential_id=revoked, reason="오류", actor="test", now=NOW)
    post(client, "/wallet/recheck")
    response = post(client, "/wallet/export/clr", {"item": list(items.values())})
    assert response.status_code == 422
    assert "확인된(폐기되지 않은) Open Badges 3.0 배지만" in response.get_data(as_text=True)


def test_a_badge_naming_no_email_of_the_learner_cannot_go_in_a_transcript(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    """A verifier matches each badge inside to the transcript's learner by the badge's IdentityObject: a badge whose
    subject names no e-mail (only a DID of its own) would read as someone else's, so it is refused up front."""
    items = three_badges_in_wallet(client, svc, mailbox)
    with foreign_issuer() as busan:
        unsigned = busan.credential(email=ADDRESS, name="김민지", title="Python 데이터 분석")
        del unsigned["proof"]
        unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "id": "did:example:minji"}
        del unsigned["credentialSubject"]["identifier"]
        signed = proofs.sign(unsigned, signer=busan.signer, created=NOW)
        post(client, "/wallet/import", {"credential": json.dumps(signed, ensure_ascii=False)})
        chosen = [c["walletId"] for c in client.get("/wallet/export.json").get_json()["credentials"]]
        assert len(chosen) == 4
        refused = post(client, "/wallet/export/clr", {"item": chosen})
        assert refused.status_code == 422
        assert "확인된 내 이메일로 발급되지 않은 배지가 있어" in refused.get_data(as_text=True)
        assert post(client, "/wallet/export/clr", {"item": list(items.values())}).status_code == 200


def test_a_clr_attached_to_a_share_link_is_offered_on_its_page(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    items = three_badges_in_wallet(client, svc, mailbox)
    for public_id in items.values():
        post(client, f"/wallet/items/{public_id}/profile")
    post(client, "/wallet/share", {"label": "채용"})
    share = client.get("/wallet/share").get_data(as_text=True)
    [link_id] = re.findall(r'data-attach-clr="(\d+)"', share)
    [url] = re.findall(r'value="(http[^"]+/s/[^"]+)"', share)
    visitor = app.test_client()
    assert visitor.get(url + "/clr.json").status_code == 404
    assert "clr-download" not in visitor.get(url).get_data(as_text=True)
    post(client, f"/wallet/share/{link_id}/clr")
    assert f'data-clr-attached="{link_id}"' in client.get("/wallet/share").get_data(as_text=True)
    page = visitor.get(url).get_data(as_text=True)
    assert "성적증명서(CLR) 내려받기" in page and 'id="clr-download"' in page
    assert "Download transcript (CLR)" in visitor.get(url + "?lang=en").get_data(as_text=True)
    body = visitor.get(url + "/clr.json")
    assert body.headers["Cache-Control"] == "no-store"
    report = verified(svc, body.data)
    assert report.verified and len(report.inner) == 3
    answer = visitor.post("/api/v1/verify", data=body.data, content_type="application/json").get_json()
    assert answer["verdict"] == "valid" and len(answer["credentials"]) == 3
    post(client, f"/wallet/share/{link_id}/clr", {"detach": "1"})
    assert visitor.get(url + "/clr.json").status_code == 404


def test_the_wallet_reaches_the_platform_signer_only_through_the_composition_root() -> None:
    loaded = imported_after("import wallet.transcripts, wallet.pages, wallet.share_pages")
    assert not any(name == "issuer" or name.startswith("issuer.") for name in loaded)
    assert json.loads("{}") == {}

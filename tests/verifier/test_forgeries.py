"""Forgeries that once verified (issue 11): identity and keys come only from documents fetched from the issuer's
own addresses, a status list is evidence only from the credential's own issuer, and only genuine verifications
count on a member's dashboard. Real signatures, real HTTP servers on 127.0.0.1 (the issuer and the forger)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from flask.testing import FlaskClient
from jwt.api_jws import PyJWS
from sqlalchemy import func, select

from badges import dids, ob2, proofs, status
from badges.jsonld import JsonObject
from bootstrap.wiring import Services
from store.models import VerificationEvent
from tests.factories import issue, make_course, make_org
from tests.issuer.test_dlc import grant
from tests.other_issuer import ISSUED, OtherIssuer, rsa_key
from tests.verifier.remote import RemoteIssuer
from tests.verifier.test_other_issuers import outcomes, post
from tests.verifier.test_summary_pdf_pages import pdf_text

FORGER_KEY = Ed25519PrivateKey.from_private_bytes(bytes([66]) * 32)
FORGER_PEM = FORGER_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def forger() -> Iterator[RemoteIssuer]:
    """The forger's own web server (another origin than the issuer's)."""
    server = RemoteIssuer()
    server.start()
    yield server
    server.stop()


def host(server: RemoteIssuer) -> str:
    return urlsplit(server.url).netloc


def forged_jws(assertion: JsonObject) -> str:
    """The assertion signed with the forger's Ed25519 key (EdDSA, which OB 2.0 signed badges may use here)."""
    return PyJWS().encode(json.dumps(assertion).encode(), FORGER_KEY, algorithm="EdDSA")


def post_jws(client: FlaskClient, token: str) -> dict:  # type: ignore[type-arg]
    return post(client, data=token, content_type="application/jwt")


def embedded_badge(victim: OtherIssuer, **issuer: object) -> JsonObject:
    """The victim's BadgeClass embedded, with an embedded Issuer naming the victim's id plus `issuer` fields."""
    return {"id": victim.ob2_badge, "type": "BadgeClass", "name": "웹 개발 기초", "description": "위조",
            "image": f"{victim.base}/ob2/badge.png", "criteria": {"narrative": "없음"},
            "issuer": {"id": victim.ob2_issuer, "type": "Issuer", "name": "Legacy Academy 레거시 아카데미",
                       "url": "https://legacy.example", "email": "badges@legacy.example", **issuer}}


# --- 1. OB 2.0: identity and keys only from the issuer's own documents --------------------------------

def test_a_signed_ob2_assertion_embedding_its_issuer_with_the_forgers_key_is_not_genuine(
        fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    victim = remote.issuer
    assertion = victim.ob2_assertion(hosted=False)
    assertion["verification"] = {"type": "signed"}
    assertion["badge"] = embedded_badge(victim, publicKey={
        "id": f"{victim.ob2_issuer}#forged", "type": "CryptographicKey", "owner": victim.ob2_issuer,
        "publicKeyPem": FORGER_PEM})
    report = post_jws(fetching_client, forged_jws(assertion))
    assert report["verdict"] == "not_genuine", report["checks"]
    assert outcomes(report)["issuer_key"] == "passed"  # the issuer's own key, fetched from its Profile
    assert report["checks"][4]["problem"]["code"] == "proof.signature_mismatch"
    assert report["resolved"]["key"]["id"] == victim.ob2_key


def test_a_hosted_ob2_assertion_whose_embedded_issuer_allows_the_forgers_host_is_not_genuine(
        fetching_client: FlaskClient, remote: RemoteIssuer, forger: RemoteIssuer) -> None:
    victim = remote.issuer
    assertion = victim.ob2_assertion()
    assertion["id"] = f"{forger.url}/ob2/assertions/1"
    assertion["badge"] = embedded_badge(victim, verification={"type": "VerificationObject",
                                                              "allowedOrigins": [host(forger)]})
    forger.issuer.publish(assertion["id"], assertion)
    report = post(fetching_client, json={"credential": assertion})
    assert report["verdict"] == "not_genuine", report["checks"]
    issuer_key = report["checks"][3]
    assert (issuer_key["outcome"], issuer_key["problem"]["code"]) == ("failed", "ob2.origin_not_allowed")
    assert forger.hits["/ob2/assertions/1"] == 0


def test_a_hosted_ob2_assertion_naming_another_issuer_than_the_issuers_copy_is_not_genuine(
        fetching_client: FlaskClient, remote: RemoteIssuer, forger: RemoteIssuer) -> None:
    victim, impostor = remote.issuer, forger.issuer
    genuine = victim.ob2_assertion()
    presented = dict(genuine, badge={"id": victim.ob2_badge, "type": "BadgeClass", "name": "웹 개발 기초",
                                     "issuer": impostor.ob2_issuer})
    impostor.publish(impostor.ob2_issuer, dict(json.loads(impostor.documents[impostor.ob2_issuer][1]),
                                               verification={"allowedOrigins": [host(remote)]}))
    report = post(fetching_client, json={"credential": presented})
    assert report["verdict"] == "not_genuine", report["checks"]
    assert report["checks"][3]["problem"]["code"] == "ob2.hosted_mismatch"


def test_a_signed_ob2_assertion_by_a_key_on_another_origin_not_in_the_issuers_profile_is_not_genuine(
        fetching_client: FlaskClient, remote: RemoteIssuer, forger: RemoteIssuer) -> None:
    victim = remote.issuer
    forged_key = f"{forger.url}/keys/1"
    forger.issuer.publish(forged_key, {"@context": ob2.CONTEXT, "type": "CryptographicKey", "id": forged_key,
                                       "owner": victim.ob2_issuer, "publicKeyPem": FORGER_PEM})
    assertion = victim.ob2_assertion(hosted=False)
    assertion["verification"]["creator"] = forged_key
    report = post_jws(fetching_client, forged_jws(assertion))
    assert report["verdict"] == "not_genuine", report["checks"]
    assert report["checks"][3]["problem"]["code"] == "issuer_key.not_listed"
    assert forger.hits["/keys/1"] == 0


def listed_key_on(victim: OtherIssuer, keys: RemoteIssuer, **profile: object) -> str:
    """The victim's own RSA key published on the `keys` server and listed in the victim's Profile."""
    url = f"{keys.url}/keys/legacy"
    pem = rsa_key().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    keys.issuer.publish(url, {"@context": ob2.CONTEXT, "type": "CryptographicKey", "id": url,
                              "owner": victim.ob2_issuer, "publicKeyPem": pem})
    issuer = json.loads(victim.documents[victim.ob2_issuer][1])
    victim.publish(victim.ob2_issuer, dict(issuer, publicKey=[victim.ob2_key, url], **profile))
    return url


def test_a_signed_ob2_assertion_by_a_listed_key_on_an_origin_the_profile_does_not_allow_is_not_genuine(
        fetching_client: FlaskClient, remote: RemoteIssuer, forger: RemoteIssuer) -> None:
    assertion = remote.issuer.ob2_assertion(hosted=False)
    assertion["verification"]["creator"] = listed_key_on(remote.issuer, forger)
    report = post_jws(fetching_client, remote.issuer.ob2_signed(assertion))
    assert report["checks"][3]["problem"]["code"] == "ob2.key_origin_not_allowed"
    assert report["verdict"] == "not_genuine"


def test_a_signed_ob2_assertion_by_a_listed_key_on_an_origin_the_profile_allows_is_valid(
        fetching_client: FlaskClient, remote: RemoteIssuer, forger: RemoteIssuer) -> None:
    assertion = remote.issuer.ob2_assertion(hosted=False)
    assertion["verification"]["creator"] = listed_key_on(
        remote.issuer, forger, verification={"allowedOrigins": [host(remote), host(forger)]})
    report = post_jws(fetching_client, remote.issuer.ob2_signed(assertion))
    assert report["verdict"] == "valid", report["checks"]


def test_a_signed_ob2_assertion_without_a_creator_is_checked_with_the_keys_its_issuer_lists(
        fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    assertion = remote.issuer.ob2_assertion(hosted=False)
    assertion["verification"] = {"type": "SignedBadge"}
    report = post_jws(fetching_client, remote.issuer.ob2_signed(assertion))
    assert report["verdict"] == "valid", report["checks"]
    assert report["resolved"]["key"]["id"] == remote.issuer.ob2_key


# --- 2. a status list is evidence only from the credential's own issuer -------------------------------

def member_status_entry(client: FlaskClient, svc: Services) -> JsonObject:
    org, _ = make_org(svc, "hanbit")
    genuine = json.loads(client.get(f"/credentials/{issue(svc, org, make_course(svc, org))}.json").data)
    entries = genuine["credentialStatus"]
    return next(e for e in (entries if isinstance(entries, list) else [entries])
                if e["statusPurpose"] == "revocation")


def test_a_did_key_credential_pointing_at_a_members_status_list_fails_the_status_check(
        client: FlaskClient, svc: Services) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes([67]) * 32)
    did = dids.did_key(key.public_key())
    credential = OtherIssuer("https://forger.example").credential(with_status=False)
    credential["issuer"]["id"] = did
    entry = member_status_entry(client, svc)
    credential["credentialStatus"] = status.status_entry(list_url=entry["statusListCredential"],
                                                         index=int(entry["statusListIndex"]) + 1)
    signed = proofs.sign(credential, signer=proofs.Ed25519Signer(key, dids.did_key_method(did)), created=ISSUED)
    report = post(client, json=signed)
    assert report["verdict"] == "not_genuine", report["checks"]
    status_check = report["checks"][6]
    assert (status_check["outcome"], status_check["problem"]["code"]) == ("failed", "status.foreign_list")


# --- 3. only genuine verifications count on a member's dashboard ---------------------------------------

def counted(svc: Services) -> int:
    svc.events.flush()  # written in a batch shortly after (verifier.events); now, for the test
    with svc.sessions() as session:
        return session.scalar(select(func.count()).select_from(VerificationEvent)) or 0


def tampered(document: JsonObject) -> JsonObject:
    document["credentialSubject"]["name"] = "위조자"
    return document


def signed_by_a_stranger(document: JsonObject) -> JsonObject:
    key = Ed25519PrivateKey.from_private_bytes(bytes([68]) * 32)
    did = dids.did_key(key.public_key())
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    unsigned["issuer"] = dict(unsigned["issuer"], id=did)
    unsigned.pop("credentialStatus", None)
    return proofs.sign(unsigned, signer=proofs.Ed25519Signer(key, dids.did_key_method(did)), created=ISSUED)


@pytest.mark.parametrize("forge", [tampered, signed_by_a_stranger], ids=["tampered", "signed by a stranger"])
def test_a_forgery_bearing_a_members_credential_id_is_not_counted_as_its_verification(
        client: FlaskClient, svc: Services, forge) -> None:  # type: ignore[no-untyped-def]
    org, _ = make_org(svc, "hanbit")
    credential_id = issue(svc, org, make_course(svc, org))
    document = json.loads(client.get(f"/credentials/{credential_id}.json").data)
    report = post(client, json=forge(document))
    assert report["credential"]["id"] == document["id"] and report["summary"]["registeredMember"] is False
    assert counted(svc) == 0
    post(client, json=json.loads(client.get(f"/credentials/{credential_id}.json").data))
    assert counted(svc) == 1


# --- 4. a presented document never vouches for its issuer's membership, its id or its picture -----------

def test_an_ob2_assertion_naming_a_certified_member_as_its_issuer_gets_no_club_status(
        fetching_app: Flask, fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    svc = fetching_app.extensions["badges"]
    org, _ = make_org(svc, "acme")
    genuine = json.loads(fetching_client.get(f"/credentials/{issue(svc, org, make_course(svc, org))}.json").data)
    grant(svc, "acme")
    assert post(fetching_client, json=genuine)["digitalLeadersClub"]["certified"] is True
    assertion = remote.issuer.ob2_assertion()
    assertion["issuer"] = org.did  # the presenter's own words, beside what the issuer hosts
    remote.issuer.publish(assertion["id"], assertion)
    report = post(fetching_client, json=assertion)
    assert report["verdict"] == "valid", report["checks"]
    assert "digitalLeadersClub" not in report and report["summary"]["registeredMember"] is False


def test_a_document_signed_by_a_stranger_with_a_members_credential_id_does_not_lead_to_that_badge(
        client: FlaskClient, svc: Services, tmp_path: Path) -> None:
    org, _ = make_org(svc, "hanbit")
    credential_id = issue(svc, org, make_course(svc, org))
    document = json.loads(client.get(f"/credentials/{credential_id}.json").data)
    landing = f"http://badges.test/v/{credential_id}"
    pdf = client.post("/api/v1/verify?lang=en", json=document, headers={"Accept": "application/pdf"}).data
    assert landing in pdf_text(pdf, tmp_path)
    forged = signed_by_a_stranger(document)
    assert post(client, json=forged)["verdict"] == "valid"  # a genuine badge of its own (did:key) issuer
    pdf = client.post("/api/v1/verify?lang=en", json=forged, headers={"Accept": "application/pdf"}).data
    assert landing not in pdf_text(pdf, tmp_path)
    page = client.post("/verify?lang=en", data={"credential": json.dumps(forged)}).get_data(as_text=True)
    assert f"/v/{credential_id}" not in page


def test_an_ob2_hosted_assertion_is_shown_as_the_issuers_hosted_copy_says_not_as_presented(
        fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    genuine = dict(remote.issuer.ob2_assertion(), image="https://legacy.example/ob2/assertions/1.png")
    remote.issuer.publish(genuine["id"], genuine)
    presented = dict(genuine, image="https://forger.example/senior-architect.png",
                     badge=dict(embedded_badge(remote.issuer), name="Senior Cloud Architect"))
    report = post(fetching_client, json={"credential": presented})
    assert report["verdict"] == "valid", report["checks"]
    assert (report["summary"]["image"], report["summary"]["achievementName"]) == (genuine["image"], "웹 개발 기초")
    page = fetching_client.post("/verify?lang=en", data={"credential": json.dumps(presented)}).get_data(as_text=True)
    picture = re.search(r'<img id="badge-image"[^>]* src="([^"]*)"', page)
    assert 'data-trusted="true"' in page and picture is not None and picture[1] == genuine["image"]


def test_an_ob2_hosted_assertion_withdrawn_with_410_shows_what_it_says_only_as_its_claim(
        fetching_client: FlaskClient, remote: RemoteIssuer, tmp_path: Path) -> None:
    assertion = remote.issuer.ob2_assertion()
    remote.issuer.publish(assertion["id"], {}, 410)
    assertion["badge"] = dict(embedded_badge(remote.issuer), name="AWS Solutions Architect Professional")
    assert post(fetching_client, json={"credential": assertion})["verdict"] == "revoked"
    page = fetching_client.post("/verify?lang=en", data={"credential": json.dumps(assertion)}).get_data(as_text=True)
    assert 'data-trusted="false"' in page and '<h1 id="achievement-name">' not in page
    pdf = fetching_client.post("/api/v1/verify?lang=en", json={"credential": assertion},
                               headers={"Accept": "application/pdf"}).data
    assert "What the document claims (not verified)" in pdf_text(pdf, tmp_path)

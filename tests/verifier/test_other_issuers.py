"""Credentials of other issuers and older systems, verified over real HTTP: another issuer's did:web, status
list and Open Badges 2.0 documents live on a server on 127.0.0.1."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from badges import baking, proofs, status
from bootstrap.app import create_app
from bootstrap.wiring import Services
from tests.factories import issue, make_course, make_org
from tests.other_issuer import EMAIL, ISSUED
from tests.verifier.corpus import chunk, png
from tests.verifier.remote import RemoteIssuer, Route, send
from web.settings import Settings


def outcomes(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {c["id"]: c["outcome"] for c in report["checks"]}


def post(client: FlaskClient, **kwargs: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/verify", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


FORMATS = {
    "JSON-LD with eddsa-rdfc-2022": lambda r: {"json": {"credential": r.issuer.data_integrity(),
                                                        "recipientEmail": EMAIL}},
    "VC 1.1 with Ed25519Signature2020": lambda r: {"json": {"credential": r.issuer.ed25519_2020(),
                                                            "recipientEmail": EMAIL}},
    "VC-JWT as application/jwt": lambda r: {"data": r.issuer.vc_jwt(), "content_type": "application/jwt",
                                            "query_string": {"recipientEmail": EMAIL}},
    "VC-JWT baked into an SVG": lambda r: {"data": baking.bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>',
                                                                   r.issuer.vc_jwt()),
                                           "content_type": "image/svg+xml", "query_string": {"recipientEmail": EMAIL}},
    "OB 2.0 hosted, by its URL": lambda r: {"json": {"url": r.issuer.ob2_assertion()["id"], "recipientEmail": EMAIL}},
    "OB 2.0 signed, baked into a PNG": lambda r: {"data": baking.bake_png(png(), r.issuer.ob2_signed()),
                                                  "content_type": "image/png", "query_string": {"recipientEmail": EMAIL}},
}


@pytest.mark.parametrize("body", FORMATS.values(), ids=FORMATS.keys())
def test_another_issuers_credential_verifies_over_http_in_every_format(fetching_client: FlaskClient,
                                                                       remote: RemoteIssuer, body) -> None:  # type: ignore[no-untyped-def]
    report = post(fetching_client, **body(remote))
    assert report["verdict"] == "valid", report["checks"]
    assert set(outcomes(report).values()) == {"passed"}
    assert report["summary"]["registeredMember"] is False


def test_another_issuers_revocation_is_read_from_its_status_list(fetching_client: FlaskClient,
                                                                 remote: RemoteIssuer) -> None:
    credential = remote.issuer.data_integrity()
    remote.issuer.revoke()
    report = post(fetching_client, json=credential)
    assert (report["verdict"], outcomes(report)["status"]) == ("revoked", "failed")


def test_another_issuers_did_document_and_status_list_are_fetched_once_then_cached(
        fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    credential = remote.issuer.data_integrity()
    for _ in range(3):
        assert post(fetching_client, json=credential)["verdict"] == "valid"
    assert (remote.hits["/.well-known/did.json"], remote.hits["/status/1"]) == (1, 1)


def test_an_ob2_hosted_assertion_withdrawn_with_410_is_revoked(fetching_client: FlaskClient,
                                                              remote: RemoteIssuer) -> None:
    assertion = remote.issuer.ob2_assertion()
    remote.issuer.publish(assertion["id"], {"id": assertion["id"], "revoked": True}, 410)
    report = post(fetching_client, json={"credential": assertion})
    assert (report["format"], report["verdict"]) == ("ob2-hosted", "revoked")
    assert report["summary"]["achievementName"] == "웹 개발 기초"
    assert report["summary"]["issuerName"] == "Legacy Academy 레거시 아카데미"


def test_an_issuer_server_that_is_down_leaves_the_report_unknown_never_valid(fetching_client: FlaskClient,
                                                                             remote: RemoteIssuer) -> None:
    credential = remote.issuer.data_integrity()
    remote.stop()
    report = post(fetching_client, json=credential)
    assert report["verdict"] == "unknown" and report["verified"] is False
    assert outcomes(report)["issuer_key"] == "unknown"


def test_a_credential_link_of_another_system_is_fetched_and_verified(fetching_client: FlaskClient,
                                                                    remote: RemoteIssuer) -> None:
    remote.issuer.publish(f"{remote.url}/credentials/abc.json", remote.issuer.data_integrity())
    report = post(fetching_client, json={"url": f"{remote.url}/credentials/abc.json"})
    assert report["verdict"] == "valid"
    assert report["summary"]["holderName"] == "박지우"


def test_our_own_credential_link_is_read_locally_and_names_the_member_organisation(
        client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "hanbit")
    credential_id = issue(svc, org, make_course(svc, org))
    report = post(client, json={"url": f"http://badges.test/credentials/{credential_id}"})
    assert report["verdict"] == "valid"
    assert report["summary"]["registeredMember"] is True
    assert report["summary"]["member"] == {"slug": "hanbit", "name": {"ko": "hanbit 아카데미", "en": "Hanbit Academy"},
                                           "profile": "http://badges.test/orgs/hanbit"}
    landing = post(client, json={"url": f"http://badges.test/v/{credential_id}"})
    assert landing["credential"] == report["credential"]


def test_a_forgery_claiming_a_member_issuer_is_not_called_a_member(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "hanbit")
    document = json.loads(client.get(f"/credentials/{issue(svc, org, make_course(svc, org))}.json").data)
    document["credentialSubject"]["name"] = "위조자"
    report = post(client, json=document)
    assert report["verdict"] == "not_genuine"
    assert report["summary"]["registeredMember"] is False


def test_another_issuers_1edtech_revocation_list_is_fetched_and_read(fetching_client: FlaskClient,
                                                                     remote: RemoteIssuer) -> None:
    credential = remote.issuer.credential(with_status=False)
    credential["credentialStatus"] = remote.issuer.revocation_entry()
    signed = proofs.sign(credential, signer=remote.issuer.signer, created=ISSUED)
    remote.issuer.publish_revocation_list([{"id": signed["id"], "revocationReason": "발급 오류"}])
    report = post(fetching_client, json=signed)
    assert (report["verdict"], outcomes(report)["status"]) == ("revoked", "failed")
    assert remote.hits["/revocations/1"] >= 1


# --- Open Badges 2.0 baked images (`openbadges` iTXt, <openbadges:assertion>) -------------------------

OB2_SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">{}</svg>'


def ob2_png(text: str) -> bytes:
    image = png()
    return image[:-12] + chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + text.encode()) + image[-12:]


OB2_IMAGES = {
    "PNG with a hosted assertion's URL": (lambda r: ob2_png(r.issuer.ob2_assertion()["id"]), "image/png",
                                          "ob2-hosted"),
    "PNG with a signed assertion's JWS": (lambda r: ob2_png(r.issuer.ob2_signed()), "image/png", "ob2-signed"),
    "SVG with a signed assertion's JWS": (lambda r: OB2_SVG.format(
        f'<openbadges:assertion verify="{r.issuer.ob2_signed()}"/>').encode(), "image/svg+xml", "ob2-signed"),
    "SVG with a hosted assertion's URL and JSON": (lambda r: OB2_SVG.format(
        '<openbadges:assertion verify="{}"><![CDATA[{}]]></openbadges:assertion>'.format(
            (a := r.issuer.ob2_assertion())["id"], json.dumps(a))).encode(), "image/svg+xml", "ob2-hosted"),
}


@pytest.mark.parametrize(("make", "content_type", "kind"), OB2_IMAGES.values(), ids=OB2_IMAGES.keys())
def test_an_open_badges_2_baked_image_is_verified_as_open_badges_2(fetching_client: FlaskClient,
                                                                   remote: RemoteIssuer, make, content_type: str,
                                                                   kind: str) -> None:  # type: ignore[no-untyped-def]
    report = post(fetching_client, data=make(remote), content_type=content_type,
                  query_string={"recipientEmail": EMAIL})
    assert (report["verdict"], report["format"]) == ("valid", kind), report["checks"]
    assert report["summary"]["achievementName"] == "웹 개발 기초"


def test_an_open_badges_2_png_whose_hosted_assertion_is_gone_is_revoked(fetching_client: FlaskClient,
                                                                        remote: RemoteIssuer) -> None:
    assertion = remote.issuer.ob2_assertion()
    remote.issuer.publish(assertion["id"], {"id": assertion["id"], "revoked": True}, 410)
    response = fetching_client.post("/api/v1/verify", data=ob2_png(assertion["id"]), content_type="image/png")
    assert response.status_code == 422
    assert response.get_json()["code"] == "verify.url_gone"


def test_the_verify_page_reads_an_open_badges_2_svg_upload(fetching_client: FlaskClient,
                                                           remote: RemoteIssuer) -> None:
    svg = OB2_SVG.format(f'<openbadges:assertion verify="{remote.issuer.ob2_signed()}"/>').encode()
    response = fetching_client.post("/verify?lang=en", data={"file": (io.BytesIO(svg), "badge.svg")},
                                    content_type="multipart/form-data")
    assert response.status_code == 200
    assert "웹 개발 기초" in response.get_data(as_text=True)


@pytest.fixture
def short_budget_client(settings: Settings) -> Iterator[FlaskClient]:
    """A fetching app whose verifications may wait 1 s in all for other servers (each fetch alone may take 3 s)."""
    app = create_app(replace(settings, insecure_fetch=True, fetch_timeout_s=3.0, verification_fetch_s=1.0))
    yield app.test_client()
    app.extensions["badges"].events.close()
    app.extensions["badges"].engine.dispose()


def test_one_verification_waits_for_slow_status_lists_no_longer_than_its_budget(short_budget_client: FlaskClient,
                                                                               remote: RemoteIssuer) -> None:
    """Three status lists, each answered after 0.6 s (well within a fetch's 3 s): the second fetch is ended when
    the verification's 1 s is spent, and the third is never asked for (the audit's 6 such lists held one request
    27 s)."""
    urls = [f"{remote.url}/status/slow/{n}" for n in range(3)]
    for url in urls:
        unsigned_list = {**remote.issuer.publish_list(), "id": url, "credentialSubject": status.status_list_subject(
            list_url=url, purpose="revocation", bits=status.new_list())}
        del unsigned_list["proof"]
        remote.issuer.publish(url, proofs.sign(unsigned_list, signer=remote.issuer.signer, created=ISSUED))
        remote.routes[urlsplit(url).path] = after(remote, 0.6)
    unsigned = remote.issuer.credential()
    unsigned["credentialStatus"] = [status.status_entry(list_url=url, index=7) for url in urls]
    credential = proofs.sign(unsigned, signer=remote.issuer.signer, created=ISSUED)

    report = post(short_budget_client, json=credential)

    assert (report["verdict"], outcomes(report)["status"]) == ("unknown", "unknown")
    assert sum(remote.hits[urlsplit(url).path] for url in urls) <= 2


def after(remote: RemoteIssuer, seconds: float) -> Route:
    """The issuer's document at the path, answered `seconds` late."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        remote.release.wait(seconds)
        status_code, body = next(answer for url, answer in remote.issuer.documents.items()
                                 if urlsplit(url).path == urlsplit(handler.path).path)
        send(handler, status_code, body, "application/json")
    return route

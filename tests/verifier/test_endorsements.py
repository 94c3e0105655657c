"""The API report and the verify page show a badge's embedded endorsements (who endorses, whether their proof
holds) without changing the badge's verdict."""
from __future__ import annotations

import json

from flask.testing import FlaskClient

from badges import proofs
from tests.other_issuer import ISSUED, endorsement
from tests.verifier.remote import RemoteIssuer


def endorsed_badge(remote: RemoteIssuer, *, forged: bool = False) -> dict:  # type: ignore[type-arg]
    credential = remote.issuer.credential()
    good = endorsement(credential["credentialSubject"]["achievement"]["id"])
    if forged:
        good["credentialSubject"]["endorsementComment"] = "위조된 추천"
    credential["credentialSubject"]["achievement"]["endorsement"] = [good]
    return proofs.sign(credential, signer=remote.issuer.signer, created=ISSUED)


def test_the_api_reports_an_endorsement_and_whether_it_holds(fetching_client: FlaskClient,
                                                             remote: RemoteIssuer) -> None:
    body = fetching_client.post("/api/v1/verify", json=endorsed_badge(remote)).get_json()
    assert body["verdict"] == "valid"
    [only] = body["endorsements"]["checked"]
    assert (only["on"], only["verified"], only["endorserName"]) == ("achievement", True, "한국소프트웨어산업협회")
    assert body["endorsements"]["notChecked"] == 0


def test_a_forged_endorsement_is_reported_and_the_badge_stays_valid(fetching_client: FlaskClient,
                                                                    remote: RemoteIssuer) -> None:
    body = fetching_client.post("/api/v1/verify", json=endorsed_badge(remote, forged=True)).get_json()
    assert body["verdict"] == "valid"
    assert [(e["verified"], e["verdict"]) for e in body["endorsements"]["checked"]] == [(False, "not_genuine")]


def test_the_verify_page_lists_the_endorser_and_its_outcome(fetching_client: FlaskClient,
                                                            remote: RemoteIssuer) -> None:
    page = fetching_client.post("/verify?lang=en", data={"credential": json.dumps(endorsed_badge(remote))})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="endorsements"' in html and "한국소프트웨어산업협회" in html
    assert 'data-verified="true"' in html and "the endorser&#39;s signature holds" in html
    ko = fetching_client.post("/verify?lang=ko", data={"credential": json.dumps(endorsed_badge(remote))})
    assert "추천 기관의 서명 확인됨" in ko.get_data(as_text=True)


def test_a_badge_without_endorsements_reports_none(fetching_client: FlaskClient, remote: RemoteIssuer) -> None:
    body = fetching_client.post("/api/v1/verify", json=remote.issuer.data_integrity()).get_json()
    assert body["endorsements"] == {"checked": [], "notChecked": 0}

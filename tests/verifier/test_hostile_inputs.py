"""The hostile corpus against the API and the page: each input gets a clear report or a clear 4xx, never a
500 or a hang (another issuer's misbehaving server is real, on 127.0.0.1)."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.verifier.corpus import CASES, Case
from tests.verifier.remote import RemoteIssuer


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_hostile_input_gets_a_clear_report_or_a_clear_4xx(fetching_client: FlaskClient, remote: RemoteIssuer,
                                                            case: Case) -> None:
    fetching_client.application.config["MAX_CONTENT_LENGTH"] = 20_000_000
    response = fetching_client.post(case.path, headers={"Accept": "application/json"}, **case.body(remote))
    assert response.status_code == case.status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    if case.status == 200:
        check = next(c for c in body["checks"] if c["id"] == case.check)
        assert (check["outcome"], check["problem"]["code"]) == (case.outcome, case.code)
        assert body["verified"] is False
    else:
        assert response.mimetype == "application/problem+json"
        assert body["code"] == case.code and body["detail"]


def test_a_link_to_a_private_address_is_refused_outside_development(client: FlaskClient, remote: RemoteIssuer) -> None:
    remote.issuer.publish(f"{remote.url}/credential", remote.issuer.data_integrity())
    https = remote.url.replace("http://", "https://")  # https passes the scheme rule; the address is what fails
    response = client.post("/api/v1/verify", json={"url": f"{https}/credential"})
    assert response.status_code == 422
    assert "private or local address" in response.get_json()["detail"]
    assert remote.hits["/credential"] == 0


def test_a_did_web_on_a_private_address_is_never_fetched_outside_development(client: FlaskClient,
                                                                            remote: RemoteIssuer) -> None:
    report = client.post("/api/v1/verify", json=remote.issuer.data_integrity()).get_json()
    check = next(c for c in report["checks"] if c["id"] == "issuer_key")
    assert (report["verdict"], check["outcome"], check["problem"]["code"]) == (
        "unknown", "unknown", "issuer_key.unresolvable")
    assert remote.hits["/.well-known/did.json"] == 0

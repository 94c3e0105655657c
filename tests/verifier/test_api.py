"""The verification API: 200 with a full report whenever verification ran; 4xx only for a bad request."""
from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bootstrap.wiring import Services
from store.models import VerificationEvent
from tests.factories import issue, make_course, make_org


@pytest.fixture
def document(client: FlaskClient, svc: Services) -> bytes:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org), email="minji.kim@example.com")
    return client.get(f"/credentials/{credential_id}.json").data


def outcomes(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {c["id"]: c["outcome"] for c in report["checks"]}


def test_a_genuine_badge_passes_every_check(client: FlaskClient, document: bytes) -> None:
    report = client.post("/api/v1/verify", data=document, content_type="application/json").get_json()
    assert report["verified"] is True and report["verdict"] == "valid"
    assert outcomes(report) == {"parse": "passed", "context": "passed", "schema": "passed", "issuer_key": "passed",
                                "proof": "passed", "validity": "passed", "status": "passed", "recipient": "skipped"}
    assert report["credential"] == json.loads(document)


def test_the_holder_email_is_confirmed_against_the_salted_hash(client: FlaskClient, document: bytes) -> None:
    body = {"credential": json.loads(document), "recipientEmail": " Minji.Kim@example.com "}
    assert outcomes(client.post("/api/v1/verify", json=body).get_json())["recipient"] == "passed"
    body["recipientEmail"] = "someone.else@example.com"
    report = client.post("/api/v1/verify", json=body).get_json()
    assert (report["verdict"], outcomes(report)["recipient"]) == ("not_recipient", "failed")


def test_a_changed_badge_is_reported_as_not_genuine(client: FlaskClient, document: bytes) -> None:
    tampered = json.loads(document)
    tampered["credentialSubject"]["name"] = "다른 사람"
    response = client.post("/api/v1/verify", json={"credential": tampered})
    assert response.status_code == 200
    report = response.get_json()
    assert report["verdict"] == "not_genuine"
    assert outcomes(report)["proof"] == "failed"
    assert next(c for c in report["checks"] if c["id"] == "proof")["problem"]["code"] == "proof.signature_mismatch"
    assert outcomes(report)["validity"] == "skipped"


def test_a_baked_png_is_verified_like_its_json(client: FlaskClient, svc: Services, document: bytes) -> None:
    credential_id = json.loads(document)["id"].rsplit("/", 1)[1]
    png = client.get(f"/credentials/{credential_id}.png").data
    report = client.post("/api/v1/verify", data=png, content_type="image/png").get_json()
    assert report["verdict"] == "valid"


def test_a_credential_passed_as_a_string_is_verified(client: FlaskClient, document: bytes) -> None:
    report = client.post("/api/v1/verify", json={"credential": document.decode()}).get_json()
    assert report["verdict"] == "valid"


@pytest.mark.parametrize("data, content_type, status, code", [
    (b"{broken", "application/json", 422, "request.malformed_json"),
    (b'{"credentials": {}}', "application/json", 422, "request.schema"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png", 422, "baking.png_malformed"),
    (b"x" * 2_100_000, "application/json", 413, "request.too_large"),
])
def test_a_bad_request_gets_a_clear_4xx(client: FlaskClient, data: bytes, content_type: str, status: int,
                                        code: str) -> None:
    client.application.config["MAX_CONTENT_LENGTH"] = 4_000_000
    response = client.post("/api/v1/verify", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["code"] == code


def test_unknown_contexts_are_reported_not_fetched(client: FlaskClient, document: bytes) -> None:
    doc = json.loads(document)
    doc["@context"].append("https://evil.example/context.json")
    report = client.post("/api/v1/verify", json=doc).get_json()
    check = next(c for c in report["checks"] if c["id"] == "context")
    assert check["outcome"] == "failed" and "evil.example" in check["problem"]["detail"]
    assert check["problem"]["path"] == "/@context/3"
    assert all(outcomes(report)[later] == "skipped" for later in ("schema", "issuer_key", "proof", "status"))


def test_verifications_of_our_badges_are_counted_per_channel(client: FlaskClient, svc: Services,
                                                             document: bytes) -> None:
    credential_id = json.loads(document)["id"].rsplit("/", 1)[1]
    client.post("/api/v1/verify", data=document, content_type="application/json")
    client.get(f"/v/{credential_id}")
    client.post("/verify", data={"credential": document.decode()})
    svc.events.flush()  # written in a batch shortly after (verifier.events); now, for the test
    with svc.sessions() as session:
        events = session.execute(select(VerificationEvent.channel, VerificationEvent.verdict)
                                 .order_by(VerificationEvent.id)).all()
    assert [tuple(e) for e in events] == [("api", "valid"), ("qr", "valid"), ("page", "valid")]

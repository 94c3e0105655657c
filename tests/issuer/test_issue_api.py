"""Issuing through the JSON API: happy path, idempotency, tenant isolation, and bad input that changes nothing."""
from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from badges.model import identity_hash
from bootstrap.wiring import Services
from store.db import transaction
from store.models import Credential
from tests.factories import make_course, make_org


def credential_count(svc: Services) -> int:
    with transaction(svc.sessions) as session:
        return session.scalar(select(func.count()).select_from(Credential))


@pytest.fixture
def acme(svc: Services) -> dict[str, str]:
    org, token = make_org(svc, "acme", with_token=True)
    course = make_course(svc, org)
    return {"token": token, "course": course.public_id, "org_did": org.did}


def post_issue(client: FlaskClient, acme: dict[str, str], body: object, **kwargs: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/achievements/{acme['course']}/credentials", json=body,
                       headers={"Authorization": f"Bearer {acme['token']}"}, **kwargs)


def test_issue_returns_a_signed_open_badge_for_the_recipient(client: FlaskClient, acme: dict[str, str]) -> None:
    response = post_issue(client, acme, {"recipient": {"name": "이서준", "email": "Seojun.Lee@example.com"},
                                         "completedAt": "2026-02-27"})
    assert response.status_code == 201
    doc = response.get_json()
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["issuer"]["id"] == acme["org_did"] and doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert response.headers["Location"] == doc["id"]
    subject = doc["credentialSubject"]
    identity = subject["identifier"][0]
    assert identity["identityHash"] == identity_hash("seojun.lee@example.com", identity["salt"])
    assert "seojun" not in json.dumps(doc).lower()
    assert subject["activityEndDate"] == "2026-02-27T00:00:00Z"
    assert subject["achievement"]["name"] == "클라우드 네이티브 개발"
    assert (doc["credentialStatus"]["type"], doc["credentialStatus"]["statusPurpose"]) == (
        "BitstringStatusListEntry", "revocation")  # OB 3.0 allows one status entry
    assert doc["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019"}]
    assert doc["@context"][2] == "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"  # defines that type


def test_issue_with_the_same_id_twice_returns_the_first_credential(client: FlaskClient, svc: Services,
                                                                    acme: dict[str, str]) -> None:
    body = {"id": "cohort-7/row-3", "recipient": {"name": "박지우", "email": "jiwoo@example.com"}}
    first = post_issue(client, acme, body)
    again = post_issue(client, acme, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data == first.data
    assert credential_count(svc) == 1


def test_issue_with_a_reused_id_for_someone_else_is_a_conflict(client: FlaskClient, svc: Services,
                                                               acme: dict[str, str]) -> None:
    post_issue(client, acme, {"id": "x-1", "recipient": {"name": "박지우", "email": "jiwoo@example.com"}})
    response = post_issue(client, acme, {"id": "x-1", "recipient": {"name": "최유나", "email": "yuna@example.com"}})
    assert response.status_code == 409
    assert response.get_json()["code"] == "issue.idempotency_conflict"
    assert credential_count(svc) == 1


def test_issue_never_reuses_a_status_list_index(client: FlaskClient, svc: Services, acme: dict[str, str]) -> None:
    for n in range(12):
        assert post_issue(client, acme, {"recipient": {"name": f"수강생 {n}", "email": f"s{n}@example.com"}}
                          ).status_code == 201
    with transaction(svc.sessions) as session:
        indexes = session.execute(select(Credential.status_list_id, Credential.status_index)).all()
    assert len(set(indexes)) == 12


@pytest.mark.parametrize("body, kwargs, status, code", [
    (None, {"data": b"{not json", "content_type": "application/json"}, 422, "request.malformed_json"),
    (None, {"data": b'{"recipient": {"name": "\\ud800", "email": "a@example.com"}}', "content_type": "application/json"},
     422, "request.malformed_json"),
    (None, {"data": b"name=x", "content_type": "application/x-www-form-urlencoded"}, 422, "request.not_json"),
    ({"recipient": {"name": "A"}}, {}, 422, "request.schema"),
    ({"recipient": {"name": "A", "email": "not-an-address"}}, {}, 422, "recipient.email_invalid"),
    ({"recipient": {"name": "A", "email": "a@example.com"}, "completedAt": "2026-02-31"}, {}, 422,
     "issue.completed_invalid"),
    ({"recipient": {"name": "A", "email": "a@example.com"}, "extra": 1}, {}, 422, "request.schema"),
    (None, {"data": b'{"recipient": {"name": "' + b"x" * 70_000 + b'"}}', "content_type": "application/json"},
     413, "request.too_large"),
])
def test_issue_with_bad_input_gets_a_clear_error_and_issues_nothing(
        client: FlaskClient, svc: Services, acme: dict[str, str], body: object, kwargs: dict[str, object],
        status: int, code: str) -> None:
    response = post_issue(client, acme, body, **kwargs)
    assert response.status_code == status
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["code"] == code and problem["detail"]
    assert credential_count(svc) == 0


def test_issue_refuses_a_missing_or_wrong_token(client: FlaskClient, svc: Services, acme: dict[str, str]) -> None:
    url = f"/api/v1/achievements/{acme['course']}/credentials"
    body = {"recipient": {"name": "A", "email": "a@example.com"}}
    for headers in ({}, {"Authorization": "Bearer bdg_wrong"}, {"Authorization": acme["token"]}):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "auth.token_invalid"
    assert credential_count(svc) == 0


def test_an_organisation_cannot_issue_or_read_another_organisations_badges(
        client: FlaskClient, svc: Services, acme: dict[str, str]) -> None:
    _, other_token = make_org(svc, "globex", with_token=True)
    as_other = {"Authorization": f"Bearer {other_token}"}
    body = {"recipient": {"name": "A", "email": "a@example.com"}}
    response = client.post(f"/api/v1/achievements/{acme['course']}/credentials", json=body, headers=as_other)
    assert response.status_code == 404
    issued = post_issue(client, acme, body).get_json()
    credential_id = issued["id"].rsplit("/", 1)[1]
    assert client.get(f"/api/v1/credentials/{credential_id}", headers=as_other).status_code == 404
    revoke = client.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "x"}, headers=as_other)
    assert revoke.status_code == 404
    assert client.get(f"/api/v1/credentials/{credential_id}",
                      headers={"Authorization": f"Bearer {acme['token']}"}).get_json()["state"] == "active"


def test_create_course_through_the_api_in_korean_and_english(client: FlaskClient, acme: dict[str, str]) -> None:
    response = client.post("/api/v1/achievements", headers={"Authorization": f"Bearer {acme['token']}"}, json={
        "name": {"ko": "데이터 엔지니어링", "en": "Data Engineering"},
        "description": {"ko": "설명", "en": "About"}, "criteria": {"ko": "과제 제출", "en": "Submit the labs"},
        "achievementType": "Certificate", "validMonths": 24})
    assert response.status_code == 201
    doc = response.get_json()
    assert (doc["name"], doc["achievementType"], doc["inLanguage"]) == ("데이터 엔지니어링", "Certificate", "ko")
    assert doc["related"][0]["inLanguage"] == "en"
    listed = client.get("/api/v1/achievements", headers={"Authorization": f"Bearer {acme['token']}"}).get_json()
    assert [a["name"] for a in listed] == ["클라우드 네이티브 개발", "데이터 엔지니어링"]


def test_a_token_can_only_do_what_its_scopes_allow(client: FlaskClient, svc: Services) -> None:
    org, read_only = make_org(svc, "readers", with_token=True, scopes=("read",))
    course = make_course(svc, org)
    response = client.post(f"/api/v1/achievements/{course.public_id}/credentials", json={
        "recipient": {"name": "A", "email": "a@example.com"}}, headers={"Authorization": f"Bearer {read_only}"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "auth.scope_missing"
    assert client.get("/api/v1/achievements", headers={"Authorization": f"Bearer {read_only}"}).status_code == 200
    assert credential_count(svc) == 0

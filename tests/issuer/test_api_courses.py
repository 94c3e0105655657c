"""Courses through the JSON API: every field, new versions, archiving, images, scopes and tenants."""
from __future__ import annotations

import base64
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bootstrap.wiring import Services
from store.console import AuditEntry
from store.db import transaction
from tests.factories import make_org

BODY: dict[str, Any] = {
    "name": {"ko": "데이터 엔지니어링", "en": "Data Engineering"},
    "description": {"ko": "설명", "en": "About"}, "criteria": {"ko": "과제 제출", "en": "Submit the labs"},
    "achievementType": "Certificate", "validMonths": 24, "hours": 120, "credits": 3,
    "tags": ["Python", "Airflow"],
    "alignments": [{"targetName": "데이터베이스", "targetUrl": "https://www.topcit.or.kr/", "targetFramework": "TOPCIT",
                    "targetCode": "T2"}]}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/><script>x()</script></svg>'


@pytest.fixture
def auth(svc: Services) -> dict[str, str]:
    _, token = make_org(svc, with_token=True)
    return {"Authorization": f"Bearer {token}"}


def test_a_course_is_created_with_every_field_and_audited(client: FlaskClient, svc: Services,
                                                          auth: dict[str, str]) -> None:
    response = client.post("/api/v1/achievements", json=BODY, headers=auth)
    assert response.status_code == 201
    doc = response.get_json()
    assert (doc["name"], doc["version"], doc["ext:hours"], doc["creditsAvailable"]) == ("데이터 엔지니어링", "1", 120, 3)
    assert doc["tag"] == ["Python", "Airflow"] and doc["alignment"][0]["targetCode"] == "T2"
    with transaction(svc.sessions) as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["course.create"]


def test_a_new_version_through_the_api_and_the_course_keeps_its_url(client: FlaskClient,
                                                                    auth: dict[str, str]) -> None:
    created = client.post("/api/v1/achievements", json=BODY, headers=auth).get_json()
    public_id = created["id"].split("/achievements/")[1].split("/")[0]
    changed = {**BODY, "name": {"ko": "데이터 엔지니어링 심화", "en": "Advanced Data Engineering"}}
    response = client.post(f"/api/v1/achievements/{public_id}/versions", json=changed, headers=auth)
    assert response.status_code == 201
    course = response.get_json()
    assert course["id"] == f"http://badges.test/achievements/{public_id}" and course["version"] == 2
    assert [v["version"] for v in course["versions"]] == [1, 2]
    assert course["achievement"]["name"] == "데이터 엔지니어링 심화"
    again = client.post(f"/api/v1/achievements/{public_id}/versions", json=changed, headers=auth)
    assert again.status_code == 200 and again.get_json()["version"] == 2


def test_an_archived_course_refuses_new_badges_through_the_api(client: FlaskClient, auth: dict[str, str]) -> None:
    public_id = client.post("/api/v1/achievements", json=BODY, headers=auth).get_json()["id"].split("/")[4]
    assert client.post(f"/api/v1/achievements/{public_id}/archive", headers=auth).get_json()["archived"] is True
    refused = client.post(f"/api/v1/achievements/{public_id}/credentials", headers=auth,
                          json={"recipient": {"name": "A", "email": "a@example.com"}})
    assert refused.status_code == 409 and refused.get_json()["code"] == "course.archived"
    assert "보관된 과정" in refused.get_json()["message"]
    assert client.post(f"/api/v1/achievements/{public_id}/restore", headers=auth).get_json()["archived"] is False
    assert client.post(f"/api/v1/achievements/{public_id}/credentials", headers=auth,
                       json={"recipient": {"name": "A", "email": "a@example.com"}}).status_code == 201


def test_a_course_image_is_sent_as_a_data_url_and_sanitised(client: FlaskClient, auth: dict[str, str]) -> None:
    image = "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()
    doc = client.post("/api/v1/achievements", json={**BODY, "image": image}, headers=auth).get_json()
    served = client.get(doc["image"]["id"].removeprefix("http://badges.test"))
    assert served.mimetype == "image/svg+xml" and b"<rect" in served.data and b"script" not in served.data


@pytest.mark.parametrize("change, status, code", [
    ({"hours": -1}, 422, "request.schema"),
    ({"tags": ["x" * 61]}, 422, "request.schema"),
    ({"alignments": [{"targetName": "NCS", "targetUrl": "ncs.go.kr"}]}, 422, "request.schema"),
    ({"alignments": [{"targetName": "NCS", "targetUrl": "https://ncs.go.kr/a<b>{c}|d"}]}, 422,
     "course.alignment_url_invalid"),
    ({"achievementType": "Trophy"}, 422, "achievement.type_unknown"),
    ({"image": "data:image/png;base64,AAAA"}, 422, "image.unsupported"),  # the bytes decide, not the label
])
def test_a_bad_course_body_is_refused_with_the_field(client: FlaskClient, auth: dict[str, str],
                                                     change: dict[str, Any], status: int, code: str) -> None:
    response = client.post("/api/v1/achievements", json={**BODY, **change}, headers=auth)
    assert response.status_code == status and response.get_json()["code"] == code
    assert client.get("/api/v1/achievements", headers=auth).get_json() == []


def test_course_changes_need_the_courses_scope_and_stay_in_their_organisation(client: FlaskClient,
                                                                               svc: Services) -> None:
    _, owner = make_org(svc, "acme", with_token=True)
    _, issuer_only = make_org(svc, "globex", with_token=True, scopes=("read", "issue"))
    refused = client.post("/api/v1/achievements", json=BODY, headers={"Authorization": f"Bearer {issuer_only}"})
    assert refused.status_code == 403
    public_id = client.post("/api/v1/achievements", json=BODY,
                            headers={"Authorization": f"Bearer {owner}"}).get_json()["id"].split("/")[4]
    other = {"Authorization": f"Bearer {issuer_only}"}
    assert client.get(f"/api/v1/achievements/{public_id}", headers=other).status_code == 404
    _, other_courses = make_org(svc, "initech", with_token=True)
    assert client.post(f"/api/v1/achievements/{public_id}/archive",
                       headers={"Authorization": f"Bearer {other_courses}"}).status_code == 404

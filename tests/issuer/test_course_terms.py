"""Course values the OB 3.0 schemas constrain: `ext:` extension terms (ASCII), and non-empty description and
criteria in every language the course is written in; refused in the API and the console, in Korean and English."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from tests.factories import console_post, enter_as, make_org

BODY: dict[str, Any] = {
    "name": {"ko": "데이터 엔지니어링", "en": "Data Engineering"},
    "description": {"ko": "데이터 파이프라인 과정", "en": "Data pipelines"},
    "criteria": {"ko": "과제 제출", "en": "Submit the labs"}}
ALIGNMENT = {"targetName": "데이터베이스", "targetUrl": "https://www.topcit.or.kr/"}


@pytest.fixture
def auth(svc: Services) -> dict[str, str]:
    _, token = make_org(svc, with_token=True)
    return {"Authorization": f"Bearer {token}"}


def post(client: FlaskClient, auth: dict[str, str], lang: str = "ko", **fields: Any):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/achievements", json={**BODY, **fields},
                       headers={**auth, "Accept-Language": lang})


@pytest.mark.parametrize("achievement_type", ["ext:Bootcamp", "ext:K-Digital.Training_2"])
def test_an_ascii_extension_achievement_type_is_accepted(client: FlaskClient, auth: dict[str, str],
                                                         achievement_type: str) -> None:
    response = post(client, auth, achievementType=achievement_type)
    assert response.status_code == 201 and response.get_json()["achievementType"] == achievement_type


@pytest.mark.parametrize("achievement_type", ["ext:부트캠프", "ext:", "ext:a b", "Bootcamp", "ext:a|b", "EXT:Camp"])
def test_an_achievement_type_outside_the_schema_is_refused_in_korean_and_english(
        client: FlaskClient, auth: dict[str, str], achievement_type: str) -> None:
    korean = post(client, auth, achievementType=achievement_type)
    english = post(client, auth, "en", achievementType=achievement_type)
    assert (korean.status_code, korean.get_json()["code"]) == (422, "achievement.type_unknown")
    assert "ext:" in korean.get_json()["message"] and "영문자" in korean.get_json()["message"]
    assert "ASCII letters" in english.get_json()["message"]


@pytest.mark.parametrize("target_type, status", [("ext:NCSUnit", 201), ("CFItem", 201), ("ext:능력단위", 422),
                                                 ("Competency", 422)])
def test_alignment_target_types_follow_the_schema(client: FlaskClient, auth: dict[str, str], target_type: str,
                                                  status: int) -> None:
    response = post(client, auth, alignments=[{**ALIGNMENT, "targetType": target_type}])
    assert response.status_code == status
    if status == 422:
        assert response.get_json()["code"] == "course.alignment_type_unknown"
        assert "ext:NCSUnit" in response.get_json()["message"]


@pytest.mark.parametrize("field, code", [("description", "course.description_missing"),
                                         ("criteria", "course.criteria_missing")])
def test_an_empty_description_or_criteria_is_refused(client: FlaskClient, auth: dict[str, str], field: str,
                                                     code: str) -> None:
    response = post(client, auth, **{field: {"ko": BODY[field]["ko"], "en": "  "}})
    assert (response.status_code, response.get_json()["code"]) == (422, code)
    assert response.get_json()["path"] == f"/{field}_en"
    assert post(client, auth, "en", **{field: {"ko": "", "en": ""}}).get_json()["code"] == code


def test_a_course_in_one_language_only_is_accepted(client: FlaskClient, auth: dict[str, str]) -> None:
    english_only = {f: {"en": BODY[f]["en"]} for f in ("name", "description", "criteria")}
    assert post(client, auth, **english_only).status_code == 201


def test_the_console_refuses_a_non_ascii_extension_type_by_the_field(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    form = {"name_ko": "보안 관제", "description_ko": "보안 관제 과정", "criteria_ko": "수료",
            "achievement_type": "Course", "achievement_type_other": "ext:부트캠프"}
    response = console_post(client, "/console/acme/courses?lang=ko", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="achievement_type-error"' in page and "영문자" in page
    response = console_post(client, "/console/acme/courses?lang=en", {**form, "achievement_type_other": "ext:Camp"})
    assert response.status_code == 302


def test_the_console_refuses_an_empty_description(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    response = console_post(client, "/console/acme/courses?lang=en",
                            {"name_ko": "보안 관제", "criteria_ko": "수료", "achievement_type": "Course"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="description_ko-error"' in page
    assert "cannot carry an empty description" in page

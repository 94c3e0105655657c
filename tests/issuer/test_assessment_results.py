"""Assessments with results (TOPCIT-like: a score 0-1000 and levels 1-5): the course's OB 3.0 result descriptions
and each person's Result, through the API, the console form and a cohort file, checked against the official schema
and verified."""
from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import jobs
from tests import ob3
from tests.factories import make_org

LEVELS = [{"key": str(n), "name": {"ko": f"수준 {n}", "en": f"Level {n}"}} for n in range(1, 6)]
TOPCIT: dict[str, Any] = {
    "name": {"ko": "TOPCIT 정기평가", "en": "TOPCIT assessment"}, "achievementType": "Assessment",
    "description": {"ko": "SW 역량 평가", "en": "Software competency assessment"},
    "criteria": {"ko": "평가 응시", "en": "Sat the assessment"},
    "resultDescriptions": [
        {"key": "score", "resultType": "ScaledScore", "name": {"ko": "TOPCIT 점수", "en": "TOPCIT score"},
         "valueMin": 0, "valueMax": 1000},
        {"key": "level", "resultType": "RubricCriterionLevel", "name": {"ko": "TOPCIT 수준", "en": "TOPCIT level"},
         "rubricCriterionLevel": LEVELS}]}


@pytest.fixture
def topcit(client: FlaskClient, svc: Services) -> tuple[str, dict[str, str]]:
    _, token = make_org(svc, with_token=True)
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/achievements", json=TOPCIT, headers=auth)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"].split("/achievements/")[1].split("/")[0], auth


def issue(client: FlaskClient, course: str, auth: dict[str, str], results: list[dict[str, Any]],
          email: str = "minji@example.com") -> Any:
    return client.post(f"/api/v1/achievements/{course}/credentials", headers=auth, json={
        "recipient": {"name": "김민지", "email": email}, "publishName": True, "results": results})


def test_the_assessment_describes_its_score_and_levels_as_ob3_result_descriptions(
        client: FlaskClient, topcit: tuple[str, dict[str, str]]) -> None:
    course, auth = topcit
    doc = client.get(f"/api/v1/achievements/{course}", headers=auth).get_json()["achievement"]
    score, level = doc["resultDescription"]
    assert (score["resultType"], score["valueMin"], score["valueMax"], score["name"]) == \
        ("ScaledScore", "0", "1000", "TOPCIT 점수")
    assert [lv["name"] for lv in level["rubricCriterionLevel"]] == [f"수준 {n}" for n in range(1, 6)]
    assert level["id"] == f"{doc['id']}#result-level" and ob3.problems(doc, "achievement") == []
    english = client.get(f"/achievements/{course}?format=json&lang=en").get_json()
    assert english["resultDescription"][1]["rubricCriterionLevel"][3]["name"] == "Level 4"


def test_a_score_and_level_issued_by_api_validate_and_verify(
        client: FlaskClient, topcit: tuple[str, dict[str, str]]) -> None:
    course, auth = topcit
    response = issue(client, course, auth, [{"resultDescription": "score", "value": 720},
                                            {"resultDescription": "level", "achievedLevel": "Level 4"}])
    assert response.status_code == 201, response.get_json()
    credential = response.get_json()
    version = credential["credentialSubject"]["achievement"]["id"]
    assert credential["credentialSubject"]["result"] == [
        {"type": ["Result"], "resultDescription": f"{version}#result-score", "value": "720"},
        {"type": ["Result"], "resultDescription": f"{version}#result-level",
         "achievedLevel": f"{version}#result-level-level-4"}]
    assert ob3.problems(credential) == []
    report = client.post("/api/v1/verify", data=json.dumps(credential), content_type="application/json").get_json()
    assert report["verdict"] == "valid"
    assert report["summary"]["results"] == [
        {"name": "TOPCIT 점수", "value": "720", "valueMin": "0", "valueMax": "1000"},
        {"name": "TOPCIT 수준", "level": "수준 4", "position": 4, "levels": 5}]


@pytest.mark.parametrize(("results", "code"), [
    ([{"resultDescription": "score", "value": 1001}], "result.out_of_range"),
    ([{"resultDescription": "score", "value": "많음"}], "result.value_invalid"),
    ([{"resultDescription": "level", "achievedLevel": "Level 6"}], "result.level_unknown"),
    ([{"resultDescription": "grade", "value": "A"}], "result.description_unknown"),
    ([{"resultDescription": "score", "value": 1}, {"resultDescription": "score", "value": 2}], "result.repeated")])
def test_a_result_that_does_not_fit_the_course_is_refused_in_korean_and_english(
        client: FlaskClient, topcit: tuple[str, dict[str, str]], results: list[dict[str, Any]], code: str) -> None:
    course, auth = topcit
    response = issue(client, course, auth, results)
    problem = response.get_json()
    assert (response.status_code, problem["code"], problem["path"]) == (422, code, "/results")
    korean = client.post(f"/api/v1/achievements/{course}/credentials", headers={**auth, "Accept-Language": "ko"},
                         json={"recipient": {"name": "김민지", "email": "minji@example.com"}, "results": results})
    assert korean.get_json()["message"] != problem["detail"] and any("가" <= ch <= "힣" for ch in korean.get_json()["message"])


@pytest.mark.parametrize(("change", "code"), [
    ({"valueMin": 1000, "valueMax": 0}, "result.range_invalid"),
    ({"valueMax": None}, "result.range_missing"),
    ({"requiredValue": 2000}, "result.required_out_of_range"),
    ({"name": {"ko": "점수"}}, "result.name_missing")])
def test_a_course_with_a_broken_score_description_is_refused(
        client: FlaskClient, topcit: tuple[str, dict[str, str]], change: dict[str, Any], code: str) -> None:
    _, auth = topcit
    score = {k: v for k, v in {**TOPCIT["resultDescriptions"][0], **change}.items() if v is not None}
    response = client.post("/api/v1/achievements", headers=auth, json={**TOPCIT, "resultDescriptions": [score]})
    assert (response.status_code, response.get_json()["code"]) == (422, code)


def test_a_minimum_to_pass_refuses_a_lower_result(client: FlaskClient, topcit: tuple[str, dict[str, str]]) -> None:
    _, auth = topcit
    score, level = TOPCIT["resultDescriptions"]
    body = {**TOPCIT, "resultDescriptions": [{**score, "requiredValue": 400}, {**level, "requiredLevel": "Level 2"}]}
    course = client.post("/api/v1/achievements", headers=auth, json=body).get_json()["id"].split("/")[4]
    assert issue(client, course, auth, [{"resultDescription": "score", "value": 399}]).get_json()["code"] == \
        "result.below_required"
    assert issue(client, course, auth, [{"resultDescription": "level", "achievedLevel": "1"}]).get_json()["code"] == \
        "result.below_required"
    passed = issue(client, course, auth, [{"resultDescription": "score", "value": 400},
                                          {"resultDescription": "level", "achievedLevel": "수준 2"}])
    assert passed.status_code == 201 and ob3.problems(passed.get_json()) == []
    achievement = passed.get_json()["credentialSubject"]["achievement"]
    assert achievement["resultDescription"][1]["requiredLevel"].endswith("#result-level-level-2")


def test_an_api_cohort_keeps_the_good_rows_when_one_result_is_out_of_range(
        app: Flask, client: FlaskClient, topcit: tuple[str, dict[str, str]]) -> None:
    course, auth = topcit
    rows = [{"name": "김민지", "email": "minji@example.com", "results": [
                {"resultDescription": "score", "value": 650}, {"resultDescription": "level", "achievedLevel": "3"}]},
            {"name": "박지우", "email": "jiwoo@example.com", "results": [{"resultDescription": "score", "value": 1200}]},
            {"name": "Alex Kim", "email": "alex@example.com", "results": [
                {"resultDescription": "level", "achievedLevel": "Level 5"}]}]
    response = client.post(f"/api/v1/achievements/{course}/cohorts", headers=auth,
                           json={"rows": rows, "completedAt": "2026-02-27"})
    assert response.status_code == 202, response.get_json()
    assert app.extensions[jobs.EXTENSION].wait(60)
    job = client.get(response.headers["Location"], headers=auth).get_json()
    assert [r["state"] for r in job["rows"]] == ["issued", "invalid", "issued"]
    assert job["rows"][1]["problem"]["code"] == "cohort.row.result_out_of_range"
    first = client.get(job["rows"][0]["credential"].removeprefix("http://badges.test") + ".json").get_json()
    assert [r.get("value") or r["achievedLevel"][-1] for r in first["credentialSubject"]["result"]] == ["650", "3"]

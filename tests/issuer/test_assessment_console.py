"""Assessments in the console and on the pages: the course form describes a TOPCIT-like score and rubric, the
issue form and a cohort file (one bad row among good ones) record each person's score and level, and the public
credential page, the achievement page, the verification report and PDF, and the wallet show them in ko and en."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import jobs
from store.db import transaction
from store.models import Achievement, Credential
from tests import ob3
from tests.factories import console_post, enter_as, make_org
from tests.verifier.test_summary_pdf_pages import pdf_text

FORM = {"name_ko": "TOPCIT 정기평가", "name_en": "TOPCIT assessment", "description_ko": "SW 역량 평가",
        "description_en": "Software competency assessment", "criteria_ko": "평가 응시", "criteria_en": "Sat the test",
        "achievement_type": "Assessment", "score_type": "ScaledScore", "score_name_ko": "TOPCIT 점수",
        "score_name_en": "TOPCIT score", "score_min": "0", "score_max": "1000", "level_name_ko": "TOPCIT 수준",
        "level_name_en": "TOPCIT level", "levels": "\n".join(f"수준 {n} | Level {n}" for n in range(1, 6))}


def assessment(client: FlaskClient, svc: Services) -> Achievement:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    response = console_post(client, "/console/acme/courses", FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    with transaction(svc.sessions) as session:
        return session.query(Achievement).one()


def text(client: FlaskClient, path: str, lang: str) -> str:
    return re.sub(r"\s+", " ", client.get(path, headers={"Accept-Language": lang}).get_data(as_text=True))


def test_the_course_form_describes_a_score_and_a_rubric_and_shows_them_again_to_edit(
        client: FlaskClient, svc: Services) -> None:
    course = assessment(client, svc)
    assert [d["resultType"] for d in course.result_descriptions] == ["ScaledScore", "RubricCriterionLevel"]
    edit = client.get(f"/console/acme/courses/{course.public_id}/edit").get_data(as_text=True)
    assert 'value="1000"' in edit and "수준 5 | Level 5" in edit
    page = text(client, f"/achievements/{course.public_id}?lang=en", "en")
    assert "Scaled score: 0–1000" in page and "<li>Level 3</li>" in page
    assert "<li>수준 3</li>" in text(client, f"/achievements/{course.public_id}?lang=ko", "ko")


def test_a_broken_rubric_is_refused_on_the_form_in_the_readers_language(client: FlaskClient, svc: Services) -> None:
    assessment(client, svc)
    response = console_post(client, "/console/acme/courses", {**FORM, "score_min": "1000", "score_max": "0"},
                            headers={"Accept-Language": "ko"})
    assert response.status_code == 422 and "최저점이 최고점보다 작아야 합니다" in response.get_data(as_text=True)


def test_the_issue_form_records_score_and_level_and_every_page_shows_them(
        client: FlaskClient, svc: Services, tmp_path: Path) -> None:
    course = assessment(client, svc)
    bad = console_post(client, "/console/acme/issue", {"course": course.public_id, "name": "김민지",
                       "email": "minji@example.com", "completed": "2026-03-01", "result_score": "1200"},
                       headers={"Accept-Language": "ko"})
    assert bad.status_code == 422 and "점수가 과정의 점수 범위를 벗어났습니다" in bad.get_data(as_text=True)
    response = console_post(client, "/console/acme/issue", {
        "course": course.public_id, "name": "김민지", "email": "minji@example.com", "completed": "2026-03-01",
        "result_score": "720", "result_level": "수준 4", "publish_name": "1"})
    assert response.status_code == 302
    credential_id = response.headers["Location"].rsplit("/", 1)[1]
    document = client.get(f"/credentials/{credential_id}.json").get_json()
    assert ob3.problems(document) == [] and len(document["credentialSubject"]["result"]) == 2

    korean = text(client, f"/credentials/{credential_id}?lang=ko", "ko")
    assert "<dt>TOPCIT 점수</dt>" in korean and "720점 (범위 0–1000)" in korean
    assert "수준 4 (5단계 중 4단계)" in korean
    english = text(client, f"/credentials/{credential_id}?lang=en", "en")
    assert "<dt>TOPCIT score</dt>" in english and "720 (range 0–1000)" in english
    assert "Level 4 (level 4 of 5)" in english
    landing = text(client, f"/v/{credential_id}?lang=en", "en")
    assert "720 (range 0–1000)" in landing and "수준 4 (level 4 of 5)" in landing
    pdf = client.get(f"/v/{credential_id}/summary.pdf?lang=ko")
    pages = pdf_text(pdf.data, tmp_path)
    assert "720점 (범위 0–1000)" in pages and "수준 4 (5단계 중 4단계)" in pages


def test_a_cohort_file_with_score_and_level_columns_issues_the_good_rows_and_marks_the_bad_ones(
        app: Flask, client: FlaskClient, svc: Services) -> None:
    course = assessment(client, svc)
    csv = ("이름,이메일,수료일,점수/score,등급/level\n"
           "김민지,minji@example.com,2026-02-27,720,4\n"
           "박지우,jiwoo@example.com,2026-02-27,1001,3\n"
           "이서연,seoyeon@example.com,2026-02-27,650,Level 9\n"
           "Alex Kim,alex@example.com,2026-02-27,480,Level 2\n").encode()
    uploaded = console_post(client, "/console/acme/cohorts", {
        "course": course.public_id, "notify": "", "file": (io.BytesIO(csv), "topcit.csv")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 302
    cohort_url = uploaded.headers["Location"]
    preview = text(client, cohort_url + "?lang=ko", "ko")
    assert "‘점수/score’ 칸의 점수 ‘1001’이(가) 과정의 점수 범위를 벗어났습니다" in preview
    assert "‘등급/level’ 칸의 ‘Level 9’은(는) 과정의 평가 수준이 아닙니다" in preview
    assert console_post(client, f"{cohort_url}/confirm").status_code == 302
    assert app.extensions[jobs.EXTENSION].wait(60)
    status = client.get(f"{cohort_url}/status").get_json()
    assert (status["issued"], status["invalid"]) == (2, 2)
    with transaction(svc.sessions) as session:
        documents = [json.loads(c.document) for c in session.query(Credential).all()]
    values = sorted(r.get("value") or r["achievedLevel"].rsplit("-", 1)[1]
                    for d in documents for r in d["credentialSubject"]["result"])
    assert values == ["2", "4", "480", "720"] and all(ob3.problems(d) == [] for d in documents)
    failed = client.get(f"{cohort_url}/failed.csv").data.decode("utf-8-sig")
    assert "1001" in failed and "outside the course's range" in failed

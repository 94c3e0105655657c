"""Courses: every field reaches the signed credential, edits make new versions that issued badges never see,
archived courses issue nothing, images are checked, and the console's forms say what is wrong."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from PIL import Image

from badges import baking, model
from badges.errors import Conflict
from badges.model import Recipient
from badges.verify import verify_credential
from bootstrap.wiring import Services
from issuer import awards, courses
from issuer.service import Award
from store.db import transaction
from store.models import Achievement, Org
from tests.factories import NOW, console_post, enter_as, issue, make_course, make_org
from web.i18n import translate

NCS = model.Alignment(target_name="응용SW엔지니어링", target_url="https://www.ncs.go.kr/unity/th03/ncsResultSearch.do",
                      target_code="2001020205", target_framework="NCS", target_type="CFItem")
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">'
       b'<script>alert(2)</script><circle cx="5" cy="5" r="4" fill="#1e40af"/>'
       b'<image href="https://evil.example/x.png"/></svg>')


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def credential_json(client: FlaskClient, credential_id: str) -> dict:
    return json.loads(client.get(f"/credentials/{credential_id}.json").data)


def test_every_course_field_is_carried_into_the_signed_credential(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org, valid_months=24, hours=960, credits=3.5, tags=("Python", "SQL", "python "),
                         alignments=(NCS,), achievement_type="CertificateOfCompletion")
    credential_id = issue(svc, org, course)
    doc = credential_json(client, credential_id)
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["id"] == f"http://badges.test/achievements/{course.public_id}/versions/1"
    assert (achievement["version"], achievement["achievementType"]) == ("1", "CertificateOfCompletion")
    assert (achievement["ext:hours"], achievement["creditsAvailable"]) == (960, 3.5)
    assert achievement["tag"] == ["Python", "SQL"]
    assert achievement["alignment"] == [{"type": ["Alignment"], "targetName": "응용SW엔지니어링",
                                         "targetUrl": NCS.target_url, "targetCode": "2001020205",
                                         "targetFramework": "NCS", "targetType": "CFItem"}]
    assert achievement["image"]["id"].endswith("/versions/1/image.png")
    assert doc["validUntil"] == "2028-03-02T09:30:00Z"
    report = verify_credential(json.dumps(doc), resolve=svc.resolver, now=NOW)
    assert report.verdict == "valid", report.as_json()


def test_a_new_version_leaves_issued_badges_exactly_as_they_were(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    before = issue(svc, org, course, email="first@example.com")
    stored_before = client.get(f"/credentials/{before}.json").data
    with transaction(svc.sessions) as session:
        achievement = session.get_one(Achievement, course.id)
        version = courses.new_version(session, org=session.get_one(Org, org.id), achievement=achievement, now=NOW,
                                      data=courses.AchievementIn(
                                          name_ko="클라우드 네이티브 심화", name_en="Advanced Cloud Native",
                                          description_ko="d", description_en="d", criteria_ko="c", criteria_en="c"))
        assert version is not None and version.version == 2
    after = issue(svc, org, course, email="second@example.com")

    assert client.get(f"/credentials/{before}.json").data == stored_before
    old_page = client.get(f"/credentials/{before}?lang=en").get_data(as_text=True)
    assert "Cloud Native Development" in old_page and "Advanced Cloud Native" not in old_page
    new_doc = credential_json(client, after)["credentialSubject"]["achievement"]
    assert new_doc["id"].endswith("/versions/2") and new_doc["name"] == "클라우드 네이티브 심화"
    assert new_doc["related"][-1] == {"id": f"http://badges.test/achievements/{course.public_id}/versions/1",
                                      "type": ["Related"], "version": "1"}
    course_json = client.get(f"/achievements/{course.public_id}?format=json&lang=en").get_json()
    assert (course_json["name"], course_json["version"]) == ("Advanced Cloud Native", "2")
    version_1 = client.get(f"/achievements/{course.public_id}/versions/1?format=json").get_json()
    assert version_1["name"] == "클라우드 네이티브 개발"
    assert client.get(f"/achievements/{course.public_id}/versions/3").status_code == 404


def test_saving_a_course_unchanged_makes_no_new_version(svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org, tags=("Kubernetes",))
    with transaction(svc.sessions) as session:
        achievement = session.get_one(Achievement, course.id)
        same = courses.AchievementIn(**{f: getattr(achievement, f) for f in (
            "name_ko", "name_en", "description_ko", "description_en", "criteria_ko", "criteria_en")},
            tags=("Kubernetes",))
        assert courses.new_version(session, org=session.get_one(Org, org.id), achievement=achievement, data=same,
                                   now=NOW) is None
        assert achievement.version == 1


def test_an_archived_course_issues_nothing_but_its_badges_stay_valid(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    credential_id = issue(svc, org, course)
    with transaction(svc.sessions) as session:
        courses.archive(session.get_one(Achievement, course.id), now=NOW)
    with pytest.raises(Conflict) as refused, transaction(svc.sessions) as session:
        awards.issue_one(session, svc.issuing, org=session.get_one(Org, org.id), now=NOW, actor="test",
                         achievement=session.get_one(Achievement, course.id), award=Award(Recipient("A", "a@example.com")))
    assert refused.value.code == "course.archived"
    report = verify_credential(client.get(f"/credentials/{credential_id}.json").data, resolve=svc.resolver,
                               now=NOW + timedelta(minutes=1))
    assert report.verdict == "valid"
    assert "이 과정은 더 이상 발급하지 않습니다" in client.get(f"/achievements/{course.public_id}").get_data(as_text=True)


def test_an_uploaded_svg_is_sanitised_and_baked_into_the_downloaded_badge(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org, image=SVG)
    credential_id = issue(svc, org, course)
    image = client.get(f"/achievements/{course.public_id}/versions/1/image.svg")
    assert image.mimetype == "image/svg+xml" and b"<circle" in image.data
    assert b"script" not in image.data and b"onload" not in image.data and b"evil.example" not in image.data
    assert "default-src 'none'" in image.headers["Content-Security-Policy"]
    baked = client.get(f"/credentials/{credential_id}.svg")
    assert baking.extract_svg(baked.data).encode() == client.get(f"/credentials/{credential_id}.json").data
    assert client.get(f"/credentials/{credential_id}.png").status_code == 404


def test_an_uploaded_png_is_kept_as_uploaded(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    picture = png()
    course = make_course(svc, org, image=picture)
    assert client.get(f"/achievements/{course.public_id}/versions/1/image.png").data == picture
    assert client.get(f"/achievements/{course.public_id}/image.png").data == picture


def test_the_generated_image_is_drawn_with_a_korean_font(svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    with transaction(svc.sessions) as session:
        achievement = session.get_one(Achievement, course.id)
        assert achievement.image_generated and achievement.image_type == "image/png"
        drawn = Image.open(io.BytesIO(achievement.image or b""))
    assert drawn.size == (512, 512)
    assert "Nanum" in str(courses.artwork.korean_font())


@pytest.mark.parametrize("upload, code", [
    (b"GIF89a....", "image.unsupported"),
    (png()[:40], "image.png_damaged"),
    (b"<svg><unclosed", "image.svg_invalid"),
    (png(5000, 10), "image.too_many_pixels"),
])
def test_a_bad_course_image_is_refused_with_a_reason_and_nothing_is_created(
        client: FlaskClient, svc: Services, upload: bytes, code: str) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    response = console_post(client, "/console/acme/courses", {
        "name_ko": "데이터 분석", "description_ko": "데이터 분석 과정", "criteria_ko": "수료",
        "image": (io.BytesIO(upload), "badge.bin")}, content_type="multipart/form-data")
    assert response.status_code in (413, 422)
    page = response.get_data(as_text=True)
    assert 'id="image-error"' in page and translate(code, "ko") in page  # under the field, in Korean
    assert "데이터 분석" in page  # what was typed is kept
    with transaction(svc.sessions) as session:
        assert courses.list_courses(session, org_id=org.id) == []


def test_staff_create_a_course_in_the_console_with_every_field(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    response = console_post(client, "/console/acme/courses", {
        "name_ko": "데이터 엔지니어링", "name_en": "Data Engineering", "description_ko": "설명",
        "description_en": "About", "criteria_ko": "과제 제출", "criteria_en": "Submit the labs",
        "achievement_type": "Certificate", "hours": "120", "credits": "", "valid_months": "36",
        "tags": "Python, Airflow\nSQL", "alignment-0-target_framework": "TOPCIT",
        "alignment-0-target_code": "T2", "alignment-0-target_name": "데이터베이스",
        "alignment-0-target_url": "https://www.topcit.or.kr/"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "데이터 엔지니어링" in page and "Airflow" in page and "TOPCIT" in page and "버전 1" in page
    with transaction(svc.sessions) as session:
        [course] = courses.list_courses(session, org_id=org.id)
        assert (course.hours, course.credits, course.valid_months) == (120.0, None, 36)
        assert course.tags == ["Python", "Airflow", "SQL"]
        assert course.alignments[0]["target_url"] == "https://www.topcit.or.kr/"


@pytest.mark.parametrize("field, value, error_id", [
    ("hours", "forty", "hours-error"),
    ("valid_months", "0", "valid_months-error"),
    ("alignment-0-target_url", "ncs.go.kr", None),
    ("alignment-0-target_url", "https://www.ncs.go.kr/my unit", None),
    ("alignment-0-target_url", "https://www.ncs.go.kr/a<b>{c}|d", None),
    ("name_ko", "", "name_ko-error"),
])
def test_a_bad_course_form_shows_the_error_by_the_field_and_keeps_the_input(
        client: FlaskClient, svc: Services, field: str, value: str, error_id: str | None) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    form = {"name_ko": "보안 관제", "description_ko": "보안 관제 과정", "criteria_ko": "수료",
            "alignment-0-target_name": "정보보호",
            "alignment-0-target_url": "https://www.ncs.go.kr/", field: value}
    if field == "name_ko":
        form["name_en"] = ""
    response = console_post(client, "/console/acme/courses?lang=ko", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "입력 내용을 확인하세요" in page
    if error_id:
        assert f'id="{error_id}"' in page
    else:
        assert 'fieldset class="alignment" aria-invalid="true"' in page
    assert "정보보호" in page  # what was typed is still there


def test_editing_in_the_console_makes_a_new_version_and_archiving_stops_issuing(
        client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    edit_page = client.get(f"/console/acme/courses/{course.public_id}/edit").get_data(as_text=True)
    assert "클라우드 네이티브 개발" in edit_page and "버전 2" in edit_page
    response = console_post(client, f"/console/acme/courses/{course.public_id}/edit", {
        "name_ko": "클라우드 네이티브 개발 (개정)", "name_en": "Cloud Native Development",
        "description_ko": "d", "description_en": "d", "criteria_ko": "c", "criteria_en": "c",
        "achievement_type": "Course"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "버전 2을(를) 저장했습니다" in page and "개정" in page
    console_post(client, f"/console/acme/courses/{course.public_id}/archive")
    form = client.get("/console/acme/issue").get_data(as_text=True)
    assert course.public_id not in form  # archived courses are not offered for issuing
    refused = console_post(client, "/console/acme/issue", {"course": course.public_id, "name": "A",
                                                           "email": "a@example.com", "completed": "2026-03-01"})
    assert refused.status_code == 409 and "보관된 과정" in refused.get_data(as_text=True)


def test_a_viewer_reads_courses_but_cannot_change_them(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    enter_as(client, svc, org, email="kim@acme.example", role="viewer")
    assert client.get("/console/acme/courses").status_code == 200
    assert client.get(f"/console/acme/courses/{course.public_id}").status_code == 200
    assert client.get("/console/acme/courses/new").status_code == 403
    assert console_post(client, "/console/acme/courses", {"name_ko": "x"}).status_code == 403
    assert console_post(client, f"/console/acme/courses/{course.public_id}/archive").status_code == 403


def test_another_organisations_course_is_not_found(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    other, _ = make_org(svc, "globex")
    theirs = make_course(svc, other)
    enter_as(client, svc, org, email="lee@acme.example", role="owner")
    assert client.get(f"/console/acme/courses/{theirs.public_id}").status_code == 404
    assert console_post(client, f"/console/acme/courses/{theirs.public_id}/archive").status_code == 404
    assert client.get("/console/globex/courses").status_code == 404

"""Issue 12, the done-criterion: every document the service produces is valid against the official 1EdTech
Open Badges 3.0 JSON Schemas (tests/vectors/ob3-schemas), on SQLite and PostgreSQL.

Credentials are issued through every entry point (API single and cohort, console form and cohort file, the CLI's
`badges issue` and `badges demo`) for rich courses in both languages, one language only, with alignments,
skills, hours, credits, validity and an uploaded image, and validated as served. Besides, tests/conftest.py
records every credential any test issues and fails the run at its end if one of them is invalid.
"""
from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from badges import artwork, model
from bootstrap.cli import main
from bootstrap.wiring import Services
from issuer import jobs, service
from store.db import make_engine, transaction
from store.models import Achievement, Credential, Org
from tests import ob3
from tests.factories import NOW, console_post, enter_as, issue, make_org

ALIGNMENTS = (model.Alignment("데이터베이스 구현", "https://www.ncs.go.kr/unit/2001020205", target_code="2001020205",
                              target_framework="NCS", target_type="ext:NCSUnit", target_description="DB 구현 능력"),
              model.Alignment("TOPCIT Data", "https://www.topcit.or.kr/", target_type="CFItem"))
BOTH = service.AchievementIn(
    name_ko="클라우드 네이티브 개발", name_en="Cloud Native Development",
    description_ko="쿠버네티스로 서비스를 배포하는 과정", description_en="Deploying services on Kubernetes",
    criteria_ko="최종 프로젝트 통과", criteria_en="Passed the final project", achievement_type="ext:Bootcamp",
    valid_months=24, hours=960, credits=3.5, tags=("Kubernetes", "Go", "클라우드"), alignments=ALIGNMENTS,
    image=artwork.badge_png("Cloud", "Acme", font_path=artwork.korean_font(), hue=3), human_code="KDT-CLOUD-01",
    other_identifiers=(("HRD-2026-0042", "identifier"), ("C-7781", "ext:HRDNetCourse")))
KOREAN_ONLY = replace(BOTH, name_en="", description_en="", criteria_en="", achievement_type="Course", image=None,
                      alignments=(), hours=None, credits=None, valid_months=None)
ENGLISH_ONLY = replace(BOTH, name_ko="", description_ko="", criteria_ko="", achievement_type="Certificate",
                       image=None, tags=())
COURSES = {"both": BOTH, "ko": KOREAN_ONLY, "en": ENGLISH_ONLY}


def test_the_vendored_schemas_are_the_official_ones() -> None:
    for line in (ob3.SCHEMAS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((ob3.SCHEMAS / name).read_bytes()).hexdigest() == digest, name


def valid(doc: Any, kind: str | None = None) -> bool:
    """True when `doc` is valid; fails the test with the schema's problems otherwise."""
    found = ob3.problems(doc, kind)
    assert found == [], f"{doc.get('id')}: {found}"
    return True


@pytest.fixture
def acme(svc: Services) -> tuple[Org, str, dict[str, Achievement]]:
    org, token = make_org(svc, with_token=True)
    with transaction(svc.sessions) as session:
        made = {key: service.create_achievement(session, org=session.get_one(Org, org.id), data=data, now=NOW)
                for key, data in COURSES.items()}
    return org, token or "", made


def served(client: FlaskClient, credential_url: str) -> dict[str, Any]:
    return json.loads(client.get(credential_url.removeprefix("http://badges.test") + ".json").data)


def stored(svc: Services) -> Iterator[dict[str, Any]]:
    with transaction(svc.sessions) as session:
        documents = session.scalars(select(Credential.document)).all()
    return (json.loads(d) for d in documents)


@pytest.mark.parametrize("course", list(COURSES))
def test_a_credential_issued_through_the_api_is_valid(client: FlaskClient, acme: Any, course: str) -> None:
    _, token, made = acme
    response = client.post(f"/api/v1/achievements/{made[course].public_id}/credentials",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"recipient": {"name": "이서준", "email": "seojun@example.com"},
                                 "completedAt": "2026-02-27", "publishName": course == "both", "creditsEarned": 3,
                                 "evidence": [{"url": "https://github.com/seojun/k8s-final", "name": "최종 프로젝트",
                                               "narrative": "쿠버네티스 클러스터에 서비스를 배포했습니다."},
                                              {"narrative": "Passed the oral defence."}]})
    assert response.status_code == 201
    assert valid(response.get_json()) and valid(served(client, response.get_json()["id"]))


def test_credentials_of_an_api_cohort_are_valid(app: Flask, client: FlaskClient, svc: Services, acme: Any) -> None:
    _, token, made = acme
    rows = [{"name": f"수강생{i}", "email": f"p{i}@example.com", "completedAt": "2026-02-27"} for i in range(3)]
    for course in made.values():
        response = client.post(f"/api/v1/achievements/{course.public_id}/cohorts", json={"rows": rows},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 202
    assert app.extensions[jobs.EXTENSION].wait(60)
    documents = list(stored(svc))
    assert len(documents) == 9 and all(valid(d) for d in documents)


def test_credentials_issued_in_the_console_one_by_one_and_from_a_file_are_valid(
        app: Flask, client: FlaskClient, svc: Services, acme: Any) -> None:
    org, _, made = acme
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    for n, course in enumerate(made.values()):
        response = console_post(client, "/console/acme/issue", {
            "course": course.public_id, "name": "Alex Kim", "email": f"alex{n}@example.com", "completed": "2026-02-27",
            "publish_name": "1" if n else "", "evidence_url": "https://example.com/portfolio" if n else "",
            "evidence_narrative": "팀 프로젝트 발표", "credits_earned": "2.5"})
        assert response.status_code == 302
    csv = "이름,이메일,수료일\n김민지,minji@example.com,2026-02-27\nJordan Lee,jordan@example.com,2026-02-28\n"
    cohort = console_post(client, "/console/acme/cohorts", {
        "course": made["both"].public_id, "notify": "", "file": (io.BytesIO(csv.encode()), "cohort.csv")},
        content_type="multipart/form-data").headers["Location"]
    assert console_post(client, f"{cohort}/confirm").status_code == 302
    assert app.extensions[jobs.EXTENSION].wait(60)
    documents = list(stored(svc))
    assert len(documents) == 5 and all(valid(d) for d in documents)


@pytest.mark.parametrize("course", list(COURSES))
def test_hosted_achievements_are_valid_in_each_language(client: FlaskClient, acme: Any, course: str) -> None:
    _, _, made = acme
    for lang in ("ko", "en"):
        response = client.get(f"/achievements/{made[course].public_id}?format=json&lang={lang}")
        assert response.status_code == 200
        assert response.get_json()["@context"] == [model.VC_V2, model.OB_V3]
        assert valid(response.get_json(), "achievement")
        negotiated = client.get(f"/achievements/{made[course].public_id}/versions/1?lang={lang}",
                                headers={"Accept": "application/ld+json"})
        assert negotiated.mimetype == "application/ld+json" and negotiated.get_json() == response.get_json()


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json"])
def test_the_issuer_profile_is_served_as_json_ld_at_the_issuers_url(client: FlaskClient, svc: Services,
                                                                    acme: Any, accept: str) -> None:
    org, _, _ = acme
    with transaction(svc.sessions) as session:
        stored_org = session.get_one(Org, org.id)
        stored_org.description_ko, stored_org.email = "디지털 인재를 키우는 아카데미", "hello@acme.example"
        stored_org.logo, stored_org.logo_type = BOTH.image, "image/png"
    response = client.get("/orgs/acme", headers={"Accept": accept})
    profile = response.get_json()
    assert response.mimetype == accept and response.headers["Vary"] == "Accept"
    assert profile["@context"] == [model.VC_V2, model.OB_V3] and profile["id"] == org.did
    assert profile["image"]["id"] == "http://badges.test/orgs/acme/logo" and valid(profile, "profile")
    assert "text/html" in client.get("/orgs/acme", headers={"Accept": "text/html,*/*;q=0.8"}).content_type


@pytest.mark.parametrize("accept", ["application/ld+json", "application/vc+ld+json", "application/json"])
def test_the_credential_url_answers_json_to_a_client_asking_for_it(client: FlaskClient, svc: Services, acme: Any,
                                                                  accept: str) -> None:
    org, _, made = acme
    credential_id = issue(svc, org, made["both"])
    response = client.get(f"/credentials/{credential_id}", headers={"Accept": accept})
    assert response.mimetype == accept
    assert response.data == client.get(f"/credentials/{credential_id}.json").data and valid(response.get_json())
    for browser in ("text/html,application/xhtml+xml,*/*;q=0.8", "*/*"):
        page = client.get(f"/credentials/{credential_id}", headers={"Accept": browser})
        assert page.mimetype == "text/html"


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY", "BADGES_ENV",
                 "BADGES_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_credentials_of_the_cli_demo_and_issue_commands_are_valid(instance: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["courses"]) == 0
    course_id = capsys.readouterr().out.split()[0]
    assert main(["issue", "--course", course_id, "--name", "한지민", "--email", "jimin@example.com"]) == 0
    engine = make_engine(f"sqlite:///{instance / 'badges.sqlite3'}")
    with engine.connect() as conn:
        documents = [json.loads(d) for d in conn.execute(select(Credential.document)).scalars()]
    engine.dispose()
    assert len(documents) == 2 and all(valid(d) for d in documents)


def test_every_credential_issued_so_far_in_this_run_is_valid(issued_credentials: list[bytes]) -> None:
    """The same check pytest_sessionfinish makes over the whole run, here over what ran before this test."""
    assert ob3.invalid(issued_credentials) == []


def test_optional_ob3_content_is_embedded_and_shown_on_the_public_page(client: FlaskClient, acme: Any) -> None:
    _, token, made = acme
    document = client.post(f"/api/v1/achievements/{made['both'].public_id}/credentials",
                           headers={"Authorization": f"Bearer {token}"}, json={
                               "recipient": {"name": "이서준", "email": "seojun@example.com"}, "creditsEarned": 3,
                               "evidence": [{"url": "https://github.com/seojun/k8s-final", "name": "최종 프로젝트",
                                             "narrative": "쿠버네티스 배포"}]}).get_json()
    achievement = document["credentialSubject"]["achievement"]
    assert document["evidence"] == [{"type": ["Evidence"], "id": "https://github.com/seojun/k8s-final",
                                     "name": "최종 프로젝트", "narrative": "쿠버네티스 배포"}]
    assert document["credentialSubject"]["creditsEarned"] == 3 and achievement["humanCode"] == "KDT-CLOUD-01"
    assert achievement["otherIdentifier"][1] == {"type": "IdentifierEntry", "identifier": "C-7781",
                                                 "identifierType": "ext:HRDNetCourse"}
    assert achievement["creator"] == document["issuer"]
    page = client.get(f"/credentials/{document['id'].rsplit('/', 1)[1]}?lang=ko").get_data(as_text=True)
    assert 'id="evidence"' in page and "https://github.com/seojun/k8s-final" in page and "쿠버네티스 배포" in page
    assert 'id="credits-earned">3<' in page and "KDT-CLOUD-01" in page and "C-7781 (ext:HRDNetCourse)" in page


@pytest.mark.parametrize("body, code", [
    ({"evidence": [{"name": "링크 없음"}]}, "credential.evidence_empty"),
    ({"evidence": [{"url": "ftp://x"}]}, "request.schema"),
    ({"evidence": [{"url": "https://example.com/my portfolio"}]}, "credential.evidence_url_invalid"),
    ({"evidence": [{"url": "https://example.com/a<b>{c}|d"}]}, "credential.evidence_url_invalid"),
    ({"creditsEarned": 0}, "request.schema")])
def test_bad_evidence_or_credits_are_refused(client: FlaskClient, acme: Any, body: dict[str, Any],
                                              code: str) -> None:
    _, token, made = acme
    response = client.post(f"/api/v1/achievements/{made['both'].public_id}/credentials",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"recipient": {"name": "이서준", "email": "seojun@example.com"}, **body})
    assert response.status_code == 422 and response.get_json()["code"] == code


def test_evidence_links_with_korean_letters_are_issued_as_typed_and_verify(client: FlaskClient, acme: Any) -> None:
    _, token, made = acme
    url = "https://example.com/포트폴리오/이서준"
    document = client.post(f"/api/v1/achievements/{made['both'].public_id}/credentials",
                           headers={"Authorization": f"Bearer {token}"}, json={
                               "recipient": {"name": "이서준", "email": "seojun@example.com"},
                               "evidence": [{"url": url}]}).get_json()
    assert document["evidence"] == [{"type": ["Evidence"], "id": url}]
    assert client.post("/api/v1/verify", json={"credential": document}).get_json()["verified"] is True


@pytest.mark.parametrize("url", ["https://example.com/my portfolio", "https://example.com/a<b>{c}|d"])
def test_the_console_issue_form_refuses_an_evidence_link_no_credential_could_sign(
        client: FlaskClient, svc: Services, acme: Any, url: str) -> None:
    org, _, made = acme
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    response = console_post(client, "/console/acme/issue", {
        "course": made["both"].public_id, "name": "Alex Kim", "email": "alex@example.com", "completed": "2026-02-27",
        "evidence_url": url}, headers={"Accept-Language": "ko"})
    assert response.status_code == 422
    assert "공백(%20으로 쓰세요)" in response.get_data(as_text=True)
    assert list(stored(svc)) == []

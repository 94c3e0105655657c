"""An award (course, e-mail, completion date) is issued once, whichever entry point brings it and however often:
the API with or without a request id, the console's form, `badges issue`, cohort files and API cohorts; each new
credential gets one audit entry and, when asked, one outbox e-mail."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bootstrap import cli
from bootstrap.cli import main
from bootstrap.wiring import Services
from bootstrap.wiring import build_services as cli_build
from issuer import jobs
from store.console import AuditEntry
from store.db import transaction
from store.issuing import CohortRow, OutboxMail
from store.models import Achievement, Credential, Org
from tests.factories import console_post, enter_as, make_course, make_org
from web.settings import Settings

PERSON = {"name": "박지우", "email": "jiwoo@example.com"}


@pytest.fixture
def acme(svc: Services) -> tuple[Org, Achievement, dict[str, str]]:
    org, token = make_org(svc, "acme", with_token=True)
    return org, make_course(svc, org), {"Authorization": f"Bearer {token}"}


def counted(svc: Services) -> tuple[int, int, int]:
    """(credentials, "credential.issue" audit entries, outbox e-mails)."""
    with transaction(svc.sessions) as session:
        return (session.scalar(select(func.count()).select_from(Credential)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "credential.issue")) or 0,
                session.scalar(select(func.count()).select_from(OutboxMail)) or 0)


def api_issue(client: FlaskClient, course: Achievement, auth: dict[str, str], body: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/achievements/{course.public_id}/credentials", json=body, headers=auth)


def form_issue(client: FlaskClient, course: Achievement, completed: str):  # type: ignore[no-untyped-def]
    return console_post(client, "/console/acme/issue", {"course": course.public_id, **PERSON, "completed": completed})


def test_the_same_award_twice_through_the_api_without_an_id_gives_the_first_credential(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    _, course, auth = acme
    body = {"recipient": PERSON, "completedAt": "2026-02-27", "notify": True}
    first, again = api_issue(client, course, auth, body), api_issue(client, course, auth, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data == first.data
    assert counted(svc) == (1, 1, 1)


def test_an_award_without_a_completion_date_is_the_award_of_the_day_it_is_issued(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    _, course, auth = acme
    first = api_issue(client, course, auth, {"recipient": PERSON})
    again = api_issue(client, course, auth, {"recipient": PERSON})
    assert (first.status_code, again.status_code) == (201, 200) and again.data == first.data
    assert counted(svc)[:2] == (1, 1)


def test_the_same_award_under_the_same_id_or_another_id_gives_the_first_credential(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    _, course, auth = acme
    body = {"id": "lms-42", "recipient": PERSON, "completedAt": "2026-02-27"}
    first = api_issue(client, course, auth, body)
    same_id = api_issue(client, course, auth, body)
    other_id = api_issue(client, course, auth, {**body, "id": "lms-43"})
    without_id = api_issue(client, course, auth, {k: v for k, v in body.items() if k != "id"})
    assert [r.status_code for r in (first, same_id, other_id, without_id)] == [201, 200, 200, 200]
    assert same_id.data == other_id.data == without_id.data == first.data
    assert counted(svc)[:2] == (1, 1)


def test_an_id_used_again_for_other_data_is_a_conflict_even_for_the_same_person(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    _, course, auth = acme
    api_issue(client, course, auth, {"id": "lms-42", "recipient": PERSON, "completedAt": "2026-02-27"})
    response = api_issue(client, course, auth, {"id": "lms-42", "recipient": PERSON, "completedAt": "2026-02-28"})
    assert response.status_code == 409 and response.get_json()["code"] == "issue.idempotency_conflict"
    assert counted(svc)[:2] == (1, 1)


def test_the_same_award_twice_through_the_console_form_gives_one_credential(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    org, course, _ = acme
    enter_as(client, svc, org, email="lee@acme.example")
    first, again = form_issue(client, course, "2026-02-27"), form_issue(client, course, "2026-02-27")
    assert first.headers["Location"] == again.headers["Location"]
    assert "이미 받았습니다" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert counted(svc)[:2] == (1, 1)


def test_an_award_issued_through_the_api_is_found_by_the_console_form(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    org, course, auth = acme
    issued = api_issue(client, course, auth, {"recipient": PERSON, "completedAt": "2026-02-27"}).get_json()
    enter_as(client, svc, org, email="lee@acme.example")
    assert form_issue(client, course, "2026-02-27").headers["Location"].endswith(issued["id"].rsplit("/", 1)[1])
    assert counted(svc)[:2] == (1, 1)


def test_the_console_form_issues_a_revoked_award_anew_and_the_api_then_finds_the_new_one(
        client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    org, course, auth = acme
    enter_as(client, svc, org, email="lee@acme.example")
    first = form_issue(client, course, "2026-02-27").headers["Location"]
    console_post(client, f"{first}/revoke", {"reason": "이름 오기", "confirmed": "1"})
    second = form_issue(client, course, "2026-02-27").headers["Location"]
    assert second != first
    again = api_issue(client, course, auth, {"recipient": PERSON, "completedAt": "2026-02-27"})
    assert again.status_code == 200 and again.get_json()["id"].endswith(second.rsplit("/", 1)[1])
    assert counted(svc)[:2] == (2, 2)


def test_badges_issue_twice_gives_one_credential(settings: Settings, svc: Services, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    for name, value in (("BADGES_DATABASE_URL", settings.database_url), ("BADGES_SECRET_KEY", settings.secret_key),
                        ("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(settings.key_encryption_key).decode()),
                        ("BADGES_PUBLIC_URL", settings.public_base_url), ("BADGES_INSTANCE", str(tmp_path))):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BADGES_ENV", raising=False)
    built: list[Services] = []
    monkeypatch.setattr(cli, "build_services", lambda s: built.append(cli_build(s)) or built[-1])
    command = ["issue", "--org", "acme", "--course", course.public_id, "--name", PERSON["name"],
               "--email", PERSON["email"]]
    assert main(command) == 0
    first = capsys.readouterr().out
    assert main(command) == 0
    assert capsys.readouterr().out == first
    assert counted(svc)[:2] == (1, 1)
    for services in built:  # the command's own engine: its PostgreSQL connections are closed, not left to GC
        services.engine.dispose()


def test_the_same_cohort_twice_through_the_api_issues_nothing_twice(
        app: Flask, client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    _, course, auth = acme
    api_issue(client, course, auth, {"recipient": PERSON, "completedAt": "2026-02-27"})  # one of them, earlier
    rows = [PERSON, {"name": "김민지", "email": "minji@example.com"}]
    reports = []
    for _ in range(2):
        submitted = client.post(f"/api/v1/achievements/{course.public_id}/cohorts", headers=auth,
                                json={"rows": rows, "completedAt": "2026-02-27", "notify": True})
        assert submitted.status_code == 202 and app.extensions[jobs.EXTENSION].wait(60)
        reports.append(client.get(submitted.headers["Location"], headers=auth).get_json())
    assert [(r["issued"], r["duplicate"]) for r in reports] == [(1, 1), (0, 2)]
    assert counted(svc) == (2, 2, 1)


def test_the_same_cohort_file_twice_through_the_console_issues_nothing_twice(
        app: Flask, client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    org, course, _ = acme
    enter_as(client, svc, org, email="lee@acme.example")
    data = "이름,이메일,수료일\n박지우,jiwoo@example.com,2026-02-27\n김민지,minji@example.com,2026-02-27\n".encode()
    for _ in range(2):
        preview = console_post(client, "/console/acme/cohorts", {
            "course": course.public_id, "file": (io.BytesIO(data), "cohort.csv")},
            content_type="multipart/form-data").headers["Location"]
        console_post(client, f"{preview}/confirm")
        assert app.extensions[jobs.EXTENSION].wait(60)
    assert counted(svc)[:2] == (2, 2)


def test_a_cohort_file_finds_the_badge_the_form_issued_anew_after_a_revocation(
        app: Flask, client: FlaskClient, svc: Services, acme: tuple[Org, Achievement, dict[str, str]]) -> None:
    org, course, _ = acme
    enter_as(client, svc, org, email="lee@acme.example")
    first = form_issue(client, course, "2026-02-27").headers["Location"]
    console_post(client, f"{first}/revoke", {"reason": "이름 오기", "confirmed": "1"})
    second = form_issue(client, course, "2026-02-27").headers["Location"].rsplit("/", 1)[1]
    data = "이름,이메일,수료일\n박지우,jiwoo@example.com,2026-02-27\n".encode()
    console_post(client, "/console/acme/cohorts", {"course": course.public_id, "file": (io.BytesIO(data), "cohort.csv")},
                 content_type="multipart/form-data")
    with transaction(svc.sessions) as session:
        [row] = session.scalars(select(CohortRow)).all()
    assert (row.state, row.credential_id) == ("duplicate", second)

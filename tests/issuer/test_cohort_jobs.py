"""Cohort jobs: nothing is signed before confirmation, bad rows never cost good ones, the same file twice
issues nothing twice, and a run killed mid-way is resumed (by hand or at start-up) without duplicates."""
from __future__ import annotations

import base64
import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from badges.model import Recipient
from bootstrap.app import create_app, start
from bootstrap.wiring import Services, build_services
from issuer import awards, cohorts, jobs
from issuer.service import Award
from store.db import transaction
from store.issuing import CohortJob, CohortRow, JobState, RowState
from store.models import Achievement, Credential, Org
from tests.factories import NOW, console_post, enter_as, make_course, make_org
from web.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 200  # enough that the child is surely still issuing when it is killed
CSV = ("이름,이메일,수료일\n"
       "김민지,minji@example.com,2026-02-27\n"
       "박지우,jiwoo(at)example.com,2026-02-27\n"
       "Alex Kim,alex@example.com,2026-02-27\n").encode("cp949")
CHILD = """
import base64, sys
from datetime import timedelta
from pathlib import Path
from issuer import jobs
from bootstrap.wiring import build_services
from web.settings import Settings
url, kek, folder, job_id = sys.argv[1:]
settings = Settings(database_url=url, secret_key="child", key_encryption_key=base64.b64decode(kek),
                    public_base_url="http://badges.test", instance_dir=Path(folder))
jobs.run(int(job_id), services=build_services(settings), lease=timedelta(seconds=1), batch=5)
"""


def queue_job(svc: Services, org: Org, course: Achievement, people: int, *, first: int = 0) -> int:
    """A confirmed job issuing `course` to `people` made-up people (nothing submitted to a runner)."""
    text = "name,email,completed\n" + "".join(f"수강생 {i},student{i}@example.com,2026-02-27\n"
                                              for i in range(first, first + people))
    rows = cohorts.check_rows(cohorts.read_table(text.encode()), default_completed=None, today=date(2026, 3, 2))
    with transaction(svc.sessions) as session:
        job = jobs.create_job(session, svc.issuing, org=session.get_one(Org, org.id), rows=rows, source="upload",
                              achievement=session.get_one(Achievement, course.id), actor="cli", now=NOW,
                              notify_recipients=False)
        jobs.confirm(session, job, actor="cli", now=NOW)
        return job.id


def states(svc: Services, job_id: int) -> dict[str, int]:
    with transaction(svc.sessions) as session:
        return dict(session.execute(select(CohortRow.state, func.count()).where(CohortRow.job_id == job_id)
                                    .group_by(CohortRow.state)).all())


def credentials_and_keys(svc: Services) -> tuple[int, int]:
    with transaction(svc.sessions) as session:
        return (session.scalar(select(func.count()).select_from(Credential)),
                session.scalar(select(func.count(func.distinct(Credential.idempotency_key)))))


def signed_in_issuer(client: FlaskClient, svc: Services) -> tuple[Org, Achievement]:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    return org, course


def upload(client: FlaskClient, course: Achievement, data: bytes, name: str = "cohort.csv", **form: str):  # type: ignore[no-untyped-def]
    return console_post(client, "/console/acme/cohorts", {"course": course.public_id, "notify": "", **form,
                                                          "file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def test_an_upload_is_previewed_row_by_row_and_nothing_is_signed(client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    response = upload(client, course, CSV)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2명에게 발급합니다" in page and "1줄에 오류가 있습니다" in page
    english = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Issue 2 badges" in english and "1 row has errors" in english  # each count in its plural form
    assert "‘이메일’ 칸의 ‘jiwoo(at)example.com’은(는) 이메일 주소가 아닙니다" in page
    assert '<li data-line="3" data-state="invalid">' in page and "(cp949)" in page
    assert credentials_and_keys(svc) == (0, 0)


def test_a_confirmed_upload_issues_the_good_rows_and_reports_the_bad_one(
        app: Flask, client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    cohort_url = upload(client, course, CSV).headers["Location"]
    assert console_post(client, f"{cohort_url}/confirm").status_code == 302
    assert app.extensions[jobs.EXTENSION].wait(60)

    status = client.get(f"{cohort_url}/status").get_json()
    assert {k: status[k] for k in ("state", "total", "done", "issued", "invalid", "percent")} == {
        "state": "done", "total": 3, "done": 3, "issued": 2, "invalid": 1, "percent": 100}
    page = client.get(cohort_url).get_data(as_text=True)
    assert 'id="done-issued">2<' in page and 'id="done-failed">1<' in page
    failed = client.get(f"{cohort_url}/failed.csv")
    assert failed.mimetype == "text/csv" and "attachment" in failed.headers["Content-Disposition"]
    lines = failed.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "행 / row,이름,이메일,수료일,오류,error"
    assert lines[1].startswith("3,박지우,jiwoo(at)example.com,2026-02-27,") and "not an e-mail address" in lines[1]
    assert credentials_and_keys(svc) == (2, 2)


def test_uploading_the_same_file_twice_issues_nothing_twice(
        app: Flask, client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    first = upload(client, course, CSV).headers["Location"]
    console_post(client, f"{first}/confirm")
    assert app.extensions[jobs.EXTENSION].wait(60)

    second = upload(client, course, CSV, name="cohort (1).csv").headers["Location"]
    page = client.get(second).get_data(as_text=True)
    assert "0명에게 발급합니다" in page and "2명은 이미 받았습니다" in page and 'id="confirm"' not in page
    fixed = CSV.decode("cp949").replace("jiwoo(at)example.com", "jiwoo@example.com").encode("utf-8")
    third = upload(client, course, fixed, name="fixed.csv").headers["Location"]
    assert "1명에게 발급합니다" in client.get(third).get_data(as_text=True)
    console_post(client, f"{third}/confirm")
    assert app.extensions[jobs.EXTENSION].wait(60)
    assert credentials_and_keys(svc) == (3, 3)


def test_a_job_killed_mid_way_resumes_without_duplicates_or_gaps(svc: Services, settings: Settings,
                                                                   tmp_path: Path) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    job_id = queue_job(svc, org, course, PEOPLE)
    child = subprocess.Popen([sys.executable, "-c", CHILD, settings.database_url,
                              base64.b64encode(settings.key_encryption_key).decode(), str(tmp_path), str(job_id)],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not states(svc, job_id).get(RowState.ISSUED) and child.poll() is None:
        assert time.monotonic() < deadline, "the child process issued nothing"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    issued_before = states(svc, job_id).get(RowState.ISSUED, 0)
    assert 0 < issued_before < PEOPLE, "the child was not killed mid-way"
    with transaction(svc.sessions) as session:
        assert jobs.stalled(session.get_one(CohortJob, job_id), datetime.now(UTC) + timedelta(seconds=5))

    time.sleep(1.2)  # the dead runner's lease runs out
    assert jobs.run(job_id, services=svc)

    assert states(svc, job_id) == {RowState.ISSUED: PEOPLE}
    assert credentials_and_keys(svc) == (PEOPLE, PEOPLE)
    with transaction(svc.sessions) as session:
        job = session.get_one(CohortJob, job_id)
        assert (job.state, job.runs) == (JobState.DONE, 2)
        assert session.scalar(select(func.count()).select_from(CohortRow).where(
            CohortRow.job_id == job_id, CohortRow.credential_id.is_(None))) == 0
        slots = session.execute(select(Credential.status_list_id, Credential.status_index)).all()
        assert len(set(slots)) == PEOPLE


def test_an_award_issued_after_the_preview_is_found_by_its_row_and_costs_no_other_row(svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    job_id = queue_job(svc, org, course, 25)
    with transaction(svc.sessions) as session:  # meanwhile the same award arrives through the form or the API
        earlier = awards.issue_one(session, svc.issuing, org=session.get_one(Org, org.id), actor="test",
                                   achievement=session.get_one(Achievement, course.id), now=NOW,
                                   award=Award(Recipient("수강생 7", "student7@example.com"),
                                               awards.completion_instant(date(2026, 2, 27)))).credential.id

    assert jobs.run(job_id, services=svc, batch=10)  # the unique award key refuses that row's batch as a whole

    assert states(svc, job_id) == {RowState.ISSUED: 24, RowState.DUPLICATE: 1}
    assert credentials_and_keys(svc) == (25, 25)
    with transaction(svc.sessions) as session:
        assert session.scalar(select(CohortRow.credential_id).where(
            CohortRow.job_id == job_id, CohortRow.state == RowState.DUPLICATE)) == earlier


def test_a_row_refused_while_issuing_fails_alone_in_its_batch(svc: Services) -> None:
    org, _ = make_org(svc)
    job_id = queue_job(svc, org, make_course(svc, org), 12)
    with transaction(svc.sessions) as session:  # checked at upload, yet unusable when its turn comes
        session.execute(update(CohortRow).where(CohortRow.job_id == job_id, CohortRow.line == 5)
                        .values(email="no address"))

    assert jobs.run(job_id, services=svc, batch=5)

    assert states(svc, job_id) == {RowState.ISSUED: 11, RowState.FAILED: 1}
    with transaction(svc.sessions) as session:
        failed = session.scalars(select(CohortRow).where(CohortRow.job_id == job_id,
                                                         CohortRow.state == RowState.FAILED)).one()
        assert (failed.line, failed.error_code, failed.credential_id) == (5, "recipient.email_invalid", None)
    assert credentials_and_keys(svc) == (11, 11)


def test_a_second_runner_cannot_take_a_job_whose_runner_is_alive(svc: Services) -> None:
    org, _ = make_org(svc)
    job_id = queue_job(svc, org, make_course(svc, org), 3)
    with transaction(svc.sessions) as session:
        session.execute(update(CohortJob).where(CohortJob.id == job_id).values(
            state=JobState.RUNNING, runner="someone", lease_until=NOW + timedelta(days=3650)))
    assert not jobs.run(job_id, services=svc)
    assert credentials_and_keys(svc) == (0, 0)


def test_unfinished_jobs_are_resumed_when_the_app_starts(settings: Settings) -> None:
    svc = build_services(settings)
    org, _ = make_org(svc)
    course = make_course(svc, org)
    queued = queue_job(svc, org, course, 4)
    crashed = queue_job(svc, org, course, 3, first=100)
    with transaction(svc.sessions) as session:
        session.execute(update(CohortJob).where(CohortJob.id == crashed).values(
            state=JobState.RUNNING, runner="dead", lease_until=NOW))
    app = create_app(settings)
    try:
        # building an app (as a test, a command or a script does) hands no job to its runner; starting it does
        assert not [t for t in threading.enumerate() if t.name.startswith("cohort-job-")]
        assert states(svc, queued) == {RowState.PENDING: 4}
        start(app)
        assert app.extensions[jobs.EXTENSION].wait(60)
        assert states(svc, queued) == {RowState.ISSUED: 4} and states(svc, crashed) == {RowState.ISSUED: 3}
    finally:
        app.extensions["badges"].engine.dispose()
        svc.engine.dispose()


def test_a_stalled_job_is_offered_for_resumption_in_the_console(
        app: Flask, client: FlaskClient, svc: Services) -> None:
    org, course = signed_in_issuer(client, svc)
    job_id = queue_job(svc, org, course, 2)
    with transaction(svc.sessions) as session:
        session.execute(update(CohortJob).where(CohortJob.id == job_id).values(
            state=JobState.RUNNING, runner="dead", lease_until=NOW, started_at=NOW))
    page = client.get(f"/console/acme/cohorts/{job_id}").get_data(as_text=True)
    assert 'id="resume"' in page and 'id="stalled">' in page
    assert client.get(f"/console/acme/cohorts/{job_id}/status").get_json()["stalled"] is True
    console_post(client, f"/console/acme/cohorts/{job_id}/resume")
    assert app.extensions[jobs.EXTENSION].wait(60)
    assert client.get(f"/console/acme/cohorts/{job_id}/status").get_json()["issued"] == 2


def test_a_preview_can_be_cancelled_and_then_never_issues(client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    cohort_url = upload(client, course, CSV).headers["Location"]
    assert console_post(client, f"{cohort_url}/cancel").status_code == 302
    again = console_post(client, f"{cohort_url}/confirm")
    assert "이미 발급을 시작했거나 취소한 명단입니다" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert credentials_and_keys(svc) == (0, 0)


def test_an_upload_with_a_file_problem_shows_it_under_the_file_field(client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    response = upload(client, course, "이름,전화\n김민지,010\n".encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and "‘이름’, ‘이메일’ 열" in page


def test_cohort_pages_belong_to_their_organisation_and_viewers_only_read(
        client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    job_id = queue_job(svc, org, make_course(svc, org), 1)
    make_org(svc, "globex")
    other, _ = make_org(svc, "initech")
    enter_as(client, svc, other, email="eve@initech.example", role="owner")
    assert client.get(f"/console/initech/cohorts/{job_id}").status_code == 404
    assert client.get(f"/console/initech/cohorts/{job_id}/failed.csv").status_code == 404
    assert console_post(client, f"/console/initech/cohorts/{job_id}/resume").status_code == 404
    enter_as(client, svc, org, email="kim@acme.example", role="viewer")
    assert client.get(f"/console/acme/cohorts/{job_id}").status_code == 200
    assert console_post(client, f"/console/acme/cohorts/{job_id}/resume").status_code == 403


def test_a_run_that_crashes_frees_the_job_it_holds_and_no_other(settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    svc = build_services(settings)
    org, _ = make_org(svc)
    course = make_course(svc, org)
    ours, taken_over = queue_job(svc, org, course, 3), queue_job(svc, org, course, 3, first=100)

    def crash(services: Services, job_id: int, *args: object) -> bool:  # a bug while issuing; for the second
        if job_id == taken_over:  # job, after its lease ran out and another runner took it over
            with transaction(svc.sessions) as session:
                session.execute(update(CohortJob).where(CohortJob.id == taken_over).values(
                    runner="the other runner", lease_until=NOW + timedelta(days=3650)))
        raise RuntimeError("a bug")

    monkeypatch.setattr(jobs, "_run_batches", crash)
    for job_id in (ours, taken_over):
        try:
            jobs.run(job_id, services=svc)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the crash did not propagate")
    with transaction(svc.sessions) as session:
        freed, kept = session.get_one(CohortJob, ours), session.get_one(CohortJob, taken_over)
        assert (freed.state, freed.runner, freed.lease_until, freed.error) == (
            JobState.RUNNING, None, None, "RuntimeError: a bug")
        assert (kept.runner, kept.error) == ("the other runner", None) and kept.lease_until is not None
    svc.engine.dispose()

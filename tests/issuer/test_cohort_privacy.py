"""Cohort rows let go of e-mail addresses (PIPA): a done row keeps only the masked address, a failed or invalid
row keeps its address for the failed-rows CSV until it is fixed by a later upload or the job expires, and a
cancelled upload forgets every address at once."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from badges.model import Recipient
from bootstrap.wiring import Services
from issuer import awards, cohort_privacy, jobs
from issuer.service import Award
from store.db import transaction
from store.issuing import CohortJob, CohortRow, RowState
from store.models import Achievement, Org
from tests.factories import console_post
from tests.issuer.test_cohort_jobs import signed_in_issuer, upload

FILE = ("이름,이메일,수료일\n"
        "김민지,Minji@Example.com,2026-02-27\n"
        "박지우,jiwoo(at)example.com,2026-02-27\n"
        "Alex Kim,alex@example.com,2026-02-27\n").encode()


def rows_of(svc: Services, job_id: int) -> dict[int, CohortRow]:
    with transaction(svc.sessions) as session:
        return {r.line: r for r in session.scalars(select(CohortRow).where(CohortRow.job_id == job_id))}


def everything_stored(svc: Services) -> str:
    """Every cohort row's columns as text: where an address could hide."""
    with transaction(svc.sessions) as session:
        return repr([(r.email, r.raw, r.name, r.error_detail, r.error_values)
                     for r in session.scalars(select(CohortRow))])


def issue_to_another_name(svc: Services, org: Org, course: Achievement) -> None:
    """Alex's award issued meanwhile under another name: Alex's row then fails while issuing."""
    from datetime import UTC, datetime
    with transaction(svc.sessions) as session:
        awards.issue_one(session, svc.issuing, org=session.get_one(Org, org.id), actor="cli",
                         achievement=session.get_one(Achievement, course.id), now=datetime.now(UTC),
                         award=Award(Recipient("Alexander Kim", "alex@example.com"),
                                     awards.completion_instant(datetime(2026, 2, 27).date())))


def run_upload(app: Flask, client: FlaskClient, svc: Services, org: Org, course: Achievement,
               data: bytes = FILE) -> tuple[str, int]:
    url = upload(client, course, data).headers["Location"]
    job_id = int(url.rstrip("/").rsplit("/", 1)[1])
    if data is FILE:
        issue_to_another_name(svc, org, course)
    assert console_post(client, f"{url}/confirm").status_code == 302
    assert app.extensions[jobs.EXTENSION].wait(60)
    return url, job_id


def test_an_issued_row_keeps_only_the_masked_address_and_failed_rows_keep_theirs(
        app: Flask, client: FlaskClient, svc: Services) -> None:
    org, course = signed_in_issuer(client, svc)
    url, job_id = run_upload(app, client, svc, org, course)
    rows = rows_of(svc, job_id)
    assert [rows[n].state for n in (2, 3, 4)] == [RowState.ISSUED, RowState.INVALID, RowState.FAILED]
    issued = rows[2]
    assert issued.email == "M***@Example.com" and issued.erased_at is not None
    assert issued.raw == {"이름": "김민지", "이메일": "M***@Example.com", "수료일": "2026-02-27"}
    assert issued.award_key  # the award is still found by its keyed hash
    assert "minji@example.com" not in everything_stored(svc).lower()
    assert (rows[3].email, rows[3].erased_at) == ("jiwoo(at)example.com", None)
    assert (rows[4].email, rows[4].erased_at) == ("alex@example.com", None)
    page = client.get(url).get_data(as_text=True)
    assert "M***@Example.com" in page and "Minji@Example.com" not in page
    failed = client.get(f"{url}/failed.csv").data.decode("utf-8-sig")
    assert "jiwoo(at)example.com" in failed and "alex@example.com" in failed and "Minji" not in failed


def test_a_failed_row_forgets_its_address_once_a_later_upload_fixes_it(
        app: Flask, client: FlaskClient, svc: Services) -> None:
    org, course = signed_in_issuer(client, svc)
    _, first = run_upload(app, client, svc, org, course)
    fixed = "이름,이메일,수료일\nAlexander Kim,alex@example.com,2026-02-27\n".encode()
    _, second = run_upload(app, client, svc, org, course, fixed)  # found issued: a duplicate, done at confirm
    assert rows_of(svc, second)[2].state == RowState.DUPLICATE
    assert rows_of(svc, second)[2].email == "a***@example.com"
    earlier = rows_of(svc, first)[4]
    assert earlier.state == RowState.FAILED and earlier.email == "a***@example.com"
    assert earlier.raw["이메일"] == "a***@example.com"
    assert rows_of(svc, first)[3].email == "jiwoo(at)example.com"  # not fixed yet: kept


def test_every_address_of_a_job_goes_once_it_expires(app: Flask, client: FlaskClient, svc: Services) -> None:
    org, course = signed_in_issuer(client, svc)
    _, job_id = run_upload(app, client, svc, org, course)
    with transaction(svc.sessions) as session:
        finished = session.get_one(CohortJob, job_id).finished_at
        assert finished is not None
        assert cohort_privacy.forget_expired(session, finished + cohort_privacy.ADDRESS_KEPT - timedelta(hours=1)) == 0
    assert rows_of(svc, job_id)[3].email == "jiwoo(at)example.com"
    with transaction(svc.sessions) as session:
        assert cohort_privacy.forget_expired(session, finished + cohort_privacy.ADDRESS_KEPT + timedelta(hours=1)) == 2
    rows = rows_of(svc, job_id)
    assert [rows[n].email for n in (2, 3, 4)] == ["M***@Example.com", "j***@", "a***@example.com"]
    assert "jiwoo(at)example.com" not in everything_stored(svc) and "alex@example.com" not in everything_stored(svc)


def test_a_cancelled_upload_forgets_every_address(client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    url = upload(client, course, FILE).headers["Location"]
    assert console_post(client, f"{url}/cancel").status_code == 302
    stored = everything_stored(svc).lower()
    assert "minji@example.com" not in stored and "alex@example.com" not in stored and "jiwoo(at)" not in stored

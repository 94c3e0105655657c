"""Cohort jobs: a preview that signs nothing, then a run that issues in batches and survives crashes.

The job body is `run(job_id, services=...)`: a plain function that opens its own sessions, so anything can call
it — the in-process ThreadRunner here (the default), a child process, or an RQ worker (issuer.queue) behind the
same `Runner.submit(job_id)` interface. Rows are issued in batches, one transaction per batch: status indexes
allocated at once, the credentials signed with one signer and inserted together (awards.issue_many); a row that
cannot be issued fails alone, and a batch refused as a whole (someone issued one of its awards meanwhile) is
issued row by row instead. Each row's credential carries the row's award key (course, person, completion date),
and the row's state is written in the same transaction as its credential, so a run killed at any instant is
resumed by issuing exactly the rows still pending: none twice, none missed.

A job is held through a lease that its runner renews with every batch; a runner that died stops renewing, and
after the lease runs out anyone may resume the job (the console's button, the app's start-up, or a queue worker's
sweep: resume_stalled). A database that stops answering mid-run (a restart, a fail-over) is waited out with
backoff for up to OUTAGE: the batch under way rolled back with its connection, so it is simply issued again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, object_session

from badges.errors import BadgeError, Conflict
from badges.model import Recipient
from badges.results import ResultIn
from issuer import audit, awards, cohort_privacy, notify, service
from issuer.cohorts import CheckedRow
from issuer.context import Context
from store.credentials import by_award_keys
from store.db import transaction
from store.issuing import CohortJob, CohortRow, JobState, OutboxMail, RowState, row_counts
from store.models import Achievement, Credential, Org

LEASE = timedelta(seconds=30)
QUEUED_GRACE = timedelta(seconds=10)  # a confirmed job not picked up by then is offered for resumption
SQLITE_GAP = 0.12  # seconds between batches on SQLite (see run)
BATCH = 500  # rows per transaction on PostgreSQL: fewer, bigger transactions issue faster (each has fixed costs)
SQLITE_BATCH = 100  # on SQLite a transaction holds the one write lock: web requests wait at most one batch
EXTENSION = "badges.jobs"  # app.extensions key of the app's Runner
OUTAGE = timedelta(minutes=2)  # how long a run waits for a database that does not answer before it gives up
log = logging.getLogger(__name__)


class Runner(Protocol):
    """Where jobs run: `submit` returns at once, the job runs elsewhere (a thread, a queue worker)."""

    def submit(self, job_id: int, *, delay: float = 0.0) -> None: ...


def create_job(session: Session, ctx: service.Issuing, *, org: Org, achievement: Achievement,
               rows: Sequence[CheckedRow], source: str, actor: str, now: datetime, notify_recipients: bool,
               filename: str = "", data: bytes = b"", encoding: str = "", publish_names: bool = False) -> CohortJob:
    """A job in preview: every row checked, the people who already have this award marked, nothing signed."""
    if achievement.archived_at is not None:
        raise Conflict("course.archived", "The course is archived, so no new badges can be issued for it.")
    job = CohortJob(org_id=org.id, achievement_id=achievement.id, source=source, filename=filename[:200],
                    file_digest=hashlib.sha256(data).hexdigest() if data else "", encoding=encoding,
                    notify=notify_recipients, publish_names=publish_names, state=JobState.PREVIEW, created_by=actor, created_at=now)
    session.add(job)
    session.flush()
    keys = {row.line: awards.award_key(ctx, course_public_id=achievement.public_id, email=row.email,
                                       completed=row.completed)
            for row in rows if row.problem is None and row.completed is not None}
    earlier = {key: awards.latest_generation(session, org.id, key, found)[0]  # a revoked one may be issued anew
               for key, found in by_award_keys(session, achievement.id, set(keys.values())).items()}
    if rows:  # a bulk insert without RETURNING: one pipelined executemany
        session.execute(insert(CohortRow), [_job_row(job, row, keys.get(row.line), earlier, achievement)
                                        for row in rows])
    return job


def _job_row(job: CohortJob, row: CheckedRow, key: str | None, earlier: dict[str, Credential],
             achievement: Achievement) -> dict[str, Any]:
    """The stored row's columns: invalid with its problem, already issued (this award has a credential), or
    pending. Every row has the same keys, so they are inserted in one executemany."""
    stored: dict[str, Any] = {
        "job_id": job.id, "line": row.line, "raw": row.raw, "name": row.name[:200], "email": row.email[:320],
        "completed_on": row.completed, "results": [{"description": r.description, "value": r.value}
                                                   for r in row.results], "state": RowState.PENDING, "award_key": key, "credential_id": None,
        "error_code": None, "error_column": None, "error_detail": None, "error_values": {}}
    if row.problem is not None:
        stored.update(state=RowState.INVALID, error_code=row.problem.code, error_column=row.problem.column,
                      error_detail=row.problem.detail[:500], error_values=row.problem.values)
        return stored
    credential = earlier.get(key or "")
    if credential is None:
        return stored
    named = json.loads(credential.document).get("credentialSubject", {}).get("name", "")  # only if published
    if row.completed is not None and awards.issued_to(credential, achievement, row.name, row.email, row.completed):
        stored.update(state=RowState.DUPLICATE, credential_id=credential.id)
    else:
        stored.update(state=RowState.INVALID, error_code="cohort.row.issued_other_name", error_column="",
                      error_detail=f"This person already has this badge for {row.completed}, issued to the name "
                                   f"{named!r}. Revoke that badge first if the name is wrong.",
                      error_values={"name": named or "—"})
    return stored


def confirm(session: Session, job: CohortJob, *, actor: str, now: datetime) -> None:
    """Queue a previewed job to be issued with the course's current version; Conflict if it is not a preview."""
    if job.state != JobState.PREVIEW:
        raise Conflict("cohort.not_preview", "This upload was already confirmed or cancelled.")
    if job.achievement.archived_at is not None:
        raise Conflict("course.archived", "The course was archived since the upload, so nothing was issued.")
    job.version_id = job.achievement.versions[-1].id
    job.state, job.confirmed_at = JobState.QUEUED, now
    cohort_privacy.forget_done_at_confirm(session, job, now)
    audit.record(session, org_id=job.org_id, actor=actor, action="cohort.confirm", target=f"job:{job.id}", now=now,
                 course=job.achievement.public_id, rows=row_counts(session, job.id)[RowState.PENDING])


def cancel(job: CohortJob) -> None:
    """Throw a preview away, and the addresses in it; Conflict once it was confirmed."""
    if job.state != JobState.PREVIEW:
        raise Conflict("cohort.not_preview", "This upload was already confirmed, so it cannot be cancelled.")
    job.state = JobState.CANCELLED
    session = object_session(job)
    assert session is not None
    cohort_privacy.forget_job(session, job.id, _now())


def stalled(job: CohortJob, now: datetime) -> bool:
    """True when a confirmed job is not being worked on: its runner crashed, or the app stopped before it ran."""
    if job.state == JobState.RUNNING:
        return job.lease_until is None or job.lease_until < now
    return job.state == JobState.QUEUED and job.confirmed_at is not None and job.confirmed_at < now - QUEUED_GRACE


def run(job_id: int, *, services: Context, lease: timedelta = LEASE, batch: int = BATCH) -> bool:
    """Issue the job's pending rows; False when another runner holds it (or it is not queued or running). A run
    that stops on an exception (a bug, a timeout, a cold shutdown) frees the job at once, if it still holds it,
    so it can be resumed without waiting for the lease; the exception goes on."""
    me = uuid.uuid4().hex
    if not _claim(services, job_id, me, lease):
        return False
    try:
        return _run(services, job_id, me, lease, batch)
    except BaseException as e:
        try:
            _record_crash(services, job_id, me, e)
        except Exception:  # the database itself may be why: the lease frees the job in time
            log.exception("cohort job %s could not be freed after it stopped", job_id)
        raise


def _run(services: Context, job_id: int, me: str, lease: timedelta, batch: int) -> bool:
    # SQLite has one writer at a time and every transaction here begins IMMEDIATE: a runner that began its next
    # batch at once would starve the web requests waiting for the lock (their busy handler sleeps up to 100 ms
    # between tries), so it leaves them a gap. PostgreSQL locks rows, not the database, and needs none.
    sqlite = services.engine.dialect.name == "sqlite"
    gap, batch = (SQLITE_GAP, min(batch, SQLITE_BATCH)) if sqlite else (0.0, batch)
    finished = _run_batches(services, job_id, me, lease, batch, gap)
    if finished and services.settings.smtp_url:  # the automatic retry, once the job is done (no server: why bother)
        notify.deliver(services, _failed_mails(services, job_id))
    return finished


def _run_batches(services: Context, job_id: int, me: str, lease: timedelta, batch: int, gap: float) -> bool:
    """Issue the pending rows batch by batch while this runner holds the lease; False once it lost it."""
    pause, down_since = 0.0, None
    while True:
        try:
            with transaction(services.sessions) as session:
                if not _renew(session, job_id, me, lease):
                    return False  # the lease ran out and someone else resumed the job: they finish it
                job = session.get(CohortJob, job_id)
                assert job is not None
                rows = list(session.scalars(select(CohortRow).where(CohortRow.job_id == job_id,
                                                                    CohortRow.state == RowState.PENDING)
                                            .order_by(CohortRow.line).limit(batch)))
                if not rows:
                    job.state, job.finished_at, job.runner, job.lease_until = JobState.DONE, _now(), None, None
                    cohort_privacy.forget_expired(session, job.finished_at)
                    return True
                mails = _issue_rows(session, services.issuing, job, rows)
        except (OperationalError, InterfaceError) as e:  # the database went away: the batch rolled back whole
            down_since = down_since or time.monotonic()
            if time.monotonic() - down_since > OUTAGE.total_seconds():
                raise
            pause = min(max(2 * pause, 0.1), 5.0)
            log.warning("cohort job %s: the database does not answer (%s); trying again in %.1f s", job_id,
                        type(e.orig).__name__, pause)
            time.sleep(pause)
            continue
        pause, down_since = 0.0, None
        notify.deliver(services, mails)
        time.sleep(gap)


def _claim(services: Context, job_id: int, me: str, lease: timedelta) -> bool:
    """Take the job if it is queued, or running under a lease that ran out (an atomic conditional UPDATE)."""
    now = _now()
    with transaction(services.sessions) as session:
        claimed = session.execute(
            update(CohortJob).where(CohortJob.id == job_id, or_(
                CohortJob.state == JobState.QUEUED,
                (CohortJob.state == JobState.RUNNING) & or_(CohortJob.lease_until.is_(None),
                                                            CohortJob.lease_until < now)))
            .values(state=JobState.RUNNING, runner=me, lease_until=now + lease, runs=CohortJob.runs + 1,
                    started_at=func.coalesce(CohortJob.started_at, now), error=None)
            .execution_options(synchronize_session=False))
        return claimed.rowcount == 1  # type: ignore[attr-defined]


def _renew(session: Session, job_id: int, me: str, lease: timedelta) -> bool:
    renewed = session.execute(update(CohortJob).where(CohortJob.id == job_id, CohortJob.runner == me)
                              .values(lease_until=_now() + lease).execution_options(synchronize_session=False))
    return renewed.rowcount == 1  # type: ignore[attr-defined]


def _issue_rows(session: Session, ctx: service.Issuing, job: CohortJob, rows: Sequence[CohortRow]) -> list[int]:
    """Issue a batch of rows together (awards.issue_many, audit and outbox included) and record what became of
    each; returns the ids of the notification e-mails due. The rows' awards were looked up when the job was made
    (create_job), so the batch does not look again: should someone have issued one of them since, the unique
    award key refuses the batch as a whole, and issue_many then issues each award on its own, finding that one."""
    now = _now()
    assert job.version is not None
    results: dict[int, awards.Result] = {}
    pending: dict[int, service.Award] = {}
    for row in rows:
        assert row.completed_on is not None
        try:
            pending[row.id] = service.Award(Recipient(row.name, row.email, publish_name=job.publish_names),
                                            awards.completion_instant(row.completed_on),
                                            results=tuple(ResultIn(r["description"], r["value"])
                                                          for r in row.results or []))
        except BadgeError as e:
            results[row.id] = e
    try:
        issued = awards.issue_many(session, ctx, org=job.org, achievement=job.achievement, version=job.version,
                                   awards=list(pending.values()), actor=job.created_by, now=now,
                                   notify_recipients=job.notify, job_id=job.id, looked_up=True) if pending else []
        results.update(zip(pending, issued))
    except BadgeError as e:  # the course itself refuses (archived since the job was confirmed): every row fails
        results.update((row_id, e) for row_id in pending)
    return _record(session, job.org_id, rows, results)


# each row's result, SET from the keys of the parameters (the table's own statement: the ORM's bulk update costs more)
_ROW_TABLE = cast(Table, CohortRow.__table__)
_ROW_RESULT = update(_ROW_TABLE).where(_ROW_TABLE.c.id == bindparam("row_id"))


def _record(session: Session, org_id: int, rows: Sequence[CohortRow],
            results: dict[int, awards.Result]) -> list[int]:
    """Each row's state as its result says, the address of each done row erased (issuer.cohort_privacy), and
    those of earlier failed rows for the same awards; returns the ids of the e-mails due."""
    changes, due, now = [], [], _now()
    for row in rows:
        result = results[row.id]
        if isinstance(result, BadgeError):  # input or state problems only; bugs propagate and stop the run
            changes.append({"row_id": row.id, "state": RowState.FAILED, "credential_id": None,
                            "error_code": result.code, "error_detail": result.detail[:500], "error_values": {},
                            "email": row.email, "raw": row.raw, "erased_at": None})  # kept until fixed
            # (a failure's detail may quote the address: kept with it, scrubbed with it)
            continue
        changes.append({"state": RowState.ISSUED if result.created else RowState.DUPLICATE,
                        "credential_id": result.credential.id, "error_code": None, "error_detail": None,
                        "error_values": {}, **cohort_privacy.erasure(row.id, row.email, row.raw, now)})
        if result.mail_id is not None:
            due.append(result.mail_id)
    session.execute(_ROW_RESULT, changes)  # one executemany
    done = [row.award_key for row in rows if row.award_key and not isinstance(results[row.id], BadgeError)]
    cohort_privacy.forget_fixed(session, org_id=org_id, award_keys=done, now=now)
    return due


def _failed_mails(services: Context, job_id: int) -> list[int]:
    with transaction(services.sessions) as session:
        return list(session.scalars(select(OutboxMail.id).where(OutboxMail.job_id == job_id,
                                                                OutboxMail.state == "failed")))


def _record_crash(services: Context, job_id: int, me: str, error: BaseException) -> None:
    """Note why runner `me` stopped and free the job, unless its lease ran out and another runner holds it now."""
    with transaction(services.sessions) as session:
        session.execute(update(CohortJob).where(CohortJob.id == job_id, CohortJob.state == JobState.RUNNING,
                                                CohortJob.runner == me)
                        .values(error=f"{type(error).__name__}: {error}"[:500], runner=None, lease_until=None)
                        .execution_options(synchronize_session=False))


def resume(session: Session, job: CohortJob, runner: Runner, *, now: datetime) -> None:
    """Run a stalled job again (its done rows stay done); Conflict while its runner is still alive."""
    if job.state == JobState.RUNNING and job.lease_until is not None and job.lease_until >= now:
        raise Conflict("cohort.still_running", "The job is still running; reload the page to see its progress.")
    if job.state not in (JobState.QUEUED, JobState.RUNNING):
        raise Conflict("cohort.not_resumable", "Only a confirmed job that has not finished can be resumed.")
    runner.submit(job.id)


def resume_unfinished(services: Context, runner: Runner) -> list[int]:
    """Submit every confirmed job that has not finished (at start-up); those still leased wait for their lease."""
    now = _now()
    with transaction(services.sessions) as session:
        cohort_privacy.forget_expired(session, now)
        jobs = session.execute(select(CohortJob.id, CohortJob.lease_until).where(
            CohortJob.state.in_((JobState.QUEUED, JobState.RUNNING)))).all()
    for job_id, lease_until in jobs:
        wait = (lease_until - now).total_seconds() + 0.5 if lease_until is not None and lease_until > now else 0.0
        runner.submit(job_id, delay=wait)
    return [job_id for job_id, _ in jobs]


def resume_stalled(services: Context, runner: Runner, *, waiting: set[int]) -> list[int]:
    """Submit the jobs nobody is working on that are not `waiting` in the queue already: running under a lease
    that ran out (their runner died), or queued but lost on the way (an app killed between its commit and the
    queue, a Redis restarted without its data). A job submitted twice still runs once (the lease); returns
    the ids submitted."""
    now = _now()
    with transaction(services.sessions) as session:
        jobs = session.execute(select(CohortJob.id, CohortJob.state, CohortJob.lease_until).where(
            CohortJob.state.in_((JobState.QUEUED, JobState.RUNNING)))).all()
    due = [job_id for job_id, state, lease_until in jobs if job_id not in waiting and (
        state == JobState.QUEUED or lease_until is None or lease_until < now)]
    for job_id in due:
        runner.submit(job_id)
    return due


class ThreadRunner:
    """Runs each job on a daemon thread of this process."""

    def __init__(self, services: Context) -> None:
        self._services = services
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, job_id: int, *, delay: float = 0.0) -> None:
        thread = threading.Thread(target=self._run, args=(job_id, delay), name=f"cohort-job-{job_id}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait for every submitted job to end; False if some are still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)

    def _run(self, job_id: int, delay: float) -> None:
        if delay:
            time.sleep(delay)
        try:
            run(job_id, services=self._services)
        except Exception:  # a thread has nobody to raise to: log it (run freed the job for resumption)
            log.exception("cohort job %s stopped", job_id)


def _now() -> datetime:
    return datetime.now(UTC)

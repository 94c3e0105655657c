"""Issuing to many people: cohort jobs with one row per person, and the outbox of notification e-mails.

A job and each of its rows are rows in the database, so a job survives the process that ran it: after a
crash, the rows still pending are issued by whoever resumes it, and the rows already issued are not touched.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.models import Achievement, AchievementVersion, Base, Credential, Org


class JobState(StrEnum):
    PREVIEW = "preview"  # parsed and checked; nothing signed until someone confirms
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"  # a preview that was thrown away


class RowState(StrEnum):
    INVALID = "invalid"  # refused at upload: never issued (the error says which cell to fix)
    PENDING = "pending"
    ISSUED = "issued"
    DUPLICATE = "duplicate"  # this person already has this badge for this completion: not issued again
    FAILED = "failed"  # refused while issuing


class MailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class CohortJob(Base):
    """One upload (or API call) issuing a course's badge to many people."""

    __tablename__ = "cohort_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("achievement_versions.id"))  # fixed on confirm
    source: Mapped[str] = mapped_column(String(10))  # "upload" or "api"
    filename: Mapped[str] = mapped_column(String(200), default="")
    file_digest: Mapped[str] = mapped_column(String(64), default="")  # SHA-256 of the uploaded bytes
    encoding: Mapped[str] = mapped_column(String(20), default="")  # as detected: utf-8, utf-8-sig, cp949, xlsx
    notify: Mapped[bool] = mapped_column(default=False)
    publish_names: Mapped[bool] = mapped_column(default=False, server_default=false())  # names in the credentials
    state: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str] = mapped_column(String(200))  # an audit actor: "staff:<id>" or "token:<id>"
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    runner: Mapped[str | None] = mapped_column(String(64))  # who holds the lease
    lease_until: Mapped[datetime | None]  # a runner that stops renewing (crashed) loses the job after this
    runs: Mapped[int] = mapped_column(default=0)  # 1 + the number of resumptions
    error: Mapped[str | None] = mapped_column(String(500))  # why the last run stopped early

    org: Mapped[Org] = relationship()
    achievement: Mapped[Achievement] = relationship()
    version: Mapped[AchievementVersion | None] = relationship()


class CohortRow(Base):
    """One person of a cohort job, with what happened to them."""

    __tablename__ = "cohort_rows"
    __table_args__ = (UniqueConstraint("job_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("cohort_jobs.id"), index=True)
    line: Mapped[int]  # the row number as the spreadsheet shows it (the header is row 1)
    raw: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # the cells as uploaded, by header
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    completed_on: Mapped[date | None]
    results: Mapped[list[dict[str, str]]] = mapped_column(  # the row's results: {description (key), value}
        JSON, default=list, server_default="[]")
    award_key: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(12))
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"))
    error_code: Mapped[str | None] = mapped_column(String(80))
    error_column: Mapped[str | None] = mapped_column(String(80))
    error_detail: Mapped[str | None] = mapped_column(String(500))  # English
    error_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # for the ko/en message
    erased_at: Mapped[datetime | None]  # when `email` (and its cell in `raw`) became the masked form

    credential: Mapped[Credential | None] = relationship()


class OutboxMail(Base):
    """A notification e-mail to a credential's recipient: kept until sent, with the last error if it failed."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("cohort_jobs.id"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(320))  # forgotten once sent
    to_display: Mapped[str] = mapped_column(String(320))  # masked, e.g. m***@example.com
    resent: Mapped[bool] = mapped_column(default=False, server_default=false())  # staff sent it again (limited)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    credential: Mapped[Credential] = relationship()


class ExpiryReminder(Base):
    """One reminder that a credential expires in `days` days, to its holder ("learner") or its issuer
    ("issuer"): at most one per credential, threshold and audience; kept with its error until sent."""

    __tablename__ = "expiry_reminders"
    __table_args__ = (UniqueConstraint("credential_id", "days", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    days: Mapped[int]
    audience: Mapped[str] = mapped_column(String(10))
    to_address: Mapped[str | None] = mapped_column(String(320))  # None: no address known (nothing to send)
    state: Mapped[str] = mapped_column(String(10))  # a MailState
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    credential: Mapped[Credential] = relationship()


def get_job(session: Session, *, org_id: int, job_id: int) -> CohortJob | None:
    """The organisation's job, or None (another organisation's job is never returned)."""
    return session.scalar(select(CohortJob).where(CohortJob.id == job_id, CohortJob.org_id == org_id))


def row_counts(session: Session, job_id: int) -> dict[str, int]:
    """How many of the job's rows are in each state (every RowState is present)."""
    counts: dict[str, int] = {state: n for state, n in session.execute(
        select(CohortRow.state, func.count()).where(CohortRow.job_id == job_id).group_by(CohortRow.state))}
    return {state.value: counts.get(state.value, 0) for state in RowState}


def job_results(session: Session, job_id: int) -> list[Any]:
    """What became of each of the job's rows, in file order: line, state, credential_id and the error columns
    (plain rows, not objects: a cohort has thousands)."""
    return list(session.execute(select(
        CohortRow.line, CohortRow.state, CohortRow.credential_id, CohortRow.error_code, CohortRow.error_column,
        CohortRow.error_detail, CohortRow.error_values).where(CohortRow.job_id == job_id).order_by(CohortRow.line)))


def job_rows(session: Session, job_id: int, *, states: tuple[str, ...] = ()) -> list[CohortRow]:
    """The job's rows in file order, only those in `states` when given."""
    query = select(CohortRow).where(CohortRow.job_id == job_id)
    if states:
        query = query.where(CohortRow.state.in_(states))
    return list(session.scalars(query.order_by(CohortRow.line)))

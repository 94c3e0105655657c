"""Cohort rows keep a learner's e-mail address only while the job needs it (PIPA art. 21: destroy personal data
without delay once its purpose is met).

- A row that is issued (or found already issued) needs the address no more: its `email` becomes the masked form
  staff see in the report (m***@example.com), the same cell of its `raw` copy likewise, and `erased_at` is set.
  The award key (an HMAC of course, address and date) stays, so the award is still found.
- A failed or invalid row keeps its address for the failed-rows CSV the staff fix and upload again, until it is
  fixed (a later job of the organisation issues the same award) or the job expires: ADDRESS_KEPT after the job
  finished, or after an upload that was never confirmed. A cancelled upload is forgotten at once.
`forget_expired` runs when the app starts and whenever a job finishes.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from issuer.notify import mask
from store.issuing import CohortJob, CohortRow, JobState, RowState

ADDRESS_KEPT = timedelta(days=30)
DONE = (RowState.ISSUED, RowState.DUPLICATE)
KEPT_FOR_FIXING = (RowState.FAILED, RowState.INVALID)

_TABLE = cast(Table, CohortRow.__table__)
_ERASE = update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))


def erasure(row_id: int, email: str, raw: dict[str, Any], now: datetime, *, error_detail: str | None = None,
            error_values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameters of one row's erasure in an executemany: `email` masked, and so is the address wherever the
    row repeats it (a cell of `raw`, the error's detail and values)."""
    if not email.strip():
        return {"row_id": row_id, "email": email, "raw": raw, "error_detail": error_detail,
                "error_values": error_values or {}, "erased_at": now}
    masked, address = mask(email), re.compile(re.escape(email.strip()), re.IGNORECASE)

    def scrub(value: Any) -> Any:
        return address.sub(masked, value) if isinstance(value, str) else value
    return {"row_id": row_id, "email": masked, "raw": {k: scrub(v) for k, v in raw.items()},
            "error_detail": scrub(error_detail), "error_values": {k: scrub(v) for k, v in (error_values or {}).items()},
            "erased_at": now}


_HELD = (CohortRow.id, CohortRow.email, CohortRow.raw, CohortRow.error_detail, CohortRow.error_values)


def forget_rows(session: Session, rows: Sequence[Any], now: datetime) -> int:
    """Erase the addresses of rows selected as _HELD, in one executemany; how many."""
    if rows:
        session.execute(_ERASE, [erasure(r.id, r.email, r.raw or {}, now, error_detail=r.error_detail,
                                         error_values=r.error_values) for r in rows])
    return len(rows)


def forget_job(session: Session, job_id: int, now: datetime, *, states: Sequence[str] = ()) -> int:
    """Erase the addresses of the job's rows (only those in `states` when given) not erased yet; how many."""
    query = select(*_HELD).where(CohortRow.job_id == job_id, CohortRow.erased_at.is_(None))
    if states:
        query = query.where(CohortRow.state.in_(states))
    return forget_rows(session, session.execute(query).all(), now)


def forget_done_at_confirm(session: Session, job: CohortJob, now: datetime) -> None:
    """At confirmation: the rows found issued already are done (their addresses erased), and so are the failed
    rows of earlier jobs that they fix."""
    keys = list(session.scalars(select(CohortRow.award_key).where(
        CohortRow.job_id == job.id, CohortRow.state == RowState.DUPLICATE, CohortRow.award_key.is_not(None))))
    forget_job(session, job.id, now, states=(RowState.DUPLICATE,))
    forget_fixed(session, org_id=job.org_id, award_keys=[k for k in keys if k], now=now)


def forget_fixed(session: Session, *, org_id: int, award_keys: Sequence[str], now: datetime) -> int:
    """Erase the addresses of the organisation's failed or invalid rows whose award was issued since; how many."""
    if not award_keys:
        return 0
    found = session.execute(select(*_HELD).join(CohortJob).where(
        CohortJob.org_id == org_id, CohortRow.award_key.in_(award_keys), CohortRow.state.in_(KEPT_FOR_FIXING),
        CohortRow.erased_at.is_(None)))
    return forget_rows(session, found.all(), now)


def forget_expired(session: Session, now: datetime, *, kept: timedelta = ADDRESS_KEPT) -> int:
    """Erase every address still held by jobs that finished, or were uploaded and never confirmed, more than
    `kept` ago; how many rows."""
    since = now - kept
    expired = select(CohortJob.id).where(or_(
        (CohortJob.state == JobState.DONE) & (CohortJob.finished_at < since),
        CohortJob.state.in_((JobState.PREVIEW, JobState.CANCELLED)) & (CohortJob.created_at < since)))
    found = session.execute(select(*_HELD).where(
        CohortRow.job_id.in_(expired), CohortRow.erased_at.is_(None)))
    return forget_rows(session, found.all(), now)

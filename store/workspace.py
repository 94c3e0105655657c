"""The employers' verification workspace: a batch of candidates' credentials checked for one organisation, one
row per item with its input (until checked) and its result. Rows are the job's state, so a batch interrupted by
a crash is picked up again from its pending items (verifier.workspace)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base


class WorkspaceBatch(Base):
    """One submission of many items by a staff member of `org_id`; deleted at `expires_at` or on request."""

    __tablename__ = "workspace_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    runner: Mapped[str | None] = mapped_column(String(64))  # who holds the batch now (a random id per run)
    lease_until: Mapped[datetime | None]  # after this anyone may resume it


class WorkspaceItem(Base):
    """One candidate's link, file, photo, PDF or QR code of a PDF, and what its check found."""

    __tablename__ = "workspace_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("workspace_batches.id"), index=True)
    position: Mapped[int]  # order in the batch; a PDF's codes share its position, numbered by `part`
    part: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10))  # link | file | photo | pdf | scan (a code found in a PDF)
    label: Mapped[str] = mapped_column(String(300))  # the line or file name, as shown in the table
    input: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # cleared once checked
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done | expanded (a PDF)
    verdict: Mapped[str | None] = mapped_column(String(20))  # None: the input could not be read (see error_*)
    failed_check: Mapped[str | None] = mapped_column(String(20))  # the first check that did not pass
    problem_code: Mapped[str | None] = mapped_column(String(100))  # why (a catalogue code), with its detail
    problem_detail: Mapped[str | None] = mapped_column(String(500))
    holder_name: Mapped[str | None] = mapped_column(String(300))
    achievement_name: Mapped[str | None] = mapped_column(String(300))
    issuer_name: Mapped[str | None] = mapped_column(String(300))
    issuer_id: Mapped[str | None] = mapped_column(String(300))
    member_slug: Mapped[str | None] = mapped_column(String(64))  # a registered member of this deployment
    member_name_ko: Mapped[str | None] = mapped_column(String(200))
    member_name_en: Mapped[str | None] = mapped_column(String(200))
    credential_id: Mapped[str | None] = mapped_column(String(40))  # one of ours: its QR landing is the report
    source: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the credential as verified
    checked_at: Mapped[datetime | None]


def batches(session: Session, org_id: int) -> list[tuple[WorkspaceBatch, int, int]]:
    """The organisation's batches, newest first, with (items shown, items still pending)."""
    shown = WorkspaceItem.state != "expanded"
    rows = session.execute(
        select(WorkspaceBatch, func.count(WorkspaceItem.id).filter(shown),
               func.count(WorkspaceItem.id).filter(WorkspaceItem.state == "pending"))
        .outerjoin(WorkspaceItem, WorkspaceItem.batch_id == WorkspaceBatch.id)
        .where(WorkspaceBatch.org_id == org_id).group_by(WorkspaceBatch.id)
        .order_by(WorkspaceBatch.id.desc())).all()
    return [(batch, shown_count, pending) for batch, shown_count, pending in rows]


def get_batch(session: Session, org_id: int, batch_id: int) -> WorkspaceBatch | None:
    """The batch if it belongs to `org_id` (tenant isolation: another organisation's batch is not found)."""
    return session.scalar(select(WorkspaceBatch).where(WorkspaceBatch.id == batch_id,
                                                       WorkspaceBatch.org_id == org_id))


def items(session: Session, batch_id: int) -> list[WorkspaceItem]:
    """The batch's rows in order (a PDF's own row only while it is not yet split into its codes, or found none)."""
    return list(session.scalars(select(WorkspaceItem).where(WorkspaceItem.batch_id == batch_id,
                                                            WorkspaceItem.state != "expanded")
                                .order_by(WorkspaceItem.position, WorkspaceItem.part)))


def pending(session: Session, batch_id: int, *, limit: int) -> list[WorkspaceItem]:
    return list(session.scalars(select(WorkspaceItem).where(WorkspaceItem.batch_id == batch_id,
                                                            WorkspaceItem.state == "pending")
                                .order_by(WorkspaceItem.position, WorkspaceItem.part).limit(limit)))


def unfinished(session: Session) -> list[int]:
    """Ids of batches with items still to check."""
    return list(session.scalars(select(WorkspaceBatch.id).where(WorkspaceBatch.finished_at.is_(None))
                                .order_by(WorkspaceBatch.id)))


def delete_batches(session: Session, batch_ids: list[int]) -> int:
    """Delete the batches and their items (items first: no reliance on ON DELETE CASCADE); how many went."""
    if not batch_ids:
        return 0
    session.execute(delete(WorkspaceItem).where(WorkspaceItem.batch_id.in_(batch_ids)))
    gone = session.execute(delete(WorkspaceBatch).where(WorkspaceBatch.id.in_(batch_ids)))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def expired(session: Session, now: datetime) -> list[int]:
    """Ids of batches kept past their retention period."""
    return list(session.scalars(select(WorkspaceBatch.id).where(WorkspaceBatch.expires_at <= now)))

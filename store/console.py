"""Staff of training organisations and what they did: accounts, memberships with roles, invitations,
the audit log."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.models import Base, Org


class Role(StrEnum):
    """What a staff member may do in one organisation; each role includes the ones before it."""

    VIEWER = "viewer"
    ISSUER = "issuer"
    OWNER = "owner"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


class StaffUser(Base):
    """A person who signs in to the console; may belong to several organisations."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # in the session cookie too; bumped on sign-out and password change, which ends every older session
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")


class Membership(Base):
    """A staff member's role in one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("staff_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]

    staff: Mapped[StaffUser] = relationship()
    org: Mapped[Org] = relationship()


class Invitation(Base):
    """An e-mailed offer of a role in an organisation; only the SHA-256 of its link's token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(200))  # an audit actor: "staff:<id>" or "cli"
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]  # the last successful send of the e-mail
    send_error: Mapped[str | None] = mapped_column(String(500))  # why the last send failed
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    cancelled_at: Mapped[datetime | None]

    org: Mapped[Org] = relationship()

    def pending(self, now: datetime) -> bool:
        """Neither accepted, cancelled nor expired at `now`."""
        return self.accepted_at is None and self.cancelled_at is None and now < self.expires_at


class AuditEntry(Base):
    """One change made in an organisation: who (staff, API token or CLI), what, to which thing, when; chained to
    the organisation's entry before it by `prev_hash` (see store.audit)."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("org_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    seq: Mapped[int]  # 1, 2, 3 ... within the organisation: two writers can never take the same number
    prev_hash: Mapped[str] = mapped_column(String(64))  # the entry before's `hash` (store.audit.GENESIS for seq 1)
    hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of this entry's canonical form (store.audit.entry_hash)
    actor: Mapped[str] = mapped_column(String(200))  # "staff:<id>", "token:<id>", "cli"
    action: Mapped[str] = mapped_column(String(60))  # e.g. "credential.issue", "key.rotate"
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]


def role_in(session: Session, *, staff_id: int, org_slug: str) -> tuple[Org, Role] | None:
    """The organisation named `org_slug` and the staff member's role there, or None when they are not a member
    (callers answer as for an organisation that does not exist, so membership is not revealed)."""
    row = session.execute(select(Org, Membership.role).join(Membership, Membership.org_id == Org.id)
                          .where(Org.slug == org_slug, Membership.staff_id == staff_id)).first()
    return (row[0], Role(row[1])) if row is not None else None

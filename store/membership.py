"""The alliance's members: each organisation's membership (its role, kind and state) with the history of every
change, and the applications of organisations that want to join.

The history answers "a member at time T" (for the report of a badge issued at T) as well as "a member now":
`History.at` (and `member_at`) takes the last change at or before T. The verifier reads this module (it must not
import the issuer); the operator's actions live in issuer.alliance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.models import Base, Org


class MemberRole(StrEnum):
    """What an organisation does in the alliance: trains digital talent (인재양성 기관) or hires it (활용기관)."""

    TRAINING = "training"
    HIRING = "hiring"


class MemberKind(StrEnum):
    COMPANY = "company"  # 기업
    ASSOCIATION = "association"  # 협회·단체
    UNIVERSITY = "university"  # 대학
    AGENCY = "agency"  # 공공기관
    HIRING_PLATFORM = "hiring_platform"  # 채용 플랫폼


class MemberState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class AllianceMember(Base):
    """An organisation's membership of the alliance as it is now (one row per organisation)."""

    __tablename__ = "alliance_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime]
    changed_at: Mapped[datetime]

    org: Mapped[Org] = relationship()


class MembershipChange(Base):
    """One change of a membership (joined, suspended, reinstated, ended), with who made it and why."""

    __tablename__ = "membership_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))  # the state from `at` on
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))  # an audit actor: "staff:<id>", "cli", "migration"
    reason: Mapped[str] = mapped_column(String(500), default="")


class Application(Base):
    """An organisation's application to join, from the public form, until the operator decides on it."""

    __tablename__ = "member_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    website: Mapped[str] = mapped_column(String(500))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending | approved | declined
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was declined (sent to the applicant)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # the organisation approval created


@dataclass(frozen=True, slots=True)
class Standing:
    """An organisation's membership as a report or page shows it."""

    role: MemberRole
    kind: MemberKind
    state: MemberState
    joined_at: datetime


def member_now(session: Session, org_id: int) -> Standing | None:
    """The organisation's membership now; None when it never was a member."""
    row = session.scalar(select(AllianceMember).where(AllianceMember.org_id == org_id))
    if row is None:
        return None
    return Standing(MemberRole(row.role), MemberKind(row.kind), MemberState(row.state), row.joined_at)


@dataclass(frozen=True, slots=True)
class History:
    """An organisation's membership changes, oldest first: its state at any instant without another read (the
    verifier keeps one per member organisation, whatever the badge)."""

    changes: tuple[tuple[datetime, MemberState], ...]

    def at(self, when: datetime) -> MemberState | None:
        """The state at `when` (the last change at or before it); None when it was not yet a member then."""
        found = None
        for at, state in self.changes:
            if at > when:
                break
            found = state
        return found


def history(session: Session, org_id: int) -> History:
    """The organisation's membership history (changes made at the same instant in the order they were made)."""
    rows = session.execute(select(MembershipChange.at, MembershipChange.state).where(
        MembershipChange.org_id == org_id).order_by(MembershipChange.at, MembershipChange.id))
    return History(tuple((at, MemberState(state)) for at, state in rows))


def member_at(session: Session, org_id: int, when: datetime) -> MemberState | None:
    """The organisation's membership state at `when` (the last change at or before it); None when it was not yet
    a member then."""
    return history(session, org_id).at(when)


def enrol(session: Session, *, org: Org, role: MemberRole, kind: MemberKind, actor: str, now: datetime) -> AllianceMember:
    """Make `org` an active member from `now` (its first history entry)."""
    member = AllianceMember(org_id=org.id, role=role.value, kind=kind.value, state=MemberState.ACTIVE.value,
                            joined_at=now, changed_at=now)
    session.add(member)
    session.add(MembershipChange(org_id=org.id, state=MemberState.ACTIVE.value, at=now, actor=actor, reason=""))
    session.flush()
    from store import tallies  # it reads memberships, so it imports this module
    tallies.enrolled(session, org.id)
    return member


def change_state(session: Session, member: AllianceMember, state: MemberState, *, actor: str, reason: str,
                 now: datetime) -> None:
    """Move `member` to `state` from `now` on, kept in its history."""
    member.state, member.changed_at = state.value, now
    session.add(MembershipChange(org_id=member.org_id, state=state.value, at=now, actor=actor, reason=reason))
    session.flush()

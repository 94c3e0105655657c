"""Staff accounts and who may do what in which organisation (no Flask: the console and CLI share it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import Conflict, InvalidInput, NotFound
from badges.model import normalise_email
from store.console import Membership, Role, StaffUser
from store.models import Org
from keys.passwords import DUMMY_HASH, check_password, hash_password


def create_staff(session: Session, *, email: str, name: str, password: str, now: datetime) -> StaffUser:
    """A new console account; Conflict if the e-mail already has one."""
    email = normalise_email(email)
    if "@" not in email:
        raise InvalidInput("staff.email_invalid", f"{email!r} is not an e-mail address.", path="/email")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict("staff.email_taken", f"{email} already has an account; sign in instead.")
    staff = StaffUser(email=email, name=name.strip() or email, password_hash=hash_password(password), created_at=now)
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: StaffUser, password: str) -> None:
    """Replace the account's password (InvalidInput if too short)."""
    staff.password_hash = hash_password(password)


def find_staff(session: Session, email: str) -> StaffUser | None:
    """The console account of this e-mail address, or None."""
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def authenticate(session: Session, *, email: str, password: str) -> StaffUser | None:
    """The account for this e-mail and password, or None (same answer for unknown e-mail and wrong password)."""
    staff = find_staff(session, email)
    if staff is None:
        check_password(DUMMY_HASH, password)
        return None
    return staff if check_password(staff.password_hash, password) else None


def grant(session: Session, *, staff: StaffUser, org: Org, role: Role, now: datetime) -> Membership:
    """Give `staff` a role in `org` (changing the role if they already have one)."""
    membership = session.scalar(select(Membership).where(Membership.staff_id == staff.id,
                                                         Membership.org_id == org.id))
    if membership is None:
        membership = Membership(staff_id=staff.id, org_id=org.id, role=role, created_at=now)
        session.add(membership)
    membership.role = role
    session.flush()
    return membership


def role_in(session: Session, *, staff_id: int, org_slug: str) -> tuple[Org, Role]:
    """The organisation and the staff member's role there; NotFound when they are not a member
    (the same answer as for an organisation that does not exist, so membership is not revealed)."""
    row = session.execute(select(Org, Membership.role).join(Membership, Membership.org_id == Org.id)
                          .where(Org.slug == org_slug, Membership.staff_id == staff_id)).first()
    if row is None:
        raise NotFound("org.not_found", f"There is no organisation {org_slug!r} you belong to.")
    return row[0], Role(row[1])


def memberships(session: Session, staff_id: int) -> list[Membership]:
    """The staff member's organisations and roles, by organisation name."""
    return list(session.scalars(select(Membership).join(Org).where(Membership.staff_id == staff_id)
                                .order_by(Org.name_en)))

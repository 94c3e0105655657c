"""Staff accounts and who may do what in which organisation (no Flask: the console and CLI share it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import text
from badges.errors import Conflict, NotFound
from badges.model import checked_email, normalise_email
from keys.passwords import DUMMY_HASH, check_password, hash_password
from store import console as console_store
from store.console import Membership, Role, StaffUser
from store.models import Org


def create_staff(session: Session, *, email: str, name: str, password: str, now: datetime) -> StaffUser:
    """A new console account; Conflict if the e-mail already has one."""
    text.check_line(name, path="/name")
    email = checked_email(text.check_line(email, path="/email"), code="staff.email_invalid")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict("staff.email_taken", f"{email} already has an account; sign in instead.")
    staff = StaffUser(email=email, name=name.strip() or email, password_hash=hash_password(password), created_at=now)
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: StaffUser, password: str) -> None:
    """Replace the account's password (InvalidInput if too short); every open session of it ends."""
    staff.password_hash = hash_password(password)
    staff.session_generation += 1


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
    found = console_store.role_in(session, staff_id=staff_id, org_slug=org_slug)
    if found is None:
        raise NotFound("org.not_found", f"There is no organisation {org_slug!r} you belong to.")
    return found


def memberships(session: Session, staff_id: int) -> list[Membership]:
    """The staff member's organisations and roles, by organisation name."""
    return list(session.scalars(select(Membership).join(Org).where(Membership.staff_id == staff_id)
                                .order_by(Org.name_en)))


def members(session: Session, *, org_id: int) -> list[Membership]:
    """Everyone with a role in the organisation: owners first, then by e-mail."""
    rank = {role.value: i for i, role in enumerate(reversed(Role))}
    rows = session.scalars(select(Membership).join(StaffUser).where(Membership.org_id == org_id)
                           .order_by(StaffUser.email)).all()
    return sorted(rows, key=lambda m: rank.get(m.role, len(rank)))


def get_member(session: Session, *, org_id: int, staff_id: int) -> Membership:
    """The staff member's membership in the organisation; NotFound otherwise (tenant isolation)."""
    membership = session.scalar(select(Membership).where(Membership.org_id == org_id,
                                                         Membership.staff_id == staff_id))
    if membership is None:
        raise NotFound("people.member_not_found", "There is no such member in this organisation.")
    return membership


def change_role(session: Session, *, org_id: int, staff_id: int, role: Role) -> tuple[Membership, Role]:
    """Set a member's role; returns the membership and the role it had. Conflict for the last owner."""
    membership = get_member(session, org_id=org_id, staff_id=staff_id)
    before = Role(membership.role)
    if before is Role.OWNER and role is not Role.OWNER:
        _keep_an_owner(session, org_id=org_id, leaving=membership)
    membership.role = role
    session.flush()
    return membership, before


def remove_member(session: Session, *, org_id: int, staff_id: int) -> Membership:
    """Take away the member's role in the organisation (the account stays). Conflict for the last owner."""
    membership = get_member(session, org_id=org_id, staff_id=staff_id)
    if membership.role == Role.OWNER:
        _keep_an_owner(session, org_id=org_id, leaving=membership)
    session.delete(membership)
    session.flush()
    return membership


def _keep_an_owner(session: Session, *, org_id: int, leaving: Membership) -> None:
    """Conflict unless an owner other than `leaving` remains; the owners' rows are locked meanwhile, so two
    owners demoting each other at once cannot leave the organisation without one."""
    owners = session.scalars(select(Membership.id).where(Membership.org_id == org_id, Membership.role == Role.OWNER)
                             .with_for_update()).all()
    if not set(owners) - {leaving.id}:
        raise Conflict("people.last_owner", "An organisation needs at least one owner: make someone else "
                       "owner first.")

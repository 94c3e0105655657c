"""Inviting staff by e-mail: an expiring, single-use link that grants a role in one organisation.

Only the SHA-256 of a link's token is stored (tokens are 256-bit random, as API tokens are), so a copy
of the database cannot be turned into working links. No Flask: the console and the CLI share it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import Conflict, NotFound
from badges.model import checked_email, normalise_email
from issuer import staff as staff_service
from store.console import Invitation, Membership, Role, StaffUser
from store.models import Org

LIFETIME = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Issued:
    """A new or renewed invitation and the token of its link (known only now: it is stored hashed)."""

    invitation: Invitation
    token: str


def invite(session: Session, *, org: Org, email: str, role: Role, actor: str, now: datetime) -> Issued:
    """An invitation to `role` in `org`; an open invitation to the same address is renewed, not doubled.
    InvalidInput for a malformed address; Conflict when the address already belongs to a member."""
    email = checked_email(email, code="people.email_invalid")
    member = session.scalar(select(StaffUser.id).join(Membership, Membership.staff_id == StaffUser.id)
                            .where(StaffUser.email == email, Membership.org_id == org.id))
    if member is not None:
        raise Conflict("people.already_member", f"{email} is already a member; change their role instead.",
                       path="/email")
    invitation = next((i for i in _open(session, org.id, now) if i.email == email), None)
    if invitation is None:
        invitation = Invitation(org_id=org.id, email=email, created_at=now)
        session.add(invitation)
    invitation.role, invitation.invited_by = role, actor
    token = renew(invitation, now=now)
    session.flush()
    return Issued(invitation, token)


def renew(invitation: Invitation, *, now: datetime) -> str:
    """A fresh link token and expiry for `invitation` (the old link stops working); returns the token."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.expires_at = now + LIFETIME
    invitation.sent_at, invitation.send_error = None, None
    return token


def link(base_url: str, token: str) -> str:
    """The URL of an invitation's accept page (issuer.console_people.accept) for its e-mail."""
    return f"{base_url}/console/invitations/{token}"


def pending(session: Session, *, org_id: int, now: datetime) -> list[Invitation]:
    """The organisation's invitations that can still be accepted, newest first."""
    return _open(session, org_id, now)


def get(session: Session, *, org_id: int, invitation_id: int, now: datetime) -> Invitation:
    """An open invitation of the organisation; NotFound otherwise (tenant isolation)."""
    invitation = session.scalar(select(Invitation).where(Invitation.id == invitation_id,
                                                         Invitation.org_id == org_id))
    if invitation is None or not invitation.pending(now):
        raise NotFound("people.invitation_not_found", "There is no open invitation like that here.")
    return invitation


def cancel(session: Session, *, org_id: int, invitation_id: int, now: datetime) -> Invitation:
    """Stop an open invitation's link from working."""
    invitation = get(session, org_id=org_id, invitation_id=invitation_id, now=now)
    invitation.cancelled_at = now
    return invitation


def by_token(session: Session, token: str, *, now: datetime) -> Invitation:
    """The open invitation of a link's token; NotFound when it is unknown, used, cancelled or expired."""
    # locked, so that two tabs accepting at once cannot both use it (the second finds it used)
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)).with_for_update())
    if invitation is None or invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise NotFound("people.link_invalid", "This invitation link was already used, cancelled or replaced "
                       "by a newer one. Ask the organisation's owner to invite you again.")
    if now >= invitation.expires_at:
        raise NotFound("people.link_expired", f"This invitation expired on {invitation.expires_at:%Y-%m-%d}. "
                       "Ask the organisation's owner to invite you again.")
    return invitation


def accept(session: Session, invitation: Invitation, *, staff: StaffUser, now: datetime) -> Membership:
    """Give `staff` the invitation's role and use the invitation up; Conflict if it was sent to another
    address (the link proves control of that mailbox only)."""
    if normalise_email(staff.email) != invitation.email:
        raise Conflict("people.wrong_account", f"This invitation is for {invitation.email}, but you are signed "
                       f"in as {staff.email}. Sign out and open the link again.")
    existing = session.scalar(select(Membership).where(Membership.staff_id == staff.id,
                                                       Membership.org_id == invitation.org_id))
    role = Role(invitation.role)
    if existing is not None and Role(existing.role).allows(role):
        role = Role(existing.role)  # an invitation never lowers a role someone already has
    membership = staff_service.grant(session, staff=staff, org=invitation.org, role=role, now=now)
    invitation.accepted_at, invitation.accepted_by = now, staff.id
    return membership


def accept_as_new_account(session: Session, invitation: Invitation, *, name: str, password: str,
                          now: datetime) -> tuple[StaffUser, Membership]:
    """Create the account of the invited address (InvalidInput for a short password) and accept."""
    staff = staff_service.create_staff(session, email=invitation.email, name=name, password=password, now=now)
    return staff, accept(session, invitation, staff=staff, now=now)


def record_delivery(session: Session, *, invitation_id: int, now: datetime, error: str | None) -> None:
    """Note that the invitation's e-mail went out at `now`, or why it did not (shown on the People page)."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is not None:
        invitation.sent_at = None if error else now
        invitation.send_error = error[:500] if error else None


def _open(session: Session, org_id: int, now: datetime) -> list[Invitation]:
    return list(session.scalars(select(Invitation).where(
        Invitation.org_id == org_id, Invitation.accepted_at.is_(None), Invitation.cancelled_at.is_(None),
        Invitation.expires_at > now).order_by(Invitation.id.desc())))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

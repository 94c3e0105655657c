"""The alliance: applications to join, the operator's decisions on them and on memberships, the member directory
and the alliance's live figures. No Flask: pages (issuer.alliance_pages) and tests share it.

The operator (사무국) is any staff member with the owner role in the platform's own organisation
(issuer.platform): no new kind of account, and the console's sign-in, roles and audit log serve as they are.
Every operator action is written to the platform organisation's audit log.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from badges import text
from badges.errors import Conflict, InvalidInput, NotFound
from badges.model import checked_email, checked_web_address
from issuer import audit, invitations, service
from issuer.service import Issuing
from store import tallies
from store.console import Role, role_in
from store.membership import (
    AllianceMember,
    Application,
    MemberKind,
    MemberRole,
    MemberState,
    change_state,
    enrol,
)
from store.models import Achievement, Credential, Org
from store.tallies import BadgeTally

GOAL = 1_000_000  # people the alliance means to train
LIMITS = {"name_ko": 200, "name_en": 200, "website": 500, "contact_name": 200, "contact_email": 320, "note": 2000}
REASON_MAX = 500
PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


@dataclass(frozen=True, slots=True)
class ApplicationIn:
    """The public form as typed."""

    name_ko: str = ""
    name_en: str = ""
    role: str = ""
    kind: str = ""
    website: str = ""
    contact_name: str = ""
    contact_email: str = ""
    note: str = ""


def submit(session: Session, form: ApplicationIn, *, now: datetime) -> Application:
    """A pending application from the public form; InvalidInput naming the first field that is wrong."""
    values = {name: getattr(form, name).strip() for name in LIMITS}
    for name, limit in LIMITS.items():
        value = values[name]
        if name != "note" and not value:
            raise InvalidInput("alliance.field_missing", f"{name} is required.", path=f"/{name}")
        if len(value) > limit:
            raise InvalidInput("alliance.too_long", f"{name} is over {limit} characters.", path=f"/{name}")
        if name == "note":
            text.check_prose(value, path="/note")
        else:
            text.check_line(value, path=f"/{name}")
    if form.role not in set(MemberRole):
        raise InvalidInput("alliance.role_invalid", "Choose training or hiring.", path="/role")
    if form.kind not in set(MemberKind):
        raise InvalidInput("alliance.kind_invalid", f"The kind must be one of {', '.join(MemberKind)}.", path="/kind")
    checked_web_address(values["website"], code="alliance.website_invalid", path="/website")  # the org's url
    email = checked_email(values["contact_email"], code="alliance.email_invalid", path="/contact_email")
    application = Application(name_ko=values["name_ko"], name_en=values["name_en"], role=form.role, kind=form.kind,
                              website=values["website"], contact_name=values["contact_name"], contact_email=email,
                              note=values["note"], created_at=now, state=PENDING)
    session.add(application)
    session.flush()
    return application


def is_operator(session: Session, *, staff_id: int, platform_slug: str) -> bool:
    """True when the staff member is an owner of the platform's organisation."""
    found = role_in(session, staff_id=staff_id, org_slug=platform_slug)
    return found is not None and found[1].allows(Role.OWNER)


def pending_application(session: Session, application_id: int) -> Application:
    """A pending application; NotFound when there is none such or it was decided already."""
    application = session.get(Application, application_id, with_for_update=True)
    if application is None or application.state != PENDING:
        raise NotFound("alliance.application_not_found", "There is no pending application like that.")
    return application


@dataclass(frozen=True, slots=True)
class Approved:
    org: Org
    invitation: invitations.Issued


def approve(session: Session, ctx: Issuing, *, application_id: int, platform: Org, actor: str,
            now: datetime) -> Approved:
    """Create the applicant's organisation (its did:web and key), make it an active member and invite its
    contact as its first owner; audited in the platform organisation's log."""
    application = pending_application(session, application_id)
    org = service.create_org(session, ctx, slug=_free_slug(session, application.name_en), name_ko=application.name_ko,
                             name_en=application.name_en, url=application.website, now=now)
    enrol(session, org=org, role=MemberRole(application.role), kind=MemberKind(application.kind), actor=actor, now=now)
    issued = invitations.invite(session, org=org, email=application.contact_email, role=Role.OWNER, actor=actor,
                                now=now)
    application.state, application.decided_at, application.decided_by, application.org_id = APPROVED, now, actor, org.id
    audit.record(session, org_id=platform.id, actor=actor, action="alliance.approve", target=org.slug,
                 application=application.id, now=now)
    return Approved(org, issued)


def decline(session: Session, *, application_id: int, reason: str, platform: Org, actor: str,
            now: datetime) -> Application:
    """Decline an application, with the reason the applicant is told; audited."""
    reason = _reason(reason)
    application = pending_application(session, application_id)
    application.state, application.decided_at, application.decided_by = DECLINED, now, actor
    application.reason = reason
    audit.record(session, org_id=platform.id, actor=actor, action="alliance.decline", target=application.name_en,
                 application=application.id, now=now)
    return application


def set_state(session: Session, *, org_id: int, state: MemberState, reason: str, platform: Org, actor: str,
              now: datetime) -> AllianceMember:
    """Suspend, reinstate or end a membership; kept in its history and audited. Conflict when it is already so."""
    reason = _reason(reason, required=state is not MemberState.ACTIVE)
    member = session.scalar(select(AllianceMember).where(AllianceMember.org_id == org_id).with_for_update())
    if member is None:
        raise NotFound("alliance.member_not_found", "There is no member like that.")
    if member.state == state.value:
        raise Conflict("alliance.state_unchanged", f"The membership is {state} already.")
    before = member.state
    change_state(session, member, state, actor=actor, reason=reason, now=now)
    audit.record(session, org_id=platform.id, actor=actor, action=f"alliance.{state}", target=member.org.slug,
                 before=before, reason=reason, now=now)
    return member


def _reason(reason: str, *, required: bool = True) -> str:
    reason = reason.strip()
    if required and not reason:
        raise InvalidInput("alliance.reason_missing", "Say why (it is kept, and sent to the organisation).",
                           path="/reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput("alliance.too_long", f"The reason is over {REASON_MAX} characters.", path="/reason")
    return text.check_line(reason, path="/reason")


def _free_slug(session: Session, name_en: str) -> str:
    """A short name for the new organisation from its English name, unused so far."""
    base = re.sub(r"[^a-z0-9]+", "-", name_en.lower()).strip("-")[:40].strip("-") or "member"
    if base in service.RESERVED_SLUGS:
        base = f"{base}-org"
    slug = base
    while session.scalar(select(Org.id).where(Org.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


# ---- reading: the operator's list, the public directory, the figures


def applications(session: Session, *, state: str = PENDING) -> list[Application]:
    return list(session.scalars(select(Application).where(Application.state == state)
                                .order_by(Application.created_at.desc()).limit(500)))


@dataclass(frozen=True, slots=True)
class Listed:
    """A member in a list, with its counts (one grouped query for the whole page)."""

    org: Org
    member: AllianceMember
    courses: int
    badges: int


def members(session: Session, *, query: str = "", role: str = "", kind: str = "", state: str | None = "active",
            limit: int = 500) -> list[Listed]:
    """Members by name, filtered by a search in either name, role, kind and state (None: every state)."""
    courses = (select(Achievement.org_id, func.count().label("n")).group_by(Achievement.org_id).subquery())
    issued = (select(BadgeTally.org_id, func.sum(BadgeTally.badges).label("n")).group_by(BadgeTally.org_id)
              .subquery())  # every badge each issued, from the counts kept as they are issued (store.tallies)
    statement = (
        select(Org, AllianceMember, func.coalesce(courses.c.n, 0), func.coalesce(issued.c.n, 0))
        .join(AllianceMember, AllianceMember.org_id == Org.id)
        .outerjoin(courses, courses.c.org_id == Org.id).outerjoin(issued, issued.c.org_id == Org.id)
        .order_by(Org.name_ko).limit(limit))
    query = query.strip()[:100]
    if query:
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(func.lower(Org.name_ko).like(pattern, escape="\\"),
                                        func.lower(Org.name_en).like(pattern, escape="\\")))
    if role in set(MemberRole):
        statement = statement.where(AllianceMember.role == role)
    if kind in set(MemberKind):
        statement = statement.where(AllianceMember.kind == kind)
    if state is not None:
        statement = statement.where(AllianceMember.state == state)
    return [Listed(org, member, n_courses, n_badges) for org, member, n_courses, n_badges in session.execute(statement)]


def public_member(session: Session, org_id: int) -> AllianceMember | None:
    return session.scalar(select(AllianceMember).where(AllianceMember.org_id == org_id))


@dataclass(frozen=True, slots=True)
class Figures:
    """The alliance in numbers, for its public page."""

    by_role: dict[str, int]
    by_kind: dict[str, int]
    members: int
    badges_by_month: list[tuple[str, int]]  # ("2026-11", n), oldest first, Korea-time months
    badges: int
    learners: int  # distinct recipients (by their lookup hash) of badges not revoked
    goal: int = GOAL

    @property
    def progress(self) -> float:
        """Learners as a percentage of the goal (two decimals)."""
        return round(100 * self.learners / self.goal, 2)


def figures(session: Session) -> Figures:
    """Active members by role and kind, badges per Korea-time month and distinct learners: from the counts
    store.tallies keeps as badges are issued and revoked (a few thousand rows, not every credential)."""
    active = AllianceMember.state == MemberState.ACTIVE.value
    by_role: dict[str, int] = dict(session.execute(select(AllianceMember.role, func.count()).where(active)
                                   .group_by(AllianceMember.role)).all())
    by_kind: dict[str, int] = dict(session.execute(select(AllianceMember.kind, func.count()).where(active)
                                   .group_by(AllianceMember.kind)).all())
    months = tallies.badges_by_month(session)
    return Figures({r: by_role.get(r, 0) for r in MemberRole}, {k: by_kind.get(k, 0) for k in MemberKind},
                   sum(by_role.values()), months, sum(n for _, n in months), tallies.learners(session))


def member_counts(session: Session) -> dict[str, int]:
    """Members by state (for the operator's console)."""
    rows = session.execute(select(AllianceMember.state, func.count()).group_by(AllianceMember.state)).all()
    found: dict[str, int] = {state: n for state, n in rows}
    return {s: found.get(s, 0) for s in MemberState}



def courses_of(session: Session, org_id: int) -> list[tuple[Achievement, int]]:
    """The organisation's courses not archived, each with how many badges it awarded (one grouped query)."""
    counts = (select(Credential.achievement_id, func.count().label("n")).where(Credential.org_id == org_id)
              .group_by(Credential.achievement_id).subquery())
    rows = session.execute(select(Achievement, func.coalesce(counts.c.n, 0))
                           .outerjoin(counts, counts.c.achievement_id == Achievement.id)
                           .where(Achievement.org_id == org_id, Achievement.archived_at.is_(None))
                           .order_by(Achievement.name_ko).limit(500)).all()
    return [(course, n) for course, n in rows]

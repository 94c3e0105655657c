"""The alliance's pages: the public page with live figures, the application form, the member directory, and the
operator's console (owners of the platform organisation: issuer.alliance)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from badges.errors import BadgeError, InvalidInput, NotFound, Unavailable
from issuer import alliance, alliance_mail, invitations
from issuer.console import console_view, current
from store.console import Role
from store.membership import Application, MemberKind, MemberRole, MemberState
from web import mail
from web.http import after_commit, services, transaction, utcnow
from web.i18n import tell
from web.ratelimit import Rule, client_address, shared_limits

bp = Blueprint("alliance_pages", __name__)
F = TypeVar("F", bound=Callable[..., Any])
JOIN_LIMIT = Rule("alliance-join", 5, 3600)  # applications per address per hour


@bp.get("/alliance")
def alliance_page() -> str:
    with transaction() as session:
        figures = alliance.figures(session)
    peak = max((n for _, n in figures.badges_by_month), default=0)
    return render_template("issuer/alliance.html", figures=figures, peak=peak)


@bp.route("/alliance/join", methods=["GET", "POST"])
def join() -> Response | str | tuple[str, int]:
    """The public application form; a submission is rate-limited per address and CSRF-checked (web.security)."""
    if request.method == "GET":
        return _join_page(alliance.ApplicationIn())
    form = alliance.ApplicationIn(**{f.name: request.form.get(f.name, "") for f in fields(alliance.ApplicationIn)})
    if not shared_limits().hit(JOIN_LIMIT, client_address()).allowed:
        return _join_page(form, errors={"form": BadgeError("alliance.too_many", "Too many applications.")}, status=429)
    try:
        with transaction() as session:
            alliance.submit(session, form, now=utcnow())
    except BadgeError as e:
        return _join_page(form, errors={(e.path or "").strip("/") or "form": e}, status=e.status)
    tell("alliance.applied")
    return redirect(url_for(".join", sent=1))


def _join_page(form: alliance.ApplicationIn, *, errors: dict[str, BadgeError] | None = None,
               status: int = 200) -> tuple[str, int]:
    return render_template("issuer/alliance_join.html", form=form, errors=errors or {}, roles=list(MemberRole),
                           kinds=list(MemberKind), limits=alliance.LIMITS,
                           sent=request.args.get("sent") == "1"), status


@bp.get("/members")
def directory() -> str:
    query, role, kind = (request.args.get(k, "")[:100] for k in ("q", "role", "kind"))
    with transaction() as session:
        found = alliance.members(session, query=query, role=role, kind=kind)
        return render_template("issuer/members.html", members=found, q=query, role=role, kind=kind,
                               roles=list(MemberRole), kinds=list(MemberKind))


# ---- the operator's console


def operator_view(view: F) -> F:
    """An owner's console page of the platform organisation; any other organisation has no such page."""
    @functools.wraps(view)
    @console_view(Role.OWNER)
    def wrapper(*args: Any, org_slug: str, **kwargs: Any) -> Any:
        if current().org.slug != services().settings.platform_slug:
            raise NotFound("alliance.not_operator", "This page is the alliance operator's only.")
        return view(*args, org_slug=org_slug, **kwargs)
    return wrapper  # type: ignore[return-value]


@bp.get("/console/<org_slug>/operator")
@operator_view
def operator(org_slug: str) -> str:
    return _operator_page()


def _operator_page(*, errors: dict[str, BadgeError] | None = None) -> str:
    args = request.args
    state = args.get("state", "")
    with transaction() as session:
        found = alliance.members(session, query=args.get("q", "")[:100], role=args.get("role", ""),
                                 kind=args.get("kind", ""), state=state if state in set(MemberState) else None)
        return render_template("issuer/console/operator.html", console=current(), members=found,
                               applications=alliance.applications(session), counts=alliance.member_counts(session),
                               roles=list(MemberRole), kinds=list(MemberKind), states=list(MemberState),
                               q=args.get("q", ""), role=args.get("role", ""), kind=args.get("kind", ""),
                               state=state, errors=errors or {})


@bp.post("/console/<org_slug>/operator/applications/<id:application_id>/approve")
@operator_view
def approve(org_slug: str, application_id: int) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        approved = alliance.approve(session, services().issuing, application_id=application_id,
                                    platform=console.org, actor=console.actor, now=now)
        invitation_id, token, slug = approved.invitation.invitation.id, approved.invitation.token, approved.org.slug
    after_commit(lambda: _send_approval(application_id, invitation_id, token))
    tell("alliance.approved", slug=slug)
    return redirect(url_for(".operator", org_slug=org_slug))


@bp.post("/console/<org_slug>/operator/applications/<id:application_id>/decline")
@operator_view
def decline(org_slug: str, application_id: int) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    try:
        with transaction() as session:
            alliance.decline(session, application_id=application_id, reason=request.form.get("reason", ""),
                             platform=console.org, actor=console.actor, now=now)
    except BadgeError as e:
        return _operator_page(errors={f"application-{application_id}": e}), e.status
    after_commit(lambda: _send(application_id, None))
    tell("alliance.declined")
    return redirect(url_for(".operator", org_slug=org_slug))


@bp.post("/console/<org_slug>/operator/members/<id:org_id>/state")
@operator_view
def change_state(org_slug: str, org_id: int) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    try:
        state = _state(request.form.get("state", ""))
        with transaction() as session:
            member = alliance.set_state(session, org_id=org_id, state=state, reason=request.form.get("reason", ""),
                                        platform=console.org, actor=console.actor, now=now)
            slug = member.org.slug
    except BadgeError as e:
        return _operator_page(errors={f"member-{org_id}": e}), e.status
    tell(f"alliance.now_{state}", slug=slug)
    return redirect(url_for(".operator", org_slug=org_slug))


def _state(value: str) -> MemberState:
    try:
        return MemberState(value)
    except ValueError:
        raise InvalidInput("alliance.state_invalid", f"The state must be one of {', '.join(MemberState)}.",
                           path="/state") from None


def _send_approval(application_id: int, invitation_id: int, token: str) -> None:
    error = _send(application_id, invitations.link(services().issuing.links.base_url, token))
    with transaction() as session:
        invitations.record_delivery(session, invitation_id=invitation_id, now=utcnow(), error=error)


def _send(application_id: int, link: str | None) -> str | None:
    """E-mail the applicant the decision (after its transaction committed); the outcome is flashed."""
    settings = services().settings
    with transaction() as session:
        application = session.get_one(Application, application_id)
        message = alliance_mail.approved(application, link=link) if link else alliance_mail.declined(application)
    try:
        mail.send(message, smtp_url=settings.smtp_url, sender=settings.mail_from)
    except Unavailable as e:
        tell("alliance.mail_not_sent", "error", email=message.to)
        return e.detail
    tell("alliance.mail_sent", email=message.to)
    return None


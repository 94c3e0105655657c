"""The People page (owners): members and their roles, invitations by e-mail; and accepting an invitation."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from badges.errors import BadgeError, Conflict, InvalidInput, Unavailable
from issuer import audit, invitation_mail, invitations
from issuer import staff as staff_service
from issuer.console import STAFF, console_view, current
from store.console import Invitation, Role, StaffUser
from web import mail
from web.http import after_commit, services, transaction, utcnow
from web.i18n import locale, tell
from web.security import log_in, log_out, signed_in

bp = Blueprint("console_people", __name__, url_prefix="/console")


@bp.get("/<org_slug>/people")
@console_view(Role.OWNER)
def people(org_slug: str) -> str:
    return _page()


@bp.post("/<org_slug>/people/invite")
@console_view(Role.OWNER)
def invite(org_slug: str) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    email, role = request.form.get("email", ""), _role(request.form.get("role", ""))
    try:
        with transaction() as session:
            org = console.org
            issued = invitations.invite(session, org=org, email=email, role=role, actor=console.actor, now=now)
            audit.record(session, org_id=org.id, actor=console.actor, action="staff.invite",
                         target=issued.invitation.email, role=role.value, now=now)
    except BadgeError as e:
        return _page(errors={"email": e}, email=email, role=role.value), e.status
    after_commit(lambda: _send(issued.invitation.id, issued.token))
    return redirect(url_for(".people", org_slug=org_slug))


@bp.post("/<org_slug>/invitations/<id:invitation_id>/resend")
@console_view(Role.OWNER)
def resend(org_slug: str, invitation_id: int) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        invitation = invitations.get(session, org_id=console.org.id, invitation_id=invitation_id, now=now)
        token = invitations.renew(invitation, now=now)
        audit.record(session, org_id=console.org.id, actor=console.actor, action="staff.invite_resend",
                     target=invitation.email, now=now)
    after_commit(lambda: _send(invitation_id, token))
    return redirect(url_for(".people", org_slug=org_slug))


@bp.post("/<org_slug>/invitations/<id:invitation_id>/cancel")
@console_view(Role.OWNER)
def cancel(org_slug: str, invitation_id: int) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        invitation = invitations.cancel(session, org_id=console.org.id, invitation_id=invitation_id, now=now)
        audit.record(session, org_id=console.org.id, actor=console.actor, action="staff.invite_cancel",
                     target=invitation.email, now=now)
    tell("people.invitation_cancelled", email=invitation.email)
    return redirect(url_for(".people", org_slug=org_slug))


@bp.post("/<org_slug>/people/<id:staff_id>/role")
@console_view(Role.OWNER)
def change_role(org_slug: str, staff_id: int) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    role = _role(request.form.get("role", ""))
    try:
        with transaction() as session:
            membership, before = staff_service.change_role(session, org_id=console.org.id, staff_id=staff_id,
                                                           role=role)
            if before is not role:
                audit.record(session, org_id=console.org.id, actor=console.actor, action="staff.role",
                             target=membership.staff.email, before=before.value, after=role.value, now=now)
    except Conflict as e:
        return _page(errors={f"member-{staff_id}": e}), e.status
    if staff_id == console.staff_id and not role.allows(Role.OWNER):
        return redirect(url_for("console_auth.home", org_slug=org_slug))
    tell("people.role_changed", email=membership.staff.email)
    return redirect(url_for(".people", org_slug=org_slug))


@bp.post("/<org_slug>/people/<id:staff_id>/remove")
@console_view(Role.OWNER)
def remove(org_slug: str, staff_id: int) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    try:
        with transaction() as session:
            membership = staff_service.remove_member(session, org_id=console.org.id, staff_id=staff_id)
            audit.record(session, org_id=console.org.id, actor=console.actor, action="staff.remove",
                         target=membership.staff.email, role=membership.role, now=now)
    except Conflict as e:
        return _page(errors={f"member-{staff_id}": e}), e.status
    if staff_id == console.staff_id:
        return redirect(url_for("console_auth.index"))
    tell("people.removed", email=membership.staff.email)
    return redirect(url_for(".people", org_slug=org_slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str) -> Response | str | tuple[str, int]:
    """Accept an invitation: as the signed-in account of the invited address, or by creating that account."""
    now, staff_id = utcnow(), signed_in(STAFF)
    with transaction() as session:
        invitation = invitations.by_token(session, token, now=now)
        org, account = invitation.org, staff_service.find_staff(session, invitation.email)
    if staff_id is not None:
        state = "accept" if account is not None and account.id == staff_id else "wrong_account"
    else:
        state = "sign_in" if account is not None else "new_account"
    page = {"invitation": invitation, "org": org, "state": state, "token": token}
    if request.method == "GET" or state == "wrong_account":
        return render_template("issuer/console/accept.html", **page), 409 if state == "wrong_account" else 200
    if state == "sign_in":
        return redirect(url_for("console_auth.sign_in", next=url_for(".accept", token=token)))
    name = request.form.get("name", "").strip()
    try:
        with transaction() as session:
            invitation = invitations.by_token(session, token, now=now)
            if state == "accept":
                person = session.get_one(StaffUser, staff_id)
                membership = invitations.accept(session, invitation, staff=person, now=now)
            else:
                if request.form.get("password", "") != request.form.get("password_again", ""):
                    raise InvalidInput("people.passwords_differ", "The two passwords are not the same.",
                                       path="/password_again")
                person, membership = invitations.accept_as_new_account(
                    session, invitation, name=name, password=request.form.get("password", ""), now=now)
            audit.record(session, org_id=invitation.org_id, actor=f"staff:{person.id}", action="staff.join",
                         target=person.email, role=membership.role, now=now)
    except BadgeError as e:
        if e.code == "auth.password_too_short":  # keys.passwords' code, worded for this form
            e = InvalidInput("people.password_too_short", e.detail, path="/password")
        errors = {(e.path or "/password").strip("/"): e}
        return render_template("issuer/console/accept.html", **page, name=name, errors=errors), e.status
    if state == "new_account":
        log_in(STAFF, person.id, person.session_generation)
    tell("people.welcome", org=(org.name_en if locale() == "en" else org.name_ko) or org.name_ko)
    return redirect(url_for("console_auth.home", org_slug=org.slug))


@bp.post("/invitations/<token>/sign-out")
def sign_out_to_accept(token: str) -> Response:
    """Sign out of the wrong account and come back to the invitation."""
    log_out()
    return redirect(url_for(".accept", token=token))


def _page(**form: object) -> str:
    console, now = current(), utcnow()
    with transaction() as session:
        members = staff_service.members(session, org_id=console.org.id)
        pending = invitations.pending(session, org_id=console.org.id, now=now)
        return render_template("issuer/console/people.html", console=console, members=members,
                               invitations=pending, roles=list(reversed(Role)), form=form,
                               errors=form.get("errors", {}))


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        return Role.VIEWER  # the form offers only real roles; anything else gets the least


def _send(invitation_id: int, token: str) -> None:
    """E-mail the invitation (after its transaction committed: SMTP is slow and may fail) and note the
    outcome on the invitation and as a message on the next page."""
    settings = services().settings
    with transaction() as session:
        invitation: Invitation = session.get_one(Invitation, invitation_id)
        message = invitation_mail.compose(invitation, org=invitation.org,
                                          link=invitations.link(services().issuing.links.base_url, token))
    try:
        mail.send(message, smtp_url=settings.smtp_url, sender=settings.mail_from)
        error = None
    except Unavailable as e:
        error = e.detail
    with transaction() as session:
        invitations.record_delivery(session, invitation_id=invitation_id, now=utcnow(), error=error)
    if error:
        tell("people.invitation_not_sent", "error", email=invitation.email)
    else:
        tell("people.invitation_sent", email=invitation.email)

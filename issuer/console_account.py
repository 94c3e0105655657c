"""A staff member's own account: changing the password while signed in (the current one required; every other
session ends), and resetting a forgotten one through an e-mailed link (issuer.password_reset).

Asking for a link answers the same page whatever the address, sends the mail from a thread of its own (so the
answer takes as long for an unknown address as for a known one), and is counted per address and per client
(web.throttle.mail_allowed): the page never tells who has an account."""
from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from badges.errors import BadgeError, InvalidInput, Unavailable
from issuer import audit, password_reset
from issuer import staff as staff_service
from issuer.console import STAFF
from store.console import StaffUser
from web import mail, throttle
from web.http import services, transaction, utcnow
from web.i18n import locale, tell, translate
from web.security import check_password, log_in, signed_in

bp = Blueprint("console_account", __name__, url_prefix="/console")
log = logging.getLogger(__name__)


@bp.route("/account", methods=["GET", "POST"])
def account() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    staff_id = signed_in(STAFF)
    if staff_id is None:
        return redirect(url_for("console_auth.sign_in", next=url_for(".account")))
    with transaction() as session:
        email = session.get_one(StaffUser, staff_id).email
    if request.method == "GET":
        return render_template("issuer/console/account.html", email=email, errors={})
    attempt = throttle.sign_in_attempt(email)  # guessing the current password here counts as signing in does
    if not attempt.allowed:
        return render_template("issuer/console/account.html", email=email, errors={},
                               retry_minutes=throttle.retry_minutes(attempt)), 429, \
            {"Retry-After": str(attempt.retry_after_s)}
    now = utcnow()
    try:
        with transaction() as session:
            staff = session.get_one(StaffUser, staff_id)
            if not check_password(staff.password_hash, request.form.get("current_password", "")):
                raise InvalidInput("account.current_wrong", "The current password is not right.",
                                   path="/current_password")
            _set_new_password(staff)
            _audit_everywhere(session, staff, "staff.password_change", now=now)
            generation = staff.session_generation
    except BadgeError as e:
        return render_template("issuer/console/account.html", email=email, errors=_errors(e)), e.status
    throttle.signed_in(email)
    log_in(STAFF, staff_id, generation)  # this session goes on; every other one ended with the old generation
    tell("account.password_changed")
    return redirect(url_for(".account"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot() -> str:
    if request.method == "GET":
        return render_template("issuer/console/forgot.html", sent=False)
    email = request.form.get("email", "").strip()[:320]
    settings, lang = services().settings, locale()
    if email and throttle.mail_allowed(email):
        with transaction() as session:
            staff = staff_service.find_staff(session, email)
            outgoing = None if staff is None else (staff.email, password_reset.link(
                services().issuing.links.base_url, password_reset.token_for(settings.secret_key, staff)))
        if outgoing is not None:
            to, link = outgoing
            message = mail.Mail(to=to, subject=f"{translate('account.mail_subject', 'ko')} · "
                                f"{translate('account.mail_subject', 'en')}",
                                text=f"{translate('account.mail_body', 'ko', link=link)}\n\n-----\n\n"
                                     f"{translate('account.mail_body', 'en', link=link)}\n")
            threading.Thread(target=_send, args=(message, settings.smtp_url, settings.mail_from), daemon=True,
                             name="password-reset-mail").start()
    return render_template("issuer/console/forgot.html", sent=True, email=email, lang=lang)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response | str | tuple[str, int]:
    secret, now = services().settings.secret_key, utcnow()
    try:
        with transaction() as session:
            email = password_reset.staff_for(session, secret, token, now=now).email
    except InvalidInput:
        return render_template("issuer/console/reset.html", invalid=True, errors={}), 400
    if request.method == "GET":
        return render_template("issuer/console/reset.html", email=email, errors={})
    try:
        with transaction() as session:
            staff = password_reset.staff_for(session, secret, token, now=now)
            _set_new_password(staff)
            _audit_everywhere(session, staff, "staff.password_reset", now=now)
    except BadgeError as e:
        return render_template("issuer/console/reset.html", email=email, errors=_errors(e)), e.status
    tell("account.reset_done")
    return redirect(url_for("console_auth.sign_in"))


def _set_new_password(staff: StaffUser) -> None:
    """The form's new password (typed twice) for `staff`; every session of the account ends."""
    new, again = request.form.get("password", ""), request.form.get("password_again", "")
    if new != again:
        raise InvalidInput("people.passwords_differ", "The two passwords are not the same.", path="/password_again")
    try:
        staff_service.set_password(staff, new)
    except InvalidInput as e:
        if e.code == "auth.password_too_short":  # keys.passwords' code, worded for this form
            raise InvalidInput("people.password_too_short", e.detail, path="/password") from None
        raise


def _audit_everywhere(session: Session, staff: StaffUser, action: str, *, now: datetime) -> None:
    """An entry in each organisation the staff member belongs to: its owners see their people's account changes."""
    for membership in staff_service.memberships(session, staff.id):
        audit.record(session, org_id=membership.org_id, actor=f"staff:{staff.id}", action=action,
                     target=staff.email, now=now)


def _errors(e: BadgeError) -> dict[str, BadgeError]:
    return {(e.path or "/password").strip("/"): e}


def _send(message: mail.Mail, smtp_url: str | None, sender: str) -> None:
    try:
        mail.send(message, smtp_url=smtp_url, sender=sender)
    except Unavailable as e:
        log.warning("password reset mail not sent: %s", e.detail)

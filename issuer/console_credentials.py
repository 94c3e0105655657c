"""Issued credentials in the console: find them, revoke, suspend or reinstate (one or many); the outbox of
notification e-mails with retry."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import Select, and_, or_, select
from werkzeug.wrappers import Response

from badges.errors import BadgeError, InvalidInput
from issuer import audit, courses, notify, service
from issuer.console import console_view, current
from store.console import Role
from store.credentials import email_lookup, get_credential
from store.issuing import OutboxMail
from store.models import Credential
from web.http import after_commit, id_arg, services, transaction, utcnow
from web.i18n import tell, tell_plural, translate

bp = Blueprint("console_credentials", __name__, url_prefix="/console/<org_slug>")
PAGE = 50
MAX_BULK = 500
STATES = ("active", "suspended", "revoked", "expired")
ALIASES = {"credential.already_revoked": "revoke.already_revoked", "credential.not_found": "revoke.not_found"}


@bp.get("/credentials")
@console_view(Role.VIEWER)
def index(org_slug: str) -> str:
    args, now = request.args, utcnow()
    page = max(1, id_arg(args.get("page")) or 1)
    with transaction() as session:
        query = _filtered(select(Credential).where(Credential.org_id == current().org.id), now=now,
                          state=args.get("state", ""), course=args.get("course", ""), email=args.get("email", ""))
        found = list(session.scalars(query.order_by(Credential.issued_at.desc(), Credential.id)
                                     .offset((page - 1) * PAGE).limit(PAGE + 1)))
        rows = [(c, _name(c), c.state(now)) for c in found[:PAGE]]
        return render_template("issuer/console/credentials.html", console=current(), rows=rows, page=page,
                               more=len(found) > PAGE, args=args, states=STATES,
                               courses=courses.list_courses(session, org_id=current().org.id))


@bp.get("/credentials/<credential_id>")
@console_view(Role.VIEWER)
def show(org_slug: str, credential_id: str) -> str:
    with transaction() as session:
        credential = get_credential(session, credential_id, org_id=current().org.id)
        mails = list(session.scalars(select(OutboxMail).where(OutboxMail.credential_id == credential.id)
                                     .order_by(OutboxMail.id)))
        return render_template("issuer/console/credential.html", console=current(), credential=credential,
                               name=_name(credential), state=credential.state(utcnow()), mails=mails,
                               document=json.loads(credential.document), links=services().issuing.links)


@bp.post("/credentials/<credential_id>/<any(revoke, suspend, reinstate):action>")
@console_view(Role.ISSUER)
def change(org_slug: str, credential_id: str, action: str) -> Response:
    with transaction() as session:
        get_credential(session, credential_id, org_id=current().org.id)  # NotFound: another organisation's
    _apply(action, [credential_id], reason=request.form.get("reason", ""))
    return redirect(url_for(".show", org_slug=org_slug, credential_id=credential_id))


@bp.post("/credentials/bulk")
@console_view(Role.ISSUER)
def bulk(org_slug: str) -> Response:
    ids = request.form.getlist("ids")[:MAX_BULK]
    if not ids:
        tell("revoke.none_selected", "error")
    else:
        _apply(request.form.get("action", ""), ids, reason=request.form.get("reason", ""))
    return redirect(request.form.get("back", "") if request.form.get("back", "").startswith(
        f"/console/{org_slug}/credentials") else url_for(".index", org_slug=org_slug))


@bp.get("/outbox")
@console_view(Role.VIEWER)
def outbox(org_slug: str) -> str:
    with transaction() as session:
        mails = notify.unsent(session, org_id=current().org.id)
        return render_template("issuer/console/outbox.html", console=current(), mails=mails,
                               smtp=bool(services().settings.smtp_url))


@bp.post("/outbox/retry")
@console_view(Role.ISSUER)
def retry_outbox(org_slug: str) -> Response:
    chosen = id_arg(request.form.get("mail"))
    with transaction() as session:
        ids = notify.retryable(session, org_id=current().org.id, mail_ids=None if chosen is None else [chosen])
        audit.record(session, org_id=current().org.id, actor=current().actor, action="notify.retry",
                     target=f"mail:{chosen}" if chosen else "", mails=len(ids), now=utcnow())
    after_commit(lambda: _retry(ids))
    return redirect(url_for(".outbox", org_slug=org_slug))


def _retry(ids: list[int]) -> None:
    """Send the mails again and say how it went."""
    sent = sum(1 for mail in notify.deliver(services(), ids) if mail.state == "sent")
    tell("notify.retried", "ok" if sent == len(ids) else "error", sent=sent, failed=len(ids) - sent)


def _apply(action: str, ids: list[str], *, reason: str) -> None:
    """Change the status of `ids` in one transaction and flash how it went."""
    console, now = current(), utcnow()
    try:
        with transaction() as session:
            results = service.change_status(session, services().issuing, org=console.org,
                                            credential_ids=ids, action=action, reason=reason, actor=console.actor,
                                            now=now)
    except InvalidInput as e:
        tell(e.code, "error")
        return
    done = [i for i, error in results if error is None]
    skipped = [(i, error) for i, error in results if error is not None]
    if done:
        tell_plural(f"revoke.done_{action}", len(done))
    for credential_id, error in skipped[:10]:
        assert isinstance(error, BadgeError)
        code = ALIASES.get(error.code, error.code)
        reason = translate(code) if translate(code) != code else error.detail
        tell("revoke.skipped", "error", id=credential_id[:8], reason=reason)


def _filtered(query: Select[Any], *, now: datetime, state: str, course: str, email: str) -> Select[Any]:
    if email.strip():
        query = query.where(Credential.recipient_lookup == email_lookup(email, services().issuing.lookup_key))
    if course:
        query = query.where(Credential.achievement.has(public_id=course))
    live = and_(Credential.revoked_at.is_(None), Credential.suspended_at.is_(None))
    fresh = or_(Credential.valid_until.is_(None), Credential.valid_until >= now)
    conditions = {"revoked": Credential.revoked_at.is_not(None),
                  "suspended": and_(Credential.revoked_at.is_(None), Credential.suspended_at.is_not(None)),
                  "expired": and_(live, Credential.valid_until < now), "active": and_(live, fresh)}
    return query.where(conditions[state]) if state in conditions else query


def _name(credential: Credential) -> str:
    """The recipient's name as the credential states it."""
    return str(json.loads(credential.document).get("credentialSubject", {}).get("name", ""))


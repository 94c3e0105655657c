"""Issued credentials in the console: find them (by name or e-mail, state, course), export the list (CSV, Excel),
revoke, suspend or reinstate one or many after a confirmation that names what will happen, send a person's
notification again; the outbox of notification e-mails with retry.

A status change is applied only when its form says it was confirmed: the page's script asks in a dialog first,
and without the script the server answers with a confirmation page carrying the same form (so nobody revokes with
one click, with or without JavaScript)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from badges.errors import BadgeError, InvalidInput
from badges.model import is_email
from issuer import audit, courses, notify, service
from issuer.console import console_view, current, deliver_now
from store.console import Role
from store.credentials import email_lookup, get_credential
from store.issuing import OutboxMail
from store.models import Credential
from web import sheets
from web.http import after_commit, id_arg, services, transaction, utcnow
from web.i18n import local_time, locale, tell, tell_plural, translate

bp = Blueprint("console_credentials", __name__, url_prefix="/console/<org_slug>")
PAGE = 50
MAX_BULK = 500
MAX_EXPORT = 50_000
LISTED_IN_CONFIRMATION = 20  # people named on a bulk confirmation; the rest are counted
STATES = ("active", "suspended", "revoked", "expired")
ALIASES = {"credential.already_revoked": "revoke.already_revoked", "credential.not_found": "revoke.not_found"}
FILTERS = ("q", "state", "course")


@dataclass(frozen=True, slots=True)
class Listed:
    """One credential as the list shows it: to whom (name, e-mail as the reader may see it), which course, state."""

    credential: Credential
    name: str
    email: str
    course: str
    state: str


@bp.get("/credentials")
@console_view(Role.VIEWER)
def index(org_slug: str) -> str:
    args, now = _filters(), utcnow()
    page = max(1, id_arg(request.args.get("page")) or 1)
    with transaction() as session:
        found = _page(session, args, now=now, page=page)
        rows = [_listed(c, now) for c in found[:PAGE]]
        return render_template("issuer/console/credentials.html", console=current(), rows=rows, page=page,
                               more=len(found) > PAGE, args=args, states=STATES, full_emails=_full_emails(),
                               courses=courses.list_courses(session, org_id=current().org.id))


@bp.get("/credentials/export.<any(csv, xlsx):kind>")
@console_view(Role.VIEWER)
def export(org_slug: str, kind: str) -> Response:
    """The list as filtered, every page of it (up to MAX_EXPORT), as CSV or an Excel workbook."""
    args, now, lang = _filters(), utcnow(), locale()
    links = services().issuing.links
    with transaction() as session:
        rows = [_listed(c, now) for c in session.scalars(_query(args, now=now).limit(MAX_EXPORT))]
        table = [[r.name, r.email, r.course, f"v{r.credential.version.version}",
                  local_time(r.credential.issued_at, "minutes", lang), translate(f"revoke.state.{r.state}", lang),
                  r.credential.revocation_reason or r.credential.suspension_reason or "",
                  links.credential(r.credential.id), r.credential.id] for r in rows]
        table = [[cell or "" for cell in row] for row in table]
    headers = [translate(f"export.column.{c}", lang) for c in
               ("name", "email", "course", "version", "issued", "state", "reason", "url", "id")]
    name = f"badges-{current().org.slug}-{now:%Y%m%d}.{kind}"
    body, mimetype = ((sheets.spreadsheet_csv([headers, *table]), sheets.CSV_MIMETYPE) if kind == "csv" else
                      (sheets.spreadsheet_xlsx(headers, table, title=translate("revoke.list_title", lang)),
                       sheets.XLSX_MIMETYPE))
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "no-store"})


@bp.get("/credentials/<credential_id>")
@console_view(Role.VIEWER)
def show(org_slug: str, credential_id: str) -> str:
    now = utcnow()
    with transaction() as session:
        credential = get_credential(session, credential_id, org_id=current().org.id)
        mails = list(session.scalars(select(OutboxMail).where(OutboxMail.credential_id == credential.id)
                                     .order_by(OutboxMail.id)))
        listed = _listed(credential, now)
        return render_template("issuer/console/credential.html", console=current(), credential=credential,
                               listed=listed, name=listed.name, state=listed.state, mails=mails,
                               confirm={a: _sentence(a, [listed]) for a in service.ACTIONS},
                               document=json.loads(credential.document), links=services().issuing.links,
                               smtp=bool(services().settings.smtp_url))


@bp.post("/credentials/<credential_id>/<any(revoke, suspend, reinstate):action>")
@console_view(Role.ISSUER)
def change(org_slug: str, credential_id: str, action: str) -> Response | str:
    reason = request.form.get("reason", "")
    if request.form.get("confirmed") != "1":
        with transaction() as session:
            credential = get_credential(session, credential_id, org_id=current().org.id)
            return _confirmation(action, [_listed(credential, utcnow())], reason=reason,
                                 back=url_for(".show", org_slug=org_slug, credential_id=credential_id),
                                 target=url_for(".change", org_slug=org_slug, credential_id=credential_id,
                                                action=action))
    with transaction() as session:
        get_credential(session, credential_id, org_id=current().org.id)  # NotFound: another organisation's
    _apply(action, [credential_id], reason=reason)
    return redirect(url_for(".show", org_slug=org_slug, credential_id=credential_id))


@bp.post("/credentials/bulk")
@console_view(Role.ISSUER)
def bulk(org_slug: str) -> Response | str:
    ids = list(dict.fromkeys(request.form.getlist("ids")))[:MAX_BULK]
    back = request.form.get("back", "")
    back = back if back.startswith(f"/console/{org_slug}/credentials") else url_for(".index", org_slug=org_slug)
    action, reason = request.form.get("action", ""), request.form.get("reason", "")
    if not ids:
        tell("revoke.none_selected", "error")
        return redirect(back)
    if action not in service.ACTIONS:
        tell("revoke.action_unknown", "error")
        return redirect(back)
    if request.form.get("confirmed") != "1":
        with transaction() as session:
            now = utcnow()
            chosen = list(session.scalars(select(Credential).where(Credential.org_id == current().org.id,
                                                                   Credential.id.in_(ids))))
            if not chosen:
                tell("revoke.none_selected", "error")
                return redirect(back)
            return _confirmation(action, [_listed(c, now) for c in chosen], reason=reason, back=back,
                                 target=url_for(".bulk", org_slug=org_slug))
    _apply(action, ids, reason=reason)
    return redirect(back)


@bp.post("/credentials/<credential_id>/resend")
@console_view(Role.ISSUER)
def resend(org_slug: str, credential_id: str) -> Response:
    """Send the person's notification e-mail again (a new outbox row, audited, rate-limited)."""
    console, now = current(), utcnow()
    back = redirect(url_for(".show", org_slug=org_slug, credential_id=credential_id))
    with transaction() as session:
        credential = get_credential(session, credential_id, org_id=console.org.id, for_update=True)
        if credential.revoked_at is not None:
            tell("notify.resend_revoked", "error")
            return back
        if not credential.recipient_email:
            tell("notify.resend_no_address", "error")
            return back
        if notify.resends_refused(session, credential, now=now):
            tell("notify.resend_too_often", "error", minutes=60)
            return back
        mail = notify.enqueue(session, credential, email=credential.recipient_email, now=now, resent=True)
        audit.record(session, org_id=console.org.id, actor=console.actor, action="credential.notify_resend",
                     target=credential.id, now=now)
        mail_id = mail.id
    after_commit(lambda: deliver_now(mail_id))
    return back


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


def _confirmation(action: str, chosen: list[Listed], *, reason: str, back: str, target: str) -> str | Response:
    """The page that asks before a status change (what the dialog asks when the page's script runs)."""
    if action != "reinstate" and not reason.strip():
        tell("revoke.reason_missing", "error")
        return redirect(back)
    return render_template("issuer/console/confirm_status.html", console=current(), action=action,
                           sentence=_sentence(action, chosen), chosen=chosen[:LISTED_IN_CONFIRMATION],
                           more=max(0, len(chosen) - LISTED_IN_CONFIRMATION), reason=reason.strip(), back=back,
                           target=target, ids=[c.credential.id for c in chosen])


def _sentence(action: str, chosen: Sequence[Listed]) -> str:
    """What the change will do, in the reader's language: "이서준님의 「…」 배지를 폐기합니다. 되돌릴 수 없습니다."."""
    if len(chosen) == 1:
        one = chosen[0]
        return translate(f"confirm.{action}_one", name=one.name or translate("confirm.someone"), course=one.course)
    return translate(f"confirm.{action}_many", n=len(chosen))


def _filters() -> dict[str, str]:
    """The list's filters from the query (`email`, the old name of the search box, still works)."""
    args = {name: request.args.get(name, "").strip()[:320] for name in FILTERS}
    args["q"] = args["q"] or request.args.get("email", "").strip()[:320]
    return args


def _page(session: Session, args: dict[str, str], *, now: datetime, page: int) -> list[Credential]:
    """The page's credentials (and one more, to tell whether there is a next page). Its ids are found first,
    in the list's order from the (org_id, issued_at, id) index, so the rows skipped to reach a deep page
    are index entries only; then the page's rows (documents included) are read, with their course versions."""
    ids = list(session.scalars(_query(args, now=now, columns=Credential.id).offset((page - 1) * PAGE)
                               .limit(PAGE + 1)))
    rows = {c.id: c for c in session.scalars(select(Credential).where(Credential.id.in_(ids))
                                             .options(selectinload(Credential.version)))}
    return [rows[i] for i in ids]


def _query(args: dict[str, str], *, now: datetime, columns: Any = Credential) -> Select[Any]:
    query = select(columns).where(Credential.org_id == current().org.id)
    return _filtered(query, now=now, state=args["state"], course=args["course"], q=args["q"]).order_by(
        Credential.issued_at.desc(), Credential.id.desc())  # the (org_id, issued_at, id) index, read backwards


def _filtered(query: Select[Any], *, now: datetime, state: str, course: str, q: str) -> Select[Any]:
    if q:
        query = query.where(_matches(q))
    if course:
        query = query.where(Credential.achievement.has(public_id=course))
    live = and_(Credential.revoked_at.is_(None), Credential.suspended_at.is_(None))
    fresh = or_(Credential.valid_until.is_(None), Credential.valid_until >= now)
    conditions = {"revoked": Credential.revoked_at.is_not(None),
                  "suspended": and_(Credential.revoked_at.is_(None), Credential.suspended_at.is_not(None)),
                  "expired": and_(live, Credential.valid_until < now), "active": and_(live, fresh)}
    return query.where(conditions[state]) if state in conditions else query


def _matches(q: str) -> Any:
    """A search by part of the name, or by e-mail: the whole address for everyone (its keyed hash, which also
    finds badges issued before addresses were kept), part of it for those who see full addresses. A whole
    address finds that person's badges only, from the keyed hash's index (at a million badges, a search for
    part of an address reads every entry of the organisation's list index: ~30 ms for the largest member)."""
    by_name = func.lower(Credential.recipient_name).contains(q.lower(), autoescape=True)
    if "@" not in q:
        return by_name
    # a name holding the text holds its "@": looking for that first spares lowering every name (~30% of the scan)
    by_name = and_(Credential.recipient_name.contains("@"), by_name)
    by_address = Credential.recipient_lookup == email_lookup(q, services().issuing.lookup_key)
    if is_email(q):
        return by_address
    if not _full_emails():
        return or_(by_name, by_address)
    return or_(by_name, by_address, Credential.recipient_email.contains(q.lower(), autoescape=True))


def _full_emails() -> bool:
    """Owners and issuers see recipients' addresses in full; viewers see them masked."""
    return current().role.allows(Role.ISSUER)


def _listed(credential: Credential, now: datetime) -> Listed:
    version, ko = credential.version, locale() == "ko"
    course = (version.name_ko if ko else version.name_en) or version.name_ko or version.name_en
    email = credential.recipient_email or ""
    shown = email if _full_emails() or not email else notify.mask(email)
    return Listed(credential, credential.recipient_name or _published_name(credential), shown, course,
                  credential.state(now))


def _published_name(credential: Credential) -> str:
    """The recipient's name as the credential states it (only when published), for badges issued before names
    were kept."""
    return str(json.loads(credential.document).get("credentialSubject", {}).get("name", ""))

"""The organisation's own pages in the console: profile and logo, signing keys, API tokens, audit log, and the
export of all its data."""
from __future__ import annotations

import json
import tempfile
from dataclasses import fields

from flask import Blueprint, make_response, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from badges.errors import BadgeError
from issuer import audit, audit_view, export, profile, service, tokens
from issuer.console import console_view, current
from store.console import Role
from web.http import id_arg, services, transaction, utcnow
from web.i18n import locale, tell

bp = Blueprint("console_org", __name__, url_prefix="/console")
AUDIT_PAGE = 50
EXPORT_IN_MEMORY = 16_000_000  # bytes of an export kept in memory; a bigger one spills to a temporary file


@bp.get("/<org_slug>/profile")
@console_view(Role.VIEWER)
def profile_page(org_slug: str) -> str:
    return _profile_page()


@bp.post("/<org_slug>/profile")
@console_view(Role.OWNER)
def edit_profile(org_slug: str) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    data = profile.ProfileIn(**{f.name: request.form.get(f.name, "") for f in fields(profile.ProfileIn)})
    try:
        with transaction() as session:
            changed = profile.update_profile(console.org, data)
            if changed:
                audit.record(session, org_id=console.org.id, actor=console.actor, action="org.profile",
                             fields=changed, now=now)
    except BadgeError as e:
        return _profile_page(form=data, errors={(e.path or "").strip("/"): e}), e.status
    tell("org.saved")
    return redirect(url_for(".profile_page", org_slug=org_slug))


@bp.post("/<org_slug>/profile/logo")
@console_view(Role.OWNER)
def upload_logo(org_slug: str) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    upload = request.files.get("logo")
    try:
        with transaction() as session:
            checked = profile.set_logo(console.org, upload.read() if upload else b"")
            audit.record(session, org_id=console.org.id, actor=console.actor, action="org.logo",
                         type=checked.mimetype, bytes=len(checked.data), now=now)
    except BadgeError as e:
        return _profile_page(errors={"logo": e}), e.status
    tell("org.logo_saved")
    return redirect(url_for(".profile_page", org_slug=org_slug))


@bp.post("/<org_slug>/profile/logo/remove")
@console_view(Role.OWNER)
def remove_logo(org_slug: str) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        profile.remove_logo(console.org)
        audit.record(session, org_id=console.org.id, actor=console.actor, action="org.logo_remove", now=now)
    tell("org.logo_removed")
    return redirect(url_for(".profile_page", org_slug=org_slug))


@bp.post("/<org_slug>/export")
@console_view(Role.OWNER)
def export_data(org_slug: str) -> Response:
    """Everything the organisation keeps here as one ZIP (issuer.export); the download is audited."""
    console, now = current(), utcnow()
    archive = tempfile.SpooledTemporaryFile(max_size=EXPORT_IN_MEMORY)  # noqa: SIM115  (send_file closes it)
    with transaction() as session:
        files = export.write(session, org=console.org, out=archive, now=now)
        audit.record(session, org_id=console.org.id, actor=console.actor, action="org.export", files=files,
                     bytes=archive.tell(), now=now)
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=export.file_name(console.org, now))


@bp.get("/<org_slug>/keys")
@console_view(Role.OWNER)
def keys_page(org_slug: str) -> str:
    org = current().org
    return render_template("issuer/console/keys.html", console=current(), org=org, keys=list(reversed(org.keys)),
                           links=services().issuing.links)


@bp.post("/<org_slug>/keys/rotate")
@console_view(Role.OWNER)
def rotate_key(org_slug: str) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        org = console.org
        retired = next((k.fragment for k in org.keys if k.retired_at is None), None)
        key = service.rotate_key(session, services().issuing, org=org, now=now)
        audit.record(session, org_id=org.id, actor=console.actor, action="key.rotate", target=key.fragment,
                     retired=retired, custody=key.custody, now=now)
    tell("org.key_rotated", fragment=key.fragment)
    return redirect(url_for(".keys_page", org_slug=org_slug))


@bp.get("/<org_slug>/tokens")
@console_view(Role.OWNER)
def tokens_page(org_slug: str) -> str:
    return _tokens_page()


@bp.post("/<org_slug>/tokens")
@console_view(Role.OWNER)
def create_token(org_slug: str) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    label, scopes = request.form.get("label", "").strip(), tuple(request.form.getlist("scopes"))
    try:
        with transaction() as session:
            record, token = tokens.new_token(session, org=console.org, label=label,
                                             scopes=scopes, now=now)
            audit.record(session, org_id=console.org.id, actor=console.actor, action="token.create",
                         target=f"token:{record.id}", label=record.label, scopes=record.scopes, now=now)
    except BadgeError as e:
        return _tokens_page(errors={(e.path or "").strip("/"): e}, label=label, scopes=scopes), e.status
    response = make_response(_tokens_page(new_token=token, new_label=record.label))
    response.headers["Cache-Control"] = "no-store"  # the one time the token is shown
    return response


@bp.post("/<org_slug>/tokens/<id:token_id>/revoke")
@console_view(Role.OWNER)
def revoke_token(org_slug: str, token_id: int) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        record = tokens.revoke_token(session, org=console.org, token_id=token_id, now=now)
        audit.record(session, org_id=console.org.id, actor=console.actor, action="token.revoke",
                     target=f"token:{record.id}", label=record.label, now=now)
    tell("tokens.revoked", label=record.label or f"#{record.id}")
    return redirect(url_for(".tokens_page", org_slug=org_slug))


@bp.get("/<org_slug>/audit")
@console_view(Role.VIEWER)
def audit_page(org_slug: str) -> str:
    console = current()
    kind = request.args.get("kind") if request.args.get("kind") in audit.KINDS else None
    before = id_arg(request.args.get("before"))
    with transaction() as session:
        entries = audit.entries(session, org_id=console.org.id, limit=AUDIT_PAGE + 1, before=before, kind=kind)
        names = audit.actor_names(session, org_id=console.org.id, actors={e.actor for e in entries})
        lines = audit_view.describe(session, org=console.org, entries=entries[:AUDIT_PAGE], actors=names,
                                    lang=locale())
    older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
    return render_template("issuer/console/audit.html", console=console, lines=lines, kind=kind,
                           kinds=audit.KINDS, older=older)


def _profile_page(**form: object) -> str:
    org = current().org
    profile_json = json.dumps(service.issuer_profile(services().issuing, org), ensure_ascii=False, indent=2)
    return render_template("issuer/console/profile.html", console=current(), org=org, profile_json=profile_json,
                           links=services().issuing.links, form=form.get("form") or org,
                           errors=form.get("errors", {}))


def _tokens_page(**form: object) -> str:
    with transaction() as session:
        return render_template("issuer/console/tokens.html", console=current(),
                               tokens=tokens.org_tokens(session, org_id=current().org.id), scopes=tokens.SCOPES,
                               form=form, errors=form.get("errors", {}))

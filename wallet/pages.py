"""The learner's wallet: the history, one badge, importing, privacy, sharing and exports."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from badges import qr
from badges.errors import BadgeError, Conflict, InvalidInput, NotFound
from badges.results import summary as result_lines
from store import pathways
from store.wallet import Learner, ShareLink, get_item
from wallet import exports, imports, offers, service, sharing, timeline, transcripts
from wallet.pdf import PdfBadge, career_pdf
from wallet.service import Entry
from wallet.web import absolute, refresh, require_learner, safe_next, wallet_context
from web.http import transaction, utcnow
from web.i18n import locale, result_text, tell, translate
from web.linkedin import linkedin_url

bp = Blueprint("wallet_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/wallet/static")
ITEM_ACTIONS = ("hide", "unhide", "profile", "unprofile", "remove", "share", "recheck")
Page = BaseResponse | tuple[str, int] | str


def image_url(e: Entry) -> str:
    """Where the owner's pages load a badge's image from."""
    return e.issued_image(wallet_context().links) or url_for("wallet_pages.item_image", public_id=e.item.public_id)


def share_url(link: ShareLink) -> str:
    return absolute(url_for("wallet_share.shared", token=link.token))


@bp.get("/wallet")
def wallet() -> str:
    refresh()
    with transaction() as session:
        learner = require_learner(session)
        all_entries = timeline.entries(session, learner.id)
        skill, issuer = request.args.get("skill") or None, request.args.get("org") or None
        lang = locale()
        return render_template("wallet/wallet.html", learner=learner, tab="history", skill=skill, issuer=issuer,
                               history=service.history(all_entries, skill=skill, issuer=issuer),
                               issuer_labels={e.course.issuer_name: e.issuer(lang) for e in all_entries},
                               image_url=image_url, lang=lang,
                               tracks=pathways.progress(session, learner.id, now=utcnow()))


@bp.post("/wallet/recheck")
def recheck_all() -> BaseResponse:
    refresh(older_than=timedelta(0))
    tell("wallet.rechecked")
    return redirect(url_for("wallet_pages.wallet"))


@bp.route("/wallet/import", methods=["GET", "POST"])
def import_page() -> Page:
    form = {"credential": "", "url": ""}
    if request.method == "GET":
        return render_template("wallet/import.html", form=form, error=None, tab="import")
    ctx, now = wallet_context(), utcnow()
    form = {"credential": request.form.get("credential", ""), "url": request.form.get("url", "")}
    upload = request.files.get("file")
    try:
        with transaction() as session:  # who is importing, and a URL of ours is read here, not fetched
            learner = require_learner(session)
            addresses = service.confirmed_addresses(learner)
            local = imports.local_credential(session, ctx, form["url"]) if form["url"].strip() else None
        if upload is not None and upload.filename:
            data, origin = upload.read(imports.MAX_IMPORT_BYTES + 1), "file"
        elif form["url"].strip():
            data, origin = local or imports.fetch_remote(ctx, form["url"]), "url"
        elif form["credential"].strip():
            data, origin = form["credential"].strip().encode(), "paste"
        else:
            raise InvalidInput("wallet.import_nothing", "Choose a file, paste the badge JSON or enter its address.")
        prepared = imports.prepare(ctx, data, origin=origin, addresses=addresses, now=now)
        with transaction() as session:
            item = imports.keep(session, require_learner(session), prepared, origin=origin, now=now,
                                source_url=form["url"].strip() if origin == "url" else None)
            public_id, learner_id = item.public_id, item.learner_id
    except BadgeError as e:
        return render_template("wallet/import.html", form=form, error=e, tab="import"), e.status
    if ctx.after_collect is not None:  # an imported badge of a member may complete a track (issuer.pathways)
        ctx.after_collect(learner_id, now)
    tell("wallet.imported")
    return redirect(url_for("wallet_pages.item", public_id=public_id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(e: RequestEntityTooLarge) -> Page:
    """An upload over the request limit (refused before any view runs) gets the import form back, explained."""
    if request.endpoint != "wallet_pages.import_page":
        return e.get_response()
    limit = current_app.config["MAX_CONTENT_LENGTH"] or 0
    error = BadgeError("wallet.import_too_large", f"The upload is over {limit:,} bytes. Use the badge's JSON "
                       "or a smaller image.")
    return render_template("wallet/import.html", form={"credential": "", "url": ""}, error=error, tab="import"), 413


@bp.get("/wallet/items/<public_id>")
def item(public_id: str) -> str:
    with transaction() as session:
        learner = require_learner(session)
        e = service.entry(get_item(session, learner_id=learner.id, public_id=public_id))
        links = [link for link in sharing.active_links(session, learner.id) if link.item_id == e.item.id]
        linkedin = linkedin_url(
            name=e.title(locale()), issuer=e.issuer(locale()), awarded_on=e.course.awarded_on,
            url=share_url(links[-1]), credential_id=str(e.document.get("id", e.item.public_id))) if links else None
        return render_template("wallet/item.html", e=e, report=json.loads(e.item.report), links=links,
                               share_url=share_url, linkedin=linkedin, image_url=image_url, lang=locale(),
                               tab="history")


@bp.get("/wallet/items/<public_id>/image.png")
def item_image(public_id: str) -> BaseResponse:
    with transaction() as session:
        found = get_item(session, learner_id=require_learner(session).id, public_id=public_id)
        if found.image is None:
            raise NotFound("wallet.item_not_found", "This badge has no image.")
        return Response(found.image, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@bp.post("/wallet/items/<public_id>/<action>")
def item_action(public_id: str, action: str) -> BaseResponse:
    if action not in ITEM_ACTIONS:
        raise NotFound("wallet.item_not_found", f"There is no action {action!r}.")
    now = utcnow()
    try:
        with transaction() as session:
            learner = require_learner(session)
            found = get_item(session, learner_id=learner.id, public_id=public_id)
            if action in ("hide", "unhide"):
                service.set_hidden(found, action == "hide")
            elif action in ("profile", "unprofile"):
                service.set_on_profile(found, action == "profile")
            elif action == "share":
                sharing.create_link(session, learner, item=found, label=request.form.get("label", ""), now=now)
            elif action == "remove":
                service.remove(session, found, now=now)
        if action == "recheck":
            refresh(older_than=timedelta(0), only=public_id)
    except (InvalidInput, Conflict) as e:  # NotFound stays a 404: it is not this learner's badge
        tell(e.code, "error")
        return redirect(url_for("wallet_pages.item", public_id=public_id))
    tell(f"wallet.done.{action}")
    if action == "remove":
        return redirect(url_for("wallet_pages.wallet"))
    back = request.form.get("back")
    return redirect(safe_next(back) if back else url_for("wallet_pages.item", public_id=public_id))


@bp.post("/wallet/items/<public_id>/wallet-app")
def wallet_app_offer(public_id: str) -> Page:
    """"Add to my wallet app": a new OpenID4VCI offer (QR code and deep link), shown once with its code."""
    try:
        with transaction() as session:
            learner = require_learner(session)
            e = service.entry(get_item(session, learner_id=learner.id, public_id=public_id))
            offer = offers.make_offer(session, wallet_context(), learner, e.item, now=utcnow(),
                                      tx_code=request.form.get("tx_code") != "off")
            page = render_template("wallet/offer.html", e=e, offer=offer, image_url=image_url, lang=locale(),
                                   tab="history")
    except Conflict as error:
        tell(error.code, "error")
        return redirect(url_for("wallet_pages.item", public_id=public_id))
    return Response(page, headers={"Cache-Control": "no-store"})


@bp.get("/wallet/credentials/<credential_id>")
def issued_item(credential_id: str) -> BaseResponse:
    """A badge issued here, by its credential id (the public badge page's "add to my wallet app" links here): the
    signed-in holder's own item page; NotFound for anyone else."""
    refresh()
    with transaction() as session:
        learner = require_learner(session)
        found = offers.item_of_credential(session, learner, credential_id)
        return redirect(url_for("wallet_pages.item", public_id=found.public_id, _anchor="wallet-app"))


@bp.get("/wallet/share")
def share() -> str:
    refresh()
    with transaction() as session:
        learner = require_learner(session)
        entries = service.newest_first([e for e in service.entries(session, learner.id) if not e.item.hidden])
        by_item = {e.item.id: e for e in entries}
        return render_template("wallet/share.html", learner=learner, entries=entries, by_item=by_item,
                               links=sharing.active_links(session, learner.id), share_url=share_url,
                               image_url=image_url, lang=locale(), tab="share")


@bp.post("/wallet/share")
def create_profile_link() -> BaseResponse:
    try:
        with transaction() as session:
            learner = require_learner(session)
            sharing.create_link(session, learner, item=None, label=request.form.get("label", ""), now=utcnow(),
                                shows=request.form.get("shows", "all"), selected=request.form.getlist("item"))
    except BadgeError as e:
        tell(e.code, "error")
        return redirect(url_for("wallet_pages.share"))
    tell("wallet.done.share")
    return redirect(url_for("wallet_pages.share"))


@bp.post("/wallet/share/profile")
def choose_profile() -> BaseResponse:
    """The badges ticked "show on my public profile" (what links that show the profile show)."""
    with transaction() as session:
        sharing.set_profile(session, require_learner(session), request.form.getlist("item"))
    tell("wallet.profile_saved")
    return redirect(url_for("wallet_pages.share") + "#on-profile")


@bp.post("/wallet/share/<id:link_id>/revoke")
def revoke_link(link_id: int) -> BaseResponse:
    with transaction() as session:
        learner = require_learner(session)
        sharing.revoke_link(session, learner.id, link_id, now=utcnow())
    tell("wallet.link_revoked")
    return redirect(safe_next(request.form.get("back")) if request.form.get("back") else url_for("wallet_pages.share"))


@bp.get("/wallet/links/<id:link_id>/qr.png")
def link_qr(link_id: int) -> BaseResponse:
    with transaction() as session:
        learner = require_learner(session)
        link = next((x for x in sharing.active_links(session, learner.id) if x.id == link_id), None)
        if link is None:
            raise NotFound("wallet.share_not_found", "There is no such share link.")
        return Response(qr.qr_png(share_url(link)), mimetype="image/png")


@bp.get("/wallet/export")
def export() -> str:
    refresh()
    with transaction() as session:
        learner = require_learner(session)
        entries = service.newest_first([e for e in service.entries(session, learner.id) if not e.item.hidden])
        return render_template("wallet/export.html", entries=entries, image_url=image_url, lang=locale(),
                               error=None, tab="export")


def _chosen(session: Session, learner_id: int) -> list[Entry]:
    chosen = set(request.form.getlist("item"))
    return service.newest_first([e for e in service.entries(session, learner_id)
                                 if e.item.public_id in chosen and not e.item.hidden])


@bp.post("/wallet/export/<kind>")
def export_chosen(kind: str) -> Page:
    """The chosen badges as a signed presentation (kind "presentation"), a PDF (kind "pdf") or a CLR transcript
    signed by the platform (kind "clr")."""
    if kind not in ("presentation", "pdf", "clr"):
        raise NotFound("http.404", f"There is no export {kind!r}.")
    now = utcnow()
    try:
        if kind == "clr":
            return _clr_download(now)
        with transaction() as session:
            learner = require_learner(session)
            chosen = _chosen(session, learner.id)
            if not chosen:
                raise InvalidInput("wallet.export_nothing_chosen", "Choose at least one badge.")
            if kind == "presentation":
                body = json.dumps(exports.signed_presentation(
                    wallet_context(), learner, chosen, now=now, challenge=request.form.get("challenge") or None,
                    domain=request.form.get("domain") or None), ensure_ascii=False, indent=2).encode()
                return Response(body, mimetype="application/json", headers={
                    "Content-Disposition": f'attachment; filename="presentation-{now:%Y%m%d}.json"'})
            lang = "en" if request.form.get("lang") == "en" else "ko"
            badges = [_pdf_badge(session, learner, e, lang) for e in chosen]
            name, did = learner.name, learner.did
            hours = sum(e.course.hours or 0 for e in chosen if e.counted)
    except BadgeError as e:
        with transaction() as session:
            learner = require_learner(session)
            entries = service.newest_first([x for x in service.entries(session, learner.id) if not x.item.hidden])
            return render_template("wallet/export.html", entries=entries, image_url=image_url, lang=locale(),
                                   error=e, tab="export"), e.status
    pdf = career_pdf(lang=lang, learner_name=name, holder_did=did, badges=badges, total_hours=hours, generated=now)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="career-{lang}-{now:%Y%m%d}.pdf"'})


def _clr_download(now: datetime) -> BaseResponse:
    """The chosen badges' CLR: chosen in one transaction, verified and signed after it (wallet.transcripts)."""
    with transaction() as session:
        learner = require_learner(session)
        wanted = transcripts.wanted(learner, _chosen(session, learner.id))
    body = transcripts.transcript(wallet_context(), wanted, now=now)
    return Response(body, mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="transcript-clr-{now:%Y%m%d}.json"'})


@bp.post("/wallet/share/<id:link_id>/clr")
def attach_clr(link_id: int) -> BaseResponse:
    """Attach to a share link a CLR of the badges it shows that can go in one (verified, unrevoked OB 3.0), or
    detach it (`detach` in the form); the share page then offers it for download."""
    now = utcnow()
    try:
        with transaction() as session:
            learner = require_learner(session)
            link = sharing.own_link(session, learner.id, link_id)
            if request.form.get("detach"):
                sharing.attach_clr(link, None, now=now)
                tell("wallet.clr_detached")
                return redirect(url_for("wallet_pages.share"))
            wanted = transcripts.wanted(learner, [e for e in (service.entry(i) for i in sharing.visible_items(
                session, link)) if transcripts.includable(e)])
        body = transcripts.transcript(wallet_context(), wanted, now=now)
        with transaction() as session:
            sharing.attach_clr(sharing.own_link(session, require_learner(session).id, link_id), body, now=now)
    except InvalidInput as e:
        tell(e.code, "error")
        return redirect(url_for("wallet_pages.share"))
    tell("wallet.clr_attached")
    return redirect(url_for("wallet_pages.share"))


def _pdf_badge(session: Session, learner: Learner, e: Entry, lang: str) -> PdfBadge:
    """A PDF line whose QR code opens a verification: our landing page, or a share link for an import."""
    if e.item.credential_id is not None:
        verify_url = wallet_context().links.verify(e.item.credential_id)
    else:
        link = sharing.badge_link(session, learner, e.item, label=translate("wallet.pdf.link_label", lang),
                                  now=utcnow())
        verify_url = absolute(url_for("wallet_share.verify", token=link.token, public_id=e.item.public_id))
    issued = e.item.credential  # ours: the issuer's recorded revocation or suspension
    stopped = (issued.revoked_at or issued.suspended_at) if issued else None
    reason = (issued.revocation_reason if issued.revoked_at else issued.suspension_reason) if issued else None
    subject = e.document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    worded = [f"{line.name}: {result_text(line, lang)}" if line.name else result_text(line, lang)
              for line in result_lines(achievement, subject)]
    return PdfBadge(title=e.title(lang), issuer=e.issuer(lang), awarded_on=e.course.awarded_on,
                    hours=e.course.hours, skills=e.course.skills, state=e.item.verdict, verify_url=verify_url,
                    stopped_at=stopped, reason=reason, results=" · ".join(worded))


@bp.get("/wallet/export.json")
def export_everything() -> BaseResponse:
    refresh()
    now = utcnow()
    with transaction() as session:
        learner = require_learner(session)
        body = exports.everything(learner, service.entries(session, learner.id),
                                  sharing.active_links(session, learner.id), now=now, share_url=share_url)
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="wallet-{now:%Y%m%d}.json"'})

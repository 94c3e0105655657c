"""What a share link shows to anyone who has it, signed in or not: the learner's chosen badges, each with
its image, status and a fresh verification. Nothing else of the wallet is reachable from here."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from badges import qr
from badges.errors import NotFound
from store.wallet import ShareLink
from wallet import reports, service, sharing
from wallet.service import Entry
from wallet.web import absolute, wallet_context
from web.http import transaction, utcnow
from web.i18n import locale
from web.ratelimit import rate_limited

bp = Blueprint("wallet_share", __name__, template_folder="templates")
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def _urls(link: ShareLink) -> dict[str, object]:
    """URL builders for the templates, scoped to this link."""
    def image(e: Entry) -> str:
        return e.issued_image(wallet_context().links) or url_for("wallet_share.image", token=link.token,
                                                                 public_id=e.item.public_id)

    def verify(e: Entry) -> str:
        if e.item.credential_id is not None:
            return wallet_context().links.verify(e.item.credential_id)
        return url_for("wallet_share.verify", token=link.token, public_id=e.item.public_id)

    def badge(e: Entry) -> str:
        return url_for("wallet_share.badge", token=link.token, public_id=e.item.public_id)

    return {"image_url": image, "verify_url": verify, "badge_url": badge,
            "link_url": absolute(url_for("wallet_share.shared", token=link.token)),
            "clr_url": url_for("wallet_share.transcript", token=link.token) if link.clr is not None else None,
            "clr_at": link.clr_at}


def _page(html: str) -> Response:
    return Response(html, mimetype="text/html", headers=PRIVATE)


def _refresh(token: str, public_id: str | None = None) -> None:
    """Re-check the stale badges this link shows, between two short transactions (see wallet.reports)."""
    ctx, now = wallet_context(), utcnow()
    with transaction() as session:
        link = sharing.open_link(session, token)
        items = [sharing.visible_item(session, link, public_id)] if public_id else sharing.visible_items(session, link)
        pending, learner_id = reports.due(link.learner, items, now=now), link.learner_id
    if pending:
        done = reports.run(ctx, pending, now=now)
        with transaction() as session:
            reports.record_all(session, learner_id, done)


def _entries(session: Session, link: ShareLink) -> list[Entry]:
    return [service.entry(i) for i in sharing.visible_items(session, link)]


@bp.get("/s/<token>")
def shared(token: str) -> Response:
    _refresh(token)
    with transaction() as session:
        link = sharing.open_link(session, token)
        entries = _entries(session, link)
        if link.item is not None:
            return _page(render_template("wallet/public_badge.html", e=entries[0], learner=link.learner,
                                         lang=locale(), **_urls(link)))
        history = service.history(entries)
        return _page(render_template("wallet/public_profile.html", learner=link.learner, history=history,
                                     lang=locale(), **_urls(link)))


@bp.get("/s/<token>/qr.png")
def link_qr(token: str) -> Response:
    with transaction() as session:
        link = sharing.open_link(session, token)
        png = qr.qr_png(absolute(url_for("wallet_share.shared", token=link.token)))
    return Response(png, mimetype="image/png", headers=PRIVATE)


@bp.get("/s/<token>/verify")
@rate_limited  # it verifies again whatever is due, as the verifier's own pages do: counted with them
def verify_shared(token: str) -> ResponseReturnValue:
    """Where /verify sends a share link: a shared badge's report, or the profile's badges each with its report."""
    _refresh(token)
    with transaction() as session:
        link = sharing.open_link(session, token)
        entries = _entries(session, link)
        urls = _urls(link)
        if link.item is not None:
            return redirect(urls["verify_url"](entries[0]), code=303)  # type: ignore[operator]
        return _page(render_template("wallet/public_verify_list.html", learner=link.learner, entries=entries,
                                     lang=locale(), **urls))


@bp.get("/s/<token>/clr.json")
def transcript(token: str) -> Response:
    """The CLR transcript the learner attached to this link, exactly as the platform signed it."""
    with transaction() as session:
        link = sharing.open_link(session, token)
        if link.clr is None:
            raise NotFound("wallet.clr_none", "No transcript is attached to this link.")
        body, at = link.clr, link.clr_at
    return Response(body, mimetype="application/ld+json", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="transcript-clr-{at:%Y%m%d}.json"'})


@bp.get("/s/<token>/<public_id>")
def badge(token: str, public_id: str) -> Response:
    _refresh(token, public_id)
    with transaction() as session:
        link = sharing.open_link(session, token)
        item = sharing.visible_item(session, link, public_id)
        return _page(render_template("wallet/public_badge.html", e=service.entry(item), learner=link.learner,
                                     lang=locale(), **_urls(link)))


@bp.get("/s/<token>/<public_id>/image.png")
def image(token: str, public_id: str) -> Response:
    with transaction() as session:
        item = sharing.visible_item(session, sharing.open_link(session, token), public_id)
        if item.image is None:
            raise NotFound("wallet.item_not_found", "This badge has no image.")
        return Response(item.image, mimetype="image/png", headers=PRIVATE)


@bp.get("/s/<token>/<public_id>/credential.json")
def credential(token: str, public_id: str) -> Response:
    with transaction() as session:
        item = sharing.visible_item(session, sharing.open_link(session, token), public_id)
        body = service.document_bytes(item)
    return Response(body, mimetype="application/ld+json", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="badge-{public_id}.json"'})


@bp.get("/s/<token>/<public_id>/verify")
@rate_limited
def verify(token: str, public_id: str) -> Response:
    """A fresh verification of a shared badge: every check, run now (and kept as the badge's latest)."""
    now = utcnow()
    with transaction() as session:
        link = sharing.open_link(session, token)
        [pending] = reports.due(link.learner, [sharing.visible_item(session, link, public_id)], now=now,
                                older_than=timedelta(0))
    report = reports.run(wallet_context(), [pending], now=now)[public_id]
    with transaction() as session:
        link = sharing.open_link(session, token)
        reports.record_all(session, link.learner_id, {public_id: report})
        e = service.entry(sharing.visible_item(session, link, public_id))
        return _page(render_template("wallet/public_verify.html", report=report, e=e, lang=locale(), **_urls(link)))

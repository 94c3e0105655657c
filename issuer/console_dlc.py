"""The operator's Digital Leaders Club page: in the console of the alliance's own organisation (the platform's
reserved row, issuer.platform), its owners certify members until a date and revoke certifications (issuer.dlc).
The operator is an owner of the platform organisation; the page is not found in any other organisation."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from badges.clock import KOREA
from badges.errors import BadgeError, InvalidInput, NotFound
from issuer import audit, dlc
from issuer.console import console_view, current
from issuer.registry import members
from store.console import Role
from store.models import DlcCertification
from web.http import services, transaction, utcnow
from web.i18n import tell

bp = Blueprint("console_dlc", __name__, url_prefix="/console/<org_slug>")


@bp.get("/dlc")
@console_view(Role.OWNER)
def page(org_slug: str) -> str:
    return _page()


@bp.post("/dlc/grant")
@console_view(Role.OWNER)
def grant(org_slug: str) -> Response | tuple[str, int]:
    _operator_only()
    form = {k: request.form.get(k, "").strip() for k in ("slug", "until")}
    try:
        with transaction() as session, session.begin_nested():
            now = utcnow()
            row = dlc.grant(session, services().issuing, services().platform.identity, slug=form["slug"],
                            valid_until=last_day(form["until"]), now=now)
            audit.record(session, org_id=current().org.id, actor=current().actor, action="dlc.grant",
                         target=form["slug"], certification=row.id, until=form["until"], now=now)
    except BadgeError as e:
        return _page(form=form, error=e), e.status
    tell("dlc.granted")
    return redirect(url_for(".page", org_slug=org_slug))


@bp.post("/dlc/<member>/revoke")
@console_view(Role.OWNER)
def revoke(org_slug: str, member: str) -> Response | tuple[str, int]:
    _operator_only()
    reason = request.form.get("reason", "")
    try:
        with transaction() as session, session.begin_nested():
            now = utcnow()
            row = dlc.revoke(session, services().issuing, services().platform.identity, slug=member,
                             reason=reason, now=now)
            audit.record(session, org_id=current().org.id, actor=current().actor, action="dlc.revoke",
                         target=member, certification=row.id, reason=reason.strip()[:dlc.MAX_REASON], now=now)
    except BadgeError as e:
        return _page(error=e), e.status
    tell("dlc.revoked")
    return redirect(url_for(".page", org_slug=org_slug))


def last_day(text: str) -> datetime:
    """The end of the day `text` (YYYY-MM-DD) in Korea."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("dlc.until_invalid", "Give the last day as a date, e.g. 2027-12-31.",
                           path="/until") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=KOREA)


def _operator_only() -> None:
    if current().org.slug != services().settings.platform_slug:
        raise NotFound("dlc.operator_only", "Digital Leaders Club certifications are managed in the alliance's "
                       "own console.")


def _page(*, form: dict[str, str] | None = None, error: BadgeError | None = None) -> str:
    _operator_only()
    now = utcnow()
    with transaction() as session:
        orgs_ = members(session, platform_slug=services().settings.platform_slug)
        latest = {row.org_id: row for row in session.scalars(
            select(DlcCertification).order_by(DlcCertification.issued_at))}  # the last one of each wins
        rows = [(org, latest.get(org.id)) for org in orgs_]
    return render_template("issuer/console/dlc.html", console=current(), rows=rows, now=now, form=form or {},
                           error=error, links=services().issuing.links)

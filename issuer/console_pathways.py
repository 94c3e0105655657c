"""The console's pathways page: an owner defines a track awarded by one of the organisation's courses; in the
alliance's own console (the operator, issuer.alliance) the track badge may be any member's course. The page lists
every track of the alliance with its requirements (issuer.pathways defines and awards them)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from badges.errors import BadgeError
from issuer import audit, pathways
from issuer.console import console_view, current
from store import pathways as stored
from store.console import Role
from web.http import services, transaction, utcnow
from web.i18n import tell

bp = Blueprint("console_pathways", __name__, url_prefix="/console/<org_slug>")
FIELDS = ("name_ko", "name_en", "course", "requirements")


@bp.get("/pathways")
@console_view(Role.OWNER)
def page(org_slug: str) -> str:
    return _page()


@bp.post("/pathways")
@console_view(Role.OWNER)
def create(org_slug: str) -> Response | tuple[str, int]:
    form = {k: request.form.get(k, "")[:20_000] for k in FIELDS}
    try:
        with transaction() as session, session.begin_nested():
            now = utcnow()
            track = pathways.define(session, org=current().org, operator=_operator(), name_ko=form["name_ko"],
                                    name_en=form["name_en"], course=form["course"],
                                    requirements=form["requirements"], actor=current().actor, now=now)
            audit.record(session, org_id=current().org.id, actor=current().actor, action="pathway.create",
                         target=track.public_id, now=now)
    except BadgeError as e:
        return _page(form=form, error=e), e.status
    tell("pathway.created")
    return redirect(url_for(".page", org_slug=org_slug))


def _operator() -> bool:
    return current().org.slug == services().settings.platform_slug


def _page(*, form: dict[str, str] | None = None, error: BadgeError | None = None) -> str:
    with transaction() as session:
        tracks = stored.all_pathways(session)
        return render_template("issuer/console/pathways.html", console=current(), tracks=tracks, form=form or {},
                               error=error, error_values=getattr(error, "values", {}))

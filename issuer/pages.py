"""Public pages and documents: credentials, courses, issuer profiles, DID documents, status lists."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from badges import baking, qr
from badges.errors import NotFound
from issuer import service
from store.credentials import get_credential
from store import orgs
from store.models import StatusList
from web.http import services, transaction
from web.i18n import locale

bp = Blueprint("issuer_pages", __name__)
JSON_LD = "application/ld+json"


@bp.get("/")
def home() -> str:
    with transaction() as session:
        all_orgs = session.scalars(orgs.select_orgs()).all()
        return render_template("home.html", orgs=all_orgs, links=services().issuing.links)


@bp.get("/credentials/<credential_id>")
def credential_page(credential_id: str) -> str:
    with transaction() as session:
        credential = get_credential(session, credential_id)
        return render_template("issuer/credential.html", credential=credential,
                               document=json.loads(credential.document), links=services().issuing.links)


@bp.get("/credentials/<credential_id>.json")
def credential_json(credential_id: str) -> Response:
    with transaction() as session:
        credential = get_credential(session, credential_id)
    headers = {"Content-Disposition": f'attachment; filename="{credential_id}.json"'} \
        if request.args.get("download") else {}
    return Response(credential.document, mimetype=JSON_LD, headers=headers)


@bp.get("/credentials/<credential_id>.png")
def credential_png(credential_id: str) -> Response:
    with transaction() as session:
        credential = get_credential(session, credential_id)
        png = baking.bake_png(credential.achievement.image_png or b"", credential.document.decode())
    return Response(png, mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="badge-{credential_id}.png"'})


@bp.get("/credentials/<credential_id>/qr.png")
def credential_qr(credential_id: str) -> Response:
    with transaction() as session:
        credential = get_credential(session, credential_id)
    return Response(qr.qr_png(services().issuing.links.verify(credential.id)), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/achievements/<public_id>")
def achievement_page(public_id: str) -> Response | str:
    with transaction() as session:
        achievement = service.get_achievement(session, org_id=None, public_id=public_id)
        if request.args.get("format") == "json" or request.accept_mimetypes.best in ("application/json", JSON_LD):
            language = "en" if request.args.get("lang") == "en" else "ko"
            document = service.achievement_document(services().issuing, achievement, language=language)
            return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")
        return render_template("issuer/achievement.html", achievement=achievement,
                               links=services().issuing.links)


@bp.get("/achievements/<public_id>/image.png")
def achievement_image(public_id: str) -> Response:
    with transaction() as session:
        achievement = service.get_achievement(session, org_id=None, public_id=public_id)
    return Response(achievement.image_png, mimetype="image/png", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/orgs/<slug>")
def org_page(slug: str) -> str:
    with transaction() as session:
        org = orgs.get_org(session, slug)
        return render_template("issuer/org.html", org=org, profile=service.issuer_profile(services().issuing, org),
                               links=services().issuing.links, lang=locale())


@bp.get("/orgs/<slug>/did.json")
def did_json(slug: str) -> Response:
    with transaction() as session:
        document = orgs.did_document(orgs.get_org(session, slug))
    return Response(json.dumps(document, indent=2), mimetype="application/did+json",
                    headers={"Access-Control-Allow-Origin": "*"})


@bp.get("/orgs/<slug>/status/<int:list_id>")
def status_list(slug: str, list_id: int) -> Response:
    with transaction() as session:
        org = orgs.get_org(session, slug)
        row = session.get(StatusList, list_id)
        if row is None or row.org_id != org.id or row.document is None:
            raise NotFound("status.not_found", f"{slug} has no status list {list_id}.")
    return Response(row.document, mimetype="application/vc+ld+json",
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=60"})

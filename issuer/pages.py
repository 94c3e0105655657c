"""Public pages and documents: credentials, courses, issuer profiles, DID documents, status lists."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from badges import baking, images, model, qr
from badges.clock import korea_date
from badges.errors import NotFound
from badges.results import summary as result_lines
from issuer import alliance, courses, service
from store import dlc, membership, orgs
from store.credentials import get_credential
from store.models import Credential, StatusList
from web.http import cacheable, services, transaction, utcnow
from web.i18n import locale
from web.linkedin import linkedin_url

bp = Blueprint("issuer_pages", __name__)
JSON_LD = "application/ld+json"
# How long a cache may keep a document before asking again: a revocation reaches other verifiers within
# STATUS_LIST_MAX_AGE seconds; our own verifier reads the database, so it sees one at once.
STATUS_LIST_MAX_AGE = 60
DID_MAX_AGE = 300
JSON_TYPES = (JSON_LD, "application/vc+ld+json", "application/json")  # what a client may ask for by Accept


def _json_type(*, credential: bool = False) -> str | None:
    """The JSON media type the client asked for by Accept (or ?format=json), None when it wants the page;
    a browser (text/html first) and `*/*` get the page."""
    offered = [t for t in JSON_TYPES if credential or t != "application/vc+ld+json"]
    best = request.accept_mimetypes.best_match(["text/html", *offered])
    if best in offered:
        return best
    return "application/json" if request.args.get("format") == "json" else None


def _json_response(document: object, mimetype: str) -> Response:
    """`document` as JSON of `mimetype`, readable from other origins, varying by Accept."""
    return Response(json.dumps(document, ensure_ascii=False), mimetype=mimetype,
                    headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept"})


@bp.get("/")
def home() -> str:
    with transaction() as session:
        platform_slug = services().settings.platform_slug  # the service's own identity is not a member issuer
        all_orgs = [org for org in session.scalars(orgs.select_orgs()) if org.slug != platform_slug]
        return render_template("home.html", orgs=all_orgs, links=services().issuing.links)


@bp.get("/credentials/<credential_id>")
def credential_page(credential_id: str) -> Response | str:
    """The badge's page; the signed credential to a client asking for JSON(-LD) by Accept."""
    with transaction() as session:
        credential = get_credential(session, credential_id)
        mimetype = _json_type(credential=True)
        if mimetype is not None:
            return Response(credential.document, mimetype=mimetype,
                            headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept"})
        document = json.loads(credential.document)
        described = courses.achievement_document(services().issuing.links, credential.version, language=locale())
        return render_template("issuer/credential.html", credential=credential, state=credential.state(utcnow()),
                               version=credential.version, document=document,
                               results=result_lines(described, document.get("credentialSubject")),
                               links=services().issuing.links, linkedin=_linkedin(credential))


def _linkedin(credential: Credential) -> str:
    """LinkedIn's "Add to profile" link for the badge, in the reader's language, pointing at this page."""
    ko = locale() == "ko"
    version, org = credential.version, credential.org
    return linkedin_url(name=(version.name_ko if ko else version.name_en) or version.name_ko,
                        issuer=(org.name_ko if ko else org.name_en) or org.name_ko,
                        awarded_on=korea_date(credential.issued_at),
                        url=services().issuing.links.credential(credential.id), credential_id=credential.id)


@bp.get("/credentials/<credential_id>.json")
def credential_json(credential_id: str) -> Response:
    with transaction() as session:
        credential = get_credential(session, credential_id)
    headers = {"Content-Disposition": f'attachment; filename="{credential_id}.json"'} \
        if request.args.get("download") else {}
    return Response(credential.document, mimetype=JSON_LD, headers=headers)


@bp.get("/credentials/<credential_id>.png")
@bp.get("/credentials/<credential_id>.svg")
def credential_image(credential_id: str) -> Response:
    """The badge image of the credential's course version, baked with the credential as issued."""
    with transaction() as session:
        credential = get_credential(session, credential_id)
        image, image_type = credential.version.image or b"", credential.version.image_type
    extension = "svg" if image_type == images.SVG else "png"
    if not request.path.endswith(f".{extension}"):
        raise NotFound("credential.image_format", f"This badge's image is {extension.upper()}: "
                       f"download /credentials/{credential_id}.{extension}.")
    bake = baking.bake_svg if image_type == images.SVG else baking.bake_png
    return _image_response(bake(image, credential.document.decode()), image_type, headers={
        "Content-Disposition": f'attachment; filename="badge-{credential_id}.{extension}"'})


@bp.get("/credentials/<credential_id>/qr.png")
def credential_qr(credential_id: str) -> Response:
    with transaction() as session:
        credential = get_credential(session, credential_id)
    return Response(qr.qr_png(services().issuing.links.verify(credential.id)), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/achievements/<public_id>")
@bp.get("/achievements/<public_id>/versions/<id:number>")
def achievement_page(public_id: str, number: int | None = None) -> Response | str:
    """A course (its latest version) or one version of it: a page, or its OB 3.0 Achievement as JSON-LD with
    ?format=json or Accept: application/ld+json (in ?lang=en / ko when the course is written in it)."""
    with transaction() as session:
        achievement = service.get_achievement(session, org_id=None, public_id=public_id)
        version = courses.get_version(session, achievement, number)
        mimetype = _json_type()
        if mimetype is not None:
            document = service.achievement_document(services().issuing, version, language=request.args.get("lang"))
            return _json_response({"@context": list(model.ACHIEVEMENT_CONTEXT), **document}, mimetype)
        return render_template("issuer/achievement.html", achievement=achievement, version=version,
                               result_specs=courses.result_specs(version),
                               image_url=courses.image_url(services().issuing.links, public_id, version.version,
                                                           version.image_type),
                               links=services().issuing.links)


@bp.get("/achievements/<public_id>/image.png")
@bp.get("/achievements/<public_id>/versions/<id:number>/image.png")
@bp.get("/achievements/<public_id>/versions/<id:number>/image.svg")
def achievement_image(public_id: str, number: int | None = None) -> Response:
    """The image of a course version (the latest at the course's own image URL), PNG or sanitised SVG."""
    with transaction() as session:
        version = courses.get_version(session, service.get_achievement(session, org_id=None, public_id=public_id),
                                      number)
        image, image_type = version.image, version.image_type
    if image is None or (number is not None and not request.path.endswith(
            ".svg" if image_type == images.SVG else ".png")):
        raise NotFound("course.no_image", "The course has no image at this address.")
    return _image_response(image, image_type, headers={"Cache-Control": "public, max-age=3600"})


def _image_response(image: bytes, image_type: str, *, headers: dict[str, str]) -> Response:
    """An image; an SVG opened on its own may draw, never run or fetch anything."""
    response = Response(image, mimetype=image_type, headers=headers)
    if image_type == images.SVG:
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response


@bp.get("/orgs/<slug>")
def org_page(slug: str) -> Response | str:
    """The issuer's page; its OB 3.0 Profile as JSON-LD to a client asking for JSON by Accept (or ?format=json),
    with the alliance's Digital Leaders Club certification in force as its `endorsement`."""
    with transaction() as session:
        org = orgs.get_org(session, slug)
        profile = service.issuer_profile(services().issuing, org)
        certified = dlc.in_force(session, org.id, utcnow())
        if certified is not None:
            profile["endorsement"] = [json.loads(certified.document)]
        mimetype = _json_type()
        if mimetype is not None:
            return _json_response({"@context": list(model.ACHIEVEMENT_CONTEXT), **profile}, mimetype)
        listed = alliance.courses_of(session, org.id)
        return render_template("issuer/org.html", org=org, profile=profile, links=services().issuing.links,
                               lang=locale(), member=membership.member_now(session, org.id), courses=listed,
                               badges=sum(n for _, n in listed), dlc=certified,
                               dlc_until=korea_date(certified.valid_until) if certified else None)


@bp.get("/orgs/<slug>/logo")
def org_logo(slug: str) -> Response:
    """The organisation's logo as uploaded (PNG) or sanitised (SVG): the `image` of its issuer Profile."""
    with transaction() as session:
        org = orgs.get_org(session, slug)
        logo, logo_type = org.logo, org.logo_type
    if logo is None or logo_type is None:
        raise NotFound("org.no_logo", f"{slug} has no logo.")
    return cacheable(logo, logo_type, max_age=300, headers={
        # an SVG opened on its own is a document of this origin: it may draw, never run or fetch anything
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"})


@bp.get("/orgs/<slug>/did.json")
def did_json(slug: str) -> Response:
    with transaction() as session:
        document = orgs.did_document(orgs.get_org(session, slug))
    return cacheable(json.dumps(document, indent=2).encode(), "application/did+json", max_age=DID_MAX_AGE)


@bp.get("/orgs/<slug>/status/<id:list_id>")
def status_list(slug: str, list_id: int) -> Response:
    with transaction() as session:
        org = orgs.get_org(session, slug)
        row = session.get(StatusList, list_id)
        if row is None or row.org_id != org.id or row.document is None:
            raise NotFound("status.not_found", f"{slug} has no status list {list_id}.")
    return cacheable(row.document, "application/vc+ld+json", max_age=STATUS_LIST_MAX_AGE)

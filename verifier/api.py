"""The verification JSON API for applicant-tracking systems: POST a credential, get the report (or a PDF)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from badges.jsontext import to_json
from verifier import views
from web.http import parse_json, read_body, validate
from web.i18n import locale
from web.ratelimit import rate_limited

bp = Blueprint("verifier_api", __name__, url_prefix="/api/v1")
MAX_UPLOAD = views.MAX_UPLOAD
JWT_TYPES = ("application/jwt", "application/vc+jwt", "application/vc+ld+json+jwt", "text/plain")
IMAGE_TYPES = ("image/png", "image/svg+xml")


@bp.post("/verify")
@rate_limited
def verify() -> Response:
    """200 with the report whenever verification ran, whatever its outcome; 4xx for a bad request.

    The body is the credential itself (JSON, or a JWT as application/jwt), a baked PNG / SVG image, or
    {"credential": ..., "recipientEmail": ...} or {"url": ..., "recipientEmail": ...}.
    With `Accept: application/pdf` the answer is the printable summary instead.
    """
    request.max_content_length = MAX_UPLOAD  # a baked image may be larger than the app-wide request cap
    raw = read_body(MAX_UPLOAD)
    holder = request.args.get("recipientEmail")
    credential_id = None
    if request.mimetype not in IMAGE_TYPES + JWT_TYPES:
        body = parse_json(raw)
        if not (isinstance(body, dict) and "@context" in body):
            validate(body, schema="verify-request")
            holder = body.get("recipientEmail", holder)
            if "url" in body:
                raw, credential_id = views.from_url(body["url"])
            else:
                credential = body["credential"]
                raw = (credential if isinstance(credential, str)
                       else json.dumps(credential, ensure_ascii=False)).encode()
    verified = views.verify(raw, holder=holder, channel="api", credential_id=credential_id)
    accept = request.headers.get("Accept", "").lower()  # media types ignore case; parsed only when it names the PDF
    if "application/pdf" in accept and (request.accept_mimetypes.best or "").lower() == "application/pdf":
        return Response(views.summary_pdf(verified, lang=locale()), mimetype="application/pdf")
    report = verified.report
    if verified.clr is not None:  # a CLR: its own checks, then a report per credential inside
        clr_body = {**verified.clr.as_json(), "summary": verified.summary.as_json(), "credential": report.credential}
        return Response(to_json(clr_body), mimetype="application/json")
    body = {**report.as_json(), "summary": verified.summary.as_json(), "credential": report.credential,
            "endorsements": verified.endorsements.as_json()}
    if verified.club is not None:
        body["digitalLeadersClub"] = verified.club.as_json()
    if report.resolved:
        body["resolved"] = report.resolved
    return Response(to_json(body), mimetype="application/json")  # compact UTF-8, orjson when it is exact

"""The verification JSON API: POST a credential (JSON, or a baked PNG / SVG), get the report."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from verifier.service import record, verify_upload
from web.http import parse_json, read_body, services, transaction, utcnow, validate

bp = Blueprint("verifier_api", __name__, url_prefix="/api/v1")
MAX_UPLOAD = 2_000_000


@bp.post("/verify")
def verify() -> Response:
    """200 with the report whenever verification ran, whatever its outcome; 4xx for a bad request.

    The body is the credential itself, {"credential": ..., "recipientEmail": ...}, or a baked image.
    """
    raw = read_body(MAX_UPLOAD)
    holder = request.args.get("recipientEmail")
    if request.mimetype not in ("image/png", "image/svg+xml"):
        body = parse_json(raw)
        if not (isinstance(body, dict) and "@context" in body):
            validate(body, schema="verify-request")
            credential = body["credential"]
            raw = (credential if isinstance(credential, str)
                   else json.dumps(credential, ensure_ascii=False)).encode()
            holder = body.get("recipientEmail", holder)
    now = utcnow()
    report = verify_upload(raw, resolve=services().resolver, now=now, skew=services().settings.clock_skew,
                           holder=holder)
    with transaction() as session:
        record(session, report, links=services().issuing.links, channel="api", now=now)
    return Response(json.dumps({**report.as_json(), "credential": report.credential}, ensure_ascii=False),
                    mimetype="application/json")

"""The verification web page (paste or upload) and the QR landing page; both render one report."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from badges.errors import InvalidInput
from store.credentials import get_credential
from verifier.service import record, verify_upload
from web.http import services, transaction, utcnow
from web.security import csrf_exempt

bp = Blueprint("verifier_pages", __name__)
MAX_UPLOAD = 2_000_000


@bp.get("/verify")
def verify_form() -> str:
    return render_template("verifier/verify.html")


@bp.post("/verify")
@csrf_exempt
def verify_submit() -> tuple[str, int] | str:
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload and upload.filename else request.form.get("credential", "").encode()
    if not data.strip():
        raise InvalidInput("verify.nothing_given", "Paste the credential JSON or choose a file to check.")
    now = utcnow()
    report = verify_upload(data, resolve=services().resolver, now=now,
                           skew=services().settings.clock_skew, holder=request.form.get("email") or None)
    with transaction() as session:
        record(session, report, links=services().issuing.links, channel="page", now=now)
    return render_template("verifier/report.html", report=report, credential_id=None)


@bp.route("/v/<credential_id>", methods=["GET", "POST"])
@csrf_exempt
def landing(credential_id: str) -> str:
    """Where the QR code on a badge leads: verifies the credential as issued, and the holder on request."""
    with transaction() as session:
        document = get_credential(session, credential_id).document
    now = utcnow()
    report = verify_upload(document, resolve=services().resolver, now=now,
                           skew=services().settings.clock_skew, holder=request.form.get("email") or None)
    with transaction() as session:
        record(session, report, links=services().issuing.links, channel="qr", now=now)
    return render_template("verifier/report.html", report=report, credential_id=credential_id)

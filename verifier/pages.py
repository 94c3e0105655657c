"""The verification page (scan, link, paste, upload), the QR landing page, and their printable summaries."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from badges.errors import InvalidInput, TooLarge
from badges.report import CheckId, Outcome
from verifier import service, views
from verifier.views import MAX_PHOTO, MAX_UPLOAD, Verified
from web.errors import wants_json
from web.i18n import locale, translate
from web.ratelimit import rate_limited
from web.security import csrf_exempt

bp = Blueprint("verifier_pages", __name__)
REPORT_CSP = ("default-src 'self'; img-src 'self' data: https:; frame-ancestors 'none'; form-action 'self'")


@bp.get("/verify")
def verify_form() -> str:
    return render_template("verifier/verify.html")


@bp.post("/verify")
@csrf_exempt
@rate_limited
def verify_submit() -> ResponseReturnValue:
    """Whichever input was given: a QR photo, a file, a link, or pasted text (in that order); a bad one shows the
    form again with what was typed and a message next to the field (422, or 413 for an over-large file)."""
    request.max_content_length = MAX_PHOTO + 100_000  # phone photos are larger than the app-wide request cap
    if wants_json():  # a client asking for JSON keeps problem+json and the report of an unreadable document
        return _verify_given(form_on_typo=False)
    try:
        return _verify_given(form_on_typo=True)
    except (InvalidInput, TooLarge) as e:
        message = translate(e.code) if translate(e.code) != e.code else e.detail
        return render_template("verifier/verify.html", error=message, field=_given_field(),
                               form=request.form), e.status


def _given_field() -> str:
    """Which of the form's ways was used: photo, file, url or credential (pasted text)."""
    for name in ("photo", "file"):
        upload = request.files.get(name)
        if upload and upload.filename:
            return name
    return "url" if request.form.get("url", "").strip() else "credential"


def _verify_given(*, form_on_typo: bool) -> ResponseReturnValue:
    holder = request.form.get("email")
    photo, upload = request.files.get("photo"), request.files.get("file")
    credential_id = None
    if photo and photo.filename:
        scanned = service.scanned_text(_read(photo, MAX_PHOTO))
        if shared := views.share_page(scanned):
            return redirect(shared, code=303)
        data, credential_id = views.from_scan(scanned)
        if credential_id and not holder:  # our own badge: the QR landing page is the fastest path
            return redirect(url_for("verifier_pages.landing", credential_id=credential_id), code=303)
    elif upload and upload.filename:
        data = _read(upload, MAX_UPLOAD)
    elif request.form.get("url", "").strip():
        if shared := views.share_page(request.form["url"]):
            return redirect(shared, code=303)
        data, credential_id = views.from_url(request.form["url"])
    else:
        data = request.form.get("credential", "").strip().encode()
    if not data.strip():
        raise InvalidInput("verify.nothing_given", "Paste the credential JSON or choose a file to check.")
    verified = views.verify(data, holder=holder, channel="page", credential_id=credential_id)
    unreadable = verified.report.check(CheckId.PARSE)
    if form_on_typo and unreadable.outcome is Outcome.FAILED and unreadable.problem:  # a typo, not a forgery
        raise InvalidInput(unreadable.problem.code, unreadable.problem.detail)
    return report_page(verified)


@bp.post("/verify/summary.pdf")
@csrf_exempt
@rate_limited
def verify_pdf() -> Response:
    """The printable summary of a credential the report page hands back (JSON or JWT text)."""
    data = request.form.get("credential", "").encode()
    if not data.strip():
        raise InvalidInput("verify.nothing_given", "Paste the credential JSON or choose a file to check.")
    if len(data) > MAX_UPLOAD:
        raise TooLarge("request.too_large", f"The credential is over {MAX_UPLOAD} bytes.")
    return _pdf(views.verify(data, holder=request.form.get("email"), channel="page"), "badge")


@bp.route("/v/<credential_id>", methods=["GET", "POST"])
@csrf_exempt
@rate_limited
def landing(credential_id: str) -> Response:
    """Where the QR code on a badge leads: verifies the credential as issued, and the holder on request."""
    document = views.stored_document(credential_id)
    return report_page(views.verify(document, holder=request.form.get("email"), channel="qr",
                              credential_id=credential_id))


@bp.route("/v/<credential_id>/summary.pdf", methods=["GET", "POST"])
@csrf_exempt
@rate_limited
def landing_pdf(credential_id: str) -> Response:
    document = views.stored_document(credential_id)
    verified = views.verify(document, holder=request.form.get("email"), channel="qr", credential_id=credential_id)
    return _pdf(verified, credential_id)


def _read(upload: FileStorage, limit: int) -> bytes:
    try:
        data = upload.read(limit + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: close it now
    if len(data) > limit:
        raise TooLarge("request.too_large", f"The file is over {limit} bytes.")
    return data


def report_page(verified: Verified) -> Response:
    if verified.clr is not None:
        response = Response(render_template("verifier/clr_report.html", report=verified.report, clr=verified.clr,
                                            summary=verified.summary, inner=verified.inner))
        response.headers["Content-Security-Policy"] = REPORT_CSP
        return response
    response = Response(render_template(
        "verifier/report.html", report=verified.report, summary=verified.summary,
        source=verified.source.decode("utf-8", errors="replace"), credential_id=verified.credential_id,
        holder=request.form.get("email", ""), endorsements=verified.endorsements,
        state_note=verified.state_note, club=verified.club))
    # a badge's image may live on its issuer's https server (an <img> runs no script, an SVG's included)
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


def _pdf(verified: Verified, name: str) -> Response:
    lang = locale()
    return Response(views.summary_pdf(verified, lang=lang), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="verification-{name}.pdf"', "Cache-Control": "no-store"})

"""Console sign-in and sign-out, the list of one's organisations, and an organisation's home: its dashboard."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from issuer import dashboard
from issuer import staff as staff_service
from issuer.console import STAFF, back_to, console_view, current
from store.console import Role
from web import throttle
from web.http import transaction, utcnow
from web.security import log_in, log_out, signed_in

bp = Blueprint("console_auth", __name__, url_prefix="/console")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]] | str:
    if request.method == "GET":
        return render_template("issuer/console/sign_in.html")
    email = request.form.get("email", "")
    attempt = throttle.sign_in_attempt(email)  # counted before the password is checked: guesses cannot race
    if not attempt.allowed:
        return render_template("issuer/console/sign_in.html", email=email,
                               retry_minutes=throttle.retry_minutes(attempt)), 429, \
            {"Retry-After": str(attempt.retry_after_s)}
    with transaction() as session:
        staff = staff_service.authenticate(session, email=email, password=request.form.get("password", ""))
    if staff is None:
        return render_template("issuer/console/sign_in.html", failed=True, email=email), 401
    throttle.signed_in(email)
    log_in(STAFF, staff.id, staff.session_generation)
    return back_to(url_for("console_auth.index"))


@bp.post("/sign-out")
def sign_out() -> Response:
    log_out()
    return redirect(url_for("console_auth.sign_in"))


@bp.get("")
def index() -> Response | str:
    staff_id = signed_in(STAFF)
    if staff_id is None:
        return redirect(url_for("console_auth.sign_in"))
    with transaction() as session:
        mine = staff_service.memberships(session, staff_id)
        if len(mine) == 1:
            return redirect(url_for("console_auth.home", org_slug=mine[0].org.slug))
        return render_template("issuer/console/index.html", memberships=mine)


@bp.get("/<org_slug>")
@console_view(Role.VIEWER)
def home(org_slug: str) -> str:
    console = current()
    with transaction() as session:
        summary = dashboard.summary(session, org_id=console.org.id, now=utcnow())
    months = summary.months
    issued = dashboard.bar_chart([(m.month, {"issued": m.issued}) for m in months], series=("issued",))
    verified = dashboard.bar_chart([(m.month, m.verified) for m in months], series=dashboard.CHANNELS)
    return render_template("issuer/console/home.html", console=console, summary=summary, issued_chart=issued,
                           verified_chart=verified, channels=dashboard.CHANNELS,
                           steps=dashboard.first_steps(console.org, summary))

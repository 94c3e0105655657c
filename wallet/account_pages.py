"""Learner accounts on the web: sign up, confirm an address, sign in (password or e-mailed link), addresses,
deleting the account."""
from __future__ import annotations

from functools import cache

from flask import Blueprint, redirect, render_template, request, url_for
from flask import session as cookie
from werkzeug.wrappers import Response

from badges.errors import BadgeError
from store.wallet import Learner
from wallet import accounts, service
from wallet.accounts import Outgoing
from wallet.web import KIND, require_learner, safe_next, send_mail, wallet_context
from web import throttle
from web.http import transaction, utcnow
from web.i18n import tell
from web.security import check_password, hash_password, log_in, log_out, signed_in

bp = Blueprint("wallet_accounts", __name__, template_folder="templates")
PENDING = "wallet_pending_address"
Page = Response | tuple[str, int] | str


@cache
def _dummy_hash() -> str:
    # Checked when the address is unknown, so a wrong address costs as much time as a wrong password.
    return hash_password("not-a-password-anyone-uses")


def _send(outgoing: Outgoing) -> None:
    """Send the mail unless its recipient or this client had their share of mails this hour. Over the limit
    nothing is sent and nothing is said: the page must look the same whether or not the address has a wallet,
    and whoever floods an inbox learns nothing either."""
    if not throttle.mail_allowed(outgoing.to):
        return
    problem = send_mail(outgoing)
    if problem is not None:
        tell("wallet.mail_failed", "error")


@bp.route("/wallet/signup", methods=["GET", "POST"])
def sign_up() -> Page:
    form = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
    if request.method == "GET":
        return render_template("wallet/signup.html", form=form, error=None)
    try:
        password_hash = hash_password(request.form.get("password", ""))
        with transaction() as session:
            _, outgoing = accounts.sign_up(session, wallet_context(), name=form["name"], email=form["email"],
                                           password_hash=password_hash, now=utcnow())
    except BadgeError as e:
        return render_template("wallet/signup.html", form=form, error=e), e.status
    _send(outgoing)
    cookie[PENDING] = outgoing.to
    return redirect(url_for("wallet_accounts.check_email"))


@bp.route("/wallet/check-email", methods=["GET", "POST"])
def check_email() -> Page:
    address = cookie.get(PENDING, "")
    if request.method == "POST" and address:
        with transaction() as session:
            outgoing = accounts.resend_confirmation(session, wallet_context(), address, now=utcnow())
        if outgoing is not None:
            _send(outgoing)
        tell("wallet.link_resent")
        return redirect(url_for("wallet_accounts.check_email"))
    return render_template("wallet/check_email.html", address=address)


@bp.route("/wallet/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Page:
    """GET names the wallet the address would join and shows a button; POST confirms (so that mail scanners
    opening links do not use them up)."""
    ctx = wallet_context()
    if request.method == "GET":
        try:
            with transaction() as session:
                row = accounts.pending_confirmation(session, ctx, token, now=utcnow(), signed_in_as=signed_in(KIND))
                joins = {"address": row.address, "owner": row.learner.name,
                         "owner_email": accounts.primary_address(row.learner)}
        except BadgeError as e:
            return render_template("wallet/link.html", kind="confirm", error=e), e.status
        return render_template("wallet/link.html", kind="confirm", error=None, joins=joins)
    try:
        with transaction() as session:
            row, first = accounts.confirm(session, ctx, token, now=utcnow(), signed_in_as=signed_in(KIND))
            learner = row.learner
            welcome = first and learner.signed_in_at is None  # a new wallet: the link proves the address
            if welcome:
                accounts.record_sign_in(learner, now=utcnow())
    except BadgeError as e:
        return render_template("wallet/link.html", kind="confirm", error=e), e.status
    cookie.pop(PENDING, None)
    if welcome:
        log_in(KIND, learner.id, learner.session_generation)
        tell("wallet.welcome")
        return redirect(url_for("wallet_pages.wallet"))
    tell("wallet.email_confirmed")
    return redirect(url_for("wallet_accounts.account"))


@bp.route("/wallet/signin", methods=["GET", "POST"])
def sign_in() -> Page | tuple[str, int, dict[str, str]]:
    email = request.form.get("email", "")
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in(KIND) is not None:
            return redirect(target)
        return render_template("wallet/signin.html", email=email, target=target, error=None)
    attempt = throttle.sign_in_attempt(email)  # counted before the password is checked: guesses cannot race
    if not attempt.allowed:
        error = accounts.Throttled("wallet.too_many_attempts", "Too many sign-in attempts for this address or "
                                   f"from this network. Try again in {attempt.retry_after_s} seconds.")
        return render_template("wallet/signin.html", email=email, target=target, error=error,
                               retry_minutes=throttle.retry_minutes(attempt)), 429, \
            {"Retry-After": str(attempt.retry_after_s)}
    with transaction() as session:
        learner = accounts.learner_for_sign_in(session, email)
    # argon2 takes a while: check outside the transaction (SQLite has one writer at a time)
    good = check_password(learner.password_hash if learner else _dummy_hash(), request.form.get("password", ""))
    if learner is None or not good:
        return render_template("wallet/signin.html", email=email, target=target,
                               error=BadgeError("wallet.sign_in_failed", "Wrong e-mail or password.")), 401
    with transaction() as session:
        accounts.record_sign_in(session.get_one(Learner, learner.id), now=utcnow())
    throttle.signed_in(email)
    log_in(KIND, learner.id, learner.session_generation)
    return redirect(target)


@bp.post("/wallet/signout")
def sign_out() -> Response:
    log_out()
    return redirect(url_for("issuer_pages.home"))


@bp.route("/wallet/signin-link", methods=["GET", "POST"])
def request_link() -> Page:
    if request.method == "GET":
        return render_template("wallet/request_link.html", sent=False)
    with transaction() as session:
        outgoing = accounts.request_sign_in_link(session, wallet_context(), request.form.get("email", ""),
                                                 now=utcnow())
    if outgoing is not None:
        _send(outgoing)
    return render_template("wallet/request_link.html", sent=True)


@bp.route("/wallet/signin-link/<token>", methods=["GET", "POST"])
def link_sign_in(token: str) -> Page:
    if request.method == "GET":
        return render_template("wallet/link.html", kind="sign_in", error=None)
    try:
        with transaction() as session:
            learner = accounts.sign_in_with_link(session, wallet_context(), token, now=utcnow())
    except BadgeError as e:
        return render_template("wallet/link.html", kind="sign_in", error=e), e.status
    log_in(KIND, learner.id, learner.session_generation)
    return redirect(url_for("wallet_pages.wallet"))


@bp.get("/wallet/account")
def account() -> str:
    with transaction() as session:
        learner = require_learner(session)
        return render_template("wallet/account.html", learner=learner,
                               removed=service.removed_count(session, learner), tab="account")


@bp.post("/wallet/account/emails")
def add_email() -> Page:
    try:
        with transaction() as session:
            learner = require_learner(session)
            outgoing = accounts.add_address(session, wallet_context(), learner, request.form.get("email", ""),
                                            now=utcnow())
    except BadgeError as e:
        with transaction() as session:
            learner = require_learner(session)
            return render_template("wallet/account.html", learner=learner, error=e, tab="account",
                                   new_email=request.form.get("email", ""),
                                   removed=service.removed_count(session, learner)), e.status
    _send(outgoing)
    tell("wallet.email_added")
    return redirect(url_for("wallet_accounts.account"))


@bp.post("/wallet/account/emails/<id:email_id>/<action>")
def email_action(email_id: int, action: str) -> Response:
    outgoing = None
    try:
        with transaction() as session:
            learner = require_learner(session)
            if action == "resend":
                outgoing = accounts.resend(session, wallet_context(), learner, email_id, now=utcnow())
            elif action == "remove":
                accounts.remove_address(session, learner, email_id)
            else:
                return redirect(url_for("wallet_accounts.account"))
    except BadgeError as e:
        tell(e.code, "error")
        return redirect(url_for("wallet_accounts.account"))
    if outgoing is not None:
        _send(outgoing)
    tell("wallet.link_resent" if action == "resend" else "wallet.email_removed")
    return redirect(url_for("wallet_accounts.account"))


@bp.post("/wallet/account/restore")
def restore() -> Response:
    with transaction() as session:
        service.restore_removed(session, require_learner(session))
    tell("wallet.restored")
    return redirect(url_for("wallet_pages.wallet"))


@bp.route("/wallet/account/delete", methods=["GET", "POST"])
def delete_account() -> Page | tuple[str, int, dict[str, str]]:
    """Delete the wallet for good, once the learner's password confirms it is them (attempts counted as
    sign-ins are)."""
    with transaction() as session:
        learner = require_learner(session)
        address = accounts.primary_address(learner) or ""
        learner_id, password_hash = learner.id, learner.password_hash
    if request.method == "GET":
        return render_template("wallet/delete_account.html", error=None, tab="account")
    attempt = throttle.sign_in_attempt(address)
    if not attempt.allowed:
        throttled = accounts.Throttled("wallet.too_many_attempts", "Too many attempts for this account or from "
                                       f"this network. Try again in {attempt.retry_after_s} seconds.")
        return render_template("wallet/delete_account.html", error=throttled, tab="account",
                               retry_minutes=throttle.retry_minutes(attempt)), 429, \
            {"Retry-After": str(attempt.retry_after_s)}
    if not request.form.get("understood") or not check_password(password_hash, request.form.get("password", "")):
        code = "wallet.delete_wrong_password" if request.form.get("understood") else "wallet.delete_not_confirmed"
        error = BadgeError(code, "Enter your password and tick the box to delete your wallet.")
        return render_template("wallet/delete_account.html", error=error, tab="account"), 401 \
            if code == "wallet.delete_wrong_password" else 422
    with transaction() as session:
        accounts.delete_account(session, session.get_one(Learner, learner_id))
    throttle.signed_in(address)
    log_out()
    return render_template("wallet/account_deleted.html")

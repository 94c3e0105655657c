"""The learner's side of the Open Badges API: the consent page an application sends them to (allow or deny each
request, signed in to the wallet), the list of connected applications with a button that cuts each one off at
once, and the privacy note the discovery document points at."""
from __future__ import annotations

from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from store import oauth
from store.oauth import OAuthClient
from wallet import ob_oauth
from wallet.ob_oauth import SCOPES
from wallet.web import require_learner
from web.http import request_transaction, transaction, utcnow
from web.i18n import tell

bp = Blueprint("ob_consent", __name__, template_folder="templates")


def _refused(error: OAuth2Error) -> BaseResponse:
    """An authorization request the wallet cannot show: back to the application when its redirect URI is known
    (RFC 6749 §4.1.2.1), else a page saying why (never a redirect to an unchecked address)."""
    if error.redirect_uri:
        return ob_oauth.server().handle_error_response(None, error)
    return Response(render_template("wallet/app_refused.html", description=error.description or error.error),
                    status=400)


def _form_action(redirect_uri: str) -> str:
    """The page's CSP: the form may post here and follow the redirect to the application's registered URI."""
    parts = urlsplit(redirect_uri)
    return ("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            f"form-action 'self' {parts.scheme}://{parts.netloc}")


@bp.route("/wallet/apps/authorize", methods=["GET", "POST"])
def authorize() -> BaseResponse:
    """GET: "「app」 wants to read your badges", each scope in plain words, allow / deny. POST: the decision."""
    with request_transaction() as session:
        learner = require_learner(session)
        try:
            grant = ob_oauth.server().get_consent_grant(end_user=learner)
        except OAuth2Error as error:
            return _refused(error)
        if request.method == "POST":
            allowed = request.form.get("decision") == "allow"
            return ob_oauth.server().create_authorization_response(grant_user=learner if allowed else None,
                                                                    grant=grant)
        client: ob_oauth.Client = grant.client
        redirect_uri = grant.request.payload.redirect_uri or client.get_default_redirect_uri() or ""
        scopes = [s for s in SCOPES if s in grant.request.scope.split()]
        page = render_template("wallet/app_consent.html", client=client.row, client_uri=client.metadata.get(
            "client_uri"), scopes=[s.rsplit("/", 1)[1] for s in scopes], learner=learner, action=request.full_path)
    return Response(page, headers={"Content-Security-Policy": _form_action(redirect_uri)})


@bp.get("/wallet/apps")
def apps() -> str:
    """The applications that can reach the wallet, what each may do, and a button to cut it off."""
    with transaction() as session:
        learner = require_learner(session)
        connected = [(client, [s.rsplit("/", 1)[1] for s in SCOPES if s in scope.split()], since)
                     for client, scope, since in oauth.connected(session, learner.id, now=utcnow())]
        return render_template("wallet/apps.html", connected=connected, tab="account")


@bp.post("/wallet/apps/<id:client_id>/revoke")
def disconnect(client_id: int) -> BaseResponse:
    """Revoke every token of one application at once: its next request is refused."""
    with transaction() as session:
        learner = require_learner(session)
        client = session.get(OAuthClient, client_id)
        if client is not None and oauth.disconnect(session, learner.id, client.id, now=utcnow()):
            tell("wallet.apps.revoked", app=client.client_name)
    return redirect(url_for("ob_consent.apps"))


@bp.get("/wallet/apps/privacy")
def privacy() -> str:
    """What an application connected to the wallet sees, and how to cut it off (the API's privacy policy)."""
    return render_template("wallet/app_privacy.html")

"""OpenID4VCI endpoints of each organisation (issuer.oid4vci): metadata, token, nonce, credential.

Wallet apps call these without a cookie, so they need no CSRF token; every answer is JSON, errors as the spec's
{"error", "error_description"}, and nothing secret is cached (Cache-Control: no-store)."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from issuer import oid4vci
from issuer.oid4vci import OAuthError
from store import orgs
from web.http import services, transaction, utcnow
from web.security import csrf_exempt

bp = Blueprint("oid4vci", __name__)


def _json(body: Any, status: int = 200, *, public: bool = False) -> Response:
    headers = {"Access-Control-Allow-Origin": "*"} if public else {"Cache-Control": "no-store"}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers)


@bp.errorhandler(OAuthError)
def oauth_error(e: OAuthError) -> Response:
    response = _json(e.body(), e.status)
    if e.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{e.error}"'
    return response


# The spec puts the metadata at the well-known path inserted before the issuer identifier's path; wallets built on
# the drafts (the Sphereon client among them) append it to the identifier instead, so both are served.
@bp.get("/.well-known/openid-credential-issuer/orgs/<slug>")
@bp.get("/orgs/<slug>/.well-known/openid-credential-issuer")
def issuer_metadata(slug: str) -> Response:
    with transaction() as session:
        metadata = oid4vci.issuer_metadata(services().issuing, orgs.get_org(session, slug))
    return _json(metadata, public=True)


@bp.get("/.well-known/oauth-authorization-server/orgs/<slug>")
@bp.get("/orgs/<slug>/.well-known/oauth-authorization-server")
def authorization_server_metadata(slug: str) -> Response:
    with transaction() as session:
        metadata = oid4vci.authorization_server_metadata(services().issuing, orgs.get_org(session, slug))
    return _json(metadata, public=True)


@bp.post("/orgs/<slug>/oid4vci/token")
@csrf_exempt
def token(slug: str) -> Response:
    """Token Request (application/x-www-form-urlencoded). A wrong transaction code is counted (committed)."""
    error: OAuthError | None = None
    with transaction() as session:
        org = orgs.get_org(session, slug)
        try:
            answer = oid4vci.redeem(session, org, request.form, now=utcnow())
        except OAuthError as e:
            error = e
    if error is not None:
        raise error
    return _json(answer)


@bp.post("/orgs/<slug>/oid4vci/nonce")
@csrf_exempt
def nonce(slug: str) -> Response:
    with transaction() as session:
        orgs.get_org(session, slug)
        answer = oid4vci.nonce(session, now=utcnow())
    return _json(answer)


@bp.post("/orgs/<slug>/oid4vci/credential")
@csrf_exempt
def credential(slug: str) -> Response:
    """Credential Request (JSON, bearer token). A nonce a failed proof used stays used (committed)."""
    error: OAuthError | None = None
    body = request.get_data(cache=False)[:oid4vci.MAX_REQUEST_BYTES + 1]
    with transaction() as session:
        org = orgs.get_org(session, slug)
        try:
            answer = oid4vci.issue(session, services().issuing, org, now=utcnow(), body=body,
                                   authorization=request.headers.get("Authorization"))
        except OAuthError as e:
            error = e
    if error is not None:
        raise error
    return _json(answer)

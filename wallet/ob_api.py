"""The 1EdTech Open Badges 3.0 API, Host role (OB 3.0 §6): the wallet hosts the learner's credentials and profile
for the applications the learner lets in. Discovery, the OAuth 2.0 endpoints (Authlib, wallet.ob_oauth),
`/credentials` (list with paging, upsert through the wallet's own import) and `/profile`. Resource errors are
imsx_StatusInfo bodies; the OAuth endpoints answer as their RFCs say.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, abort, json, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from badges.errors import BadgeError, Conflict
from store.wallet import Learner
from wallet import imports, ob_host, ob_oauth
from wallet.ob_oauth import READ_CREDENTIALS, READ_PROFILE, SCOPES, UPDATE_PROFILE, UPSERT_CREDENTIALS, Token
from wallet.service import confirmed_addresses
from wallet.web import absolute, wallet_context
from web.http import parse_json, read_body, request_transaction, transaction, utcnow, validate
from web.ratelimit import rate_limited
from web.security import csrf_exempt

bp = Blueprint("ob_api", __name__)
bp.record_once(lambda state: ob_oauth.install(state.app))
PREFIX = "/ims/ob/v3p0"
DEFAULT_LIMIT, MAX_LIMIT = 50, 100
MAX_PROFILE_BYTES = 16_000
MAX_REGISTRATION_BYTES = 16_000
COMPACT_JWS = re.compile(rb"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")
MINOR = {400: "invalid_data", 401: "unauthorizedrequest", 403: "forbidden", 404: "not_found", 405: "not_allowed",
         413: "invalid_data", 415: "invalid_data", 500: "internal_server_error", 503: "server_busy"}
SCOPE_TEXT = {READ_CREDENTIALS: "Permission to read AchievementCredentials for the authenticated entity.",
              UPSERT_CREDENTIALS: "Permission to create or update AchievementCredentials for the authenticated "
                                  "entity.",
              READ_PROFILE: "Permission to read the profile for the authenticated entity.",
              UPDATE_PROFILE: "Permission to update the profile for the authenticated entity."}


def status_info(status: int, description: str, *, minor: str | None = None,
                headers: dict[str, str] | None = None) -> Response:
    """An imsx_StatusInfo error body (OB 3.0 §6.3) with the HTTP status."""
    body = {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
            "imsx_codeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                        "imsx_codeMinorFieldValue": minor or MINOR.get(status,
                                                                                                       "unknown")}]}}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers)


def authorized(scope: str) -> tuple[Token, Learner]:
    """The access token of this request if it grants `scope`, and its learner; else the request ends in 401
    (no, bad, expired or revoked token) or 403 (a token without `scope`) as imsx_StatusInfo."""
    try:
        token: Token = ob_oauth.protector().acquire_token([scope])
    except OAuth2Error as e:
        status = e.status_code or 401
        description = e.description or ("The access token does not grant " + scope if status == 403
                                        else "A valid access token is required.")
        abort(status_info(status, description, headers=dict(e.get_headers())))
    return token, token.row.learner


@bp.errorhandler(BadgeError)
def badge_error(e: BadgeError) -> Response:
    return status_info(e.status if e.status in MINOR else 400, e.detail)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(e: RequestEntityTooLarge) -> Response:
    return status_info(413, "The request body is too large.")


@bp.get(f"{PREFIX}/discovery")
def discovery() -> Response:
    """The Service Description Document (OB 3.0 §6.4 Service Discovery Endpoint): OpenAPI 3.0 with OAuth2ACG."""
    return _json(discovery_document(), headers={"Access-Control-Allow-Origin": "*"})


def discovery_document() -> dict[str, Any]:
    """OpenAPI 3.0.1: info with x-imssf-privacyPolicyUrl, the API paths, and the OAuth2ACG security scheme."""
    error = {"description": "imsx_StatusInfo", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Imsx_StatusInfo"}}}}
    secured = [{"OAuth2ACG": [s]} for s in SCOPES]

    def operation(op_id: str, scope: str, summary: str, ok: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"operationId": op_id, "summary": summary, "tags": ["OpenBadgeCredentials"],
                "security": [{"OAuth2ACG": [scope]}], "responses": {**ok, "400": error, "401": error,
                                                                  "403": error, "default": error}, **extra}

    any_json = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "Open Badges API (Host)", "version": "3.0",
                 "description": "The learner's wallet as an Open Badges 3.0 API host: the credentials and "
                                "profile they share with the applications they allow.",
                 "termsOfService": absolute(url_for("ob_consent.privacy")),
                 "x-imssf-privacyPolicyUrl": absolute(url_for("ob_consent.privacy"))},
        "servers": [{"url": absolute(PREFIX), "description": "The wallet"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": operation("getCredentials", READ_CREDENTIALS, "The learner's credentials", {"200": any_json},
                                 parameters=[{"name": n, "in": "query", "required": False, "schema": s}
                                             for n, s in (("limit", {"type": "integer", "minimum": 1}),
                                                          ("offset", {"type": "integer", "minimum": 0}),
                                                          ("since", {"type": "string", "format": "date-time"}))]),
                "post": operation("upsertCredential", UPSERT_CREDENTIALS, "Add a credential to the wallet",
                                  {"200": any_json, "201": any_json}, requestBody={"content": {
                                      "application/json": {"schema": {"type": "object"}},
                                      "text/plain": {"schema": {"type": "string"}}}})},
            "/profile": {
                "get": operation("getProfile", READ_PROFILE, "The learner's profile", {"200": any_json}),
                "put": operation("putProfile", UPDATE_PROFILE, "Change the learner's name", {"200": any_json},
                                 requestBody=any_json)},
            "/discovery": {"get": {"operationId": "getServiceDescription", "tags": ["Discovery"],
                                   "security": [], "responses": {"200": any_json, "default": error}}},
        },
        "components": {
            "securitySchemes": {"OAuth2ACG": {
                "type": "oauth2", "description": "OAuth 2.0 Authorization Code Grant with PKCE (S256)",
                "x-imssf-registrationUrl": absolute(url_for("ob_api.register")),
                "flows": {"authorizationCode": {
                    "authorizationUrl": absolute(url_for("ob_consent.authorize")),
                    "tokenUrl": absolute(url_for("ob_api.token")), "refreshUrl": absolute(url_for("ob_api.token")),
                    "x-imssf-revocationUrl": absolute(url_for("ob_api.revoke")),
                    "scopes": dict(SCOPE_TEXT)}}}},
            "schemas": {"Imsx_StatusInfo": {"type": "object", "required": ["imsx_codeMajor", "imsx_severity"],
                                            "properties": {"imsx_codeMajor": {"type": "string"},
                                                           "imsx_severity": {"type": "string"},
                                                           "imsx_description": {"type": "string"},
                                                           "imsx_codeMinor": {"type": "object"}}}}},
        "security": secured,
    }


@bp.post(f"{PREFIX}/oauth/register")
@csrf_exempt
@rate_limited
def register() -> Response:
    """RFC 7591 dynamic client registration, size-limited and checked against schemas/json first."""
    try:
        body = parse_json(read_body(MAX_REGISTRATION_BYTES))
        validate(body, schema="ob-api-client-registration")
    except BadgeError as e:
        return _json({"error": "invalid_client_metadata", "error_description": e.detail}, 400)
    with request_transaction():
        return ob_oauth.server().create_endpoint_response("client_registration")


@bp.post(f"{PREFIX}/oauth/token")
@csrf_exempt
def token() -> Response:
    """The token endpoint: authorization_code (with the PKCE verifier) and refresh_token grants."""
    read_body(MAX_REGISTRATION_BYTES)
    with request_transaction():
        return ob_oauth.server().create_token_response()


@bp.post(f"{PREFIX}/oauth/revoke")
@csrf_exempt
def revoke() -> Response:
    """RFC 7009 token revocation."""
    read_body(MAX_REGISTRATION_BYTES)
    with request_transaction():
        return ob_oauth.server().create_endpoint_response("revocation")


def _query_int(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or int(raw) < minimum:
        abort(status_info(400, f"'{name}' must be a whole number of at least {minimum}.",
                          minor="invalid_query_parameter"))
    return min(int(raw), maximum) if maximum is not None else int(raw)


def _since() -> datetime | None:
    raw = request.args.get("since")
    if raw is None:
        return None
    try:
        since = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        abort(status_info(400, "'since' must be a date and time with a time zone (ISO 8601), e.g. "
                          "2026-03-02T09:30:00Z.", minor="invalid_query_parameter"))
    return since


def _links(limit: int, offset: int, total: int) -> str:
    """RFC 8288 Link header of the pages (OB 3.0 §6.2.3 Paging): first, last, prev and next where they exist."""
    base = absolute(f"{PREFIX}/credentials")
    since = {"since": request.args["since"]} if "since" in request.args else {}
    last = max(0, (total - 1) // limit * limit)
    pages = {"first": 0, "last": last}
    if offset > 0:
        pages["prev"] = max(0, offset - limit)
    if offset + limit < total:
        pages["next"] = offset + limit
    return ", ".join(f'<{base}?{urlencode({"limit": limit, "offset": at, **since})}>; rel="{rel}"'
                     for rel, at in pages.items())


@bp.get(f"{PREFIX}/credentials")
def credentials() -> Response:
    """GetOpenBadgeCredentialsResponse: the credentials exactly as stored, `limit` from `offset`."""
    limit = _query_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset, since = _query_int("offset", 0, 0), _since()
    with request_transaction() as session:
        _, learner = authorized(READ_CREDENTIALS)
        page = ob_host.credentials_page(session, learner, limit=limit, offset=offset, since=since)
    body = b'{"credential": [' + b", ".join(page.documents) + b"]}"
    return Response(body, mimetype="application/json",
                    headers={"X-Total-Count": str(page.total), "Link": _links(limit, offset, page.total)})


@bp.post(f"{PREFIX}/credentials")
@csrf_exempt
def upsert() -> Response:
    """Add a credential (JSON, or a compact JWS as text/plain) to the wallet after the import's verification:
    201 when new, 200 when the wallet has it already; 400 with the reason when it does not verify."""
    with request_transaction():
        _, learner = authorized(UPSERT_CREDENTIALS)
        learner_id, addresses = learner.id, confirmed_addresses(learner)
    data = read_body(imports.MAX_IMPORT_BYTES).strip()
    if request.mimetype == "text/plain":
        if not COMPACT_JWS.match(data):
            raise BadgeError("ob_api.not_jws", "A text/plain body must be one compact JWS.")
    elif request.mimetype.endswith("json"):
        validate(parse_json(data), schema="ob-api-credential")
    else:
        return status_info(415, "Send the credential as application/json, or a compact JWS as text/plain.")
    ctx, now = wallet_context(), utcnow()
    # verified with no transaction open (it may fetch, or read this database through another connection)
    prepared = imports.prepare(ctx, data, origin="paste", addresses=addresses, now=now)
    with transaction() as session:
        learner = session.get_one(Learner, learner_id)
        try:
            imports.keep(session, learner, prepared, origin="api", now=now)
            status = 201
        except Conflict:
            status = 200
    return Response(prepared.raw, status=status, mimetype="application/json")


@bp.get(f"{PREFIX}/profile")
def get_profile() -> Response:
    with request_transaction():
        _, learner = authorized(READ_PROFILE)
        return _json(ob_host.profile(learner))


@bp.put(f"{PREFIX}/profile")
@csrf_exempt
def put_profile() -> Response:
    with request_transaction():
        authorized(UPDATE_PROFILE)
    body = parse_json(read_body(MAX_PROFILE_BYTES))
    validate(body, schema="ob-api-profile")
    with request_transaction():
        _, learner = authorized(UPDATE_PROFILE)
        ob_host.update_profile(learner, body)
        return _json(ob_host.profile(learner))

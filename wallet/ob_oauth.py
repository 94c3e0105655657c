"""OAuth 2.0 for the Open Badges 3.0 API (Host role), with Authlib rather than by hand: RFC 7591 dynamic client
registration, the authorization code grant with PKCE (S256 required of every client), refresh tokens that
rotate, RFC 7009 revocation and a bearer-token ResourceProtector. Rows live in store.oauth (digests only); this
module adapts them to Authlib's model interfaces. Every callback runs inside the request's one transaction
(web.http.request_transaction), which the views open.
"""
from __future__ import annotations

import hmac
import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import current_app
from flask.sansio.app import App
from sqlalchemy.orm import Session

from store import oauth
from store.oauth import OAuthClient, OAuthCode, OAuthToken, digest
from store.wallet import Learner
from web.http import request_session, utcnow

SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ_CREDENTIALS = SCOPE_BASE + "credential.readonly"
UPSERT_CREDENTIALS = SCOPE_BASE + "credential.upsert"
READ_PROFILE = SCOPE_BASE + "profile.readonly"
UPDATE_PROFILE = SCOPE_BASE + "profile.update"
SCOPES = (READ_CREDENTIALS, UPSERT_CREDENTIALS, READ_PROFILE, UPDATE_PROFILE)
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
ACCESS_LIFETIME_S = 3600
REFRESH_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=5)
SERVER, PROTECTOR = "ob_oauth_server", "ob_oauth_protector"  # app.extensions keys


def _session() -> Session:
    session = request_session()
    if session is None:  # a view forgot request_transaction(): a bug, not a request to answer
        raise RuntimeError("OAuth callbacks run inside web.http.request_transaction()")
    return session


class Client(ClientMixin):
    """A registered application as Authlib sees it."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.metadata: dict[str, Any] = json.loads(row.client_metadata)

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.metadata.get("redirect_uris", [])
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        # an application names the scopes it asks for; within those it registered, if it registered any
        if not scope:
            return None
        allowed = set(self.metadata.get("scope", "").split()) or set(SCOPES)
        asked = [s for s in scope.split() if s in allowed]
        return " ".join(asked) if asked else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.metadata.get("redirect_uris", [])

    def check_client_secret(self, client_secret: str) -> bool:
        return self.row.secret_hash is not None and hmac.compare_digest(digest(client_secret), self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.metadata.get("token_endpoint_auth_method", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type in self.metadata.get("response_types", ["code"])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.metadata.get("grant_types", ["authorization_code"])


class Code(AuthorizationCodeMixin):
    def __init__(self, row: OAuthCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class Token(TokenMixin):
    def __init__(self, row: OAuthToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return self.row.expires_in

    def is_expired(self) -> bool:
        return self.row.issued_at + timedelta(seconds=self.row.expires_in) <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


class S256Challenge(CodeChallenge):
    """RFC 7636 with S256 required: an authorization request without a code challenge, or with `plain`, is
    refused (the error goes back to the application's redirect URI)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with 'code_challenge_method=S256'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is accepted.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        _session().add(OAuthCode(
            code_hash=digest(code), client_id=request.client.row.id, learner_id=request.user.id,
            redirect_uri=request.payload.redirect_uri or "", scope=request.scope,
            code_challenge=data["code_challenge"], code_challenge_method=data["code_challenge_method"],
            created_at=utcnow()))

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        row = oauth.code_by_value(_session(), code, client=client.row)
        return Code(row) if row is not None and row.created_at + CODE_LIFETIME > utcnow() else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        _session().delete(authorization_code.row)

    def authenticate_user(self, authorization_code: Code) -> Learner:
        return authorization_code.row.learner


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token works once

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        row = oauth.token_by_refresh(_session(), refresh_token)
        if row is None or row.revoked_at is not None or row.refresh_expires_at <= utcnow():
            return None
        return Token(row)

    def authenticate_user(self, refresh_token: Token) -> Learner:
        return refresh_token.row.learner

    def revoke_old_credential(self, refresh_token: Token) -> None:
        refresh_token.row.revoked_at = utcnow()


class Registration(ClientRegistrationEndpoint):
    """RFC 7591: open to any application (the learner decides on the consent page what it may do)."""

    def authenticate_token(self, request: Any) -> bool:
        return True

    def get_server_metadata(self) -> dict[str, Any]:
        return {"scopes_supported": list(SCOPES), "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": AUTH_METHODS}

    def save_client(self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: Any) -> Client:
        metadata = {"token_endpoint_auth_method": "client_secret_basic", **client_metadata}
        row = OAuthClient(client_id=client_info["client_id"], secret_hash=digest(client_info["client_secret"]),
                          client_name=str(metadata.get("client_name", ""))[:200],
                          client_metadata=json.dumps(metadata).encode(), created_at=utcnow())
        _session().add(row)
        return Client(row)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        session = _session()
        row = (oauth.token_by_refresh(session, token_string) if token_type_hint == "refresh_token" else None) \
            or oauth.token_by_access(session, token_string) or oauth.token_by_refresh(session, token_string)
        return Token(row) if row is not None else None

    def revoke_token(self, token: Token, request: Any) -> None:
        token.row.revoked_at = token.row.revoked_at or utcnow()


class Bearer(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> Token | None:
        row = oauth.token_by_access(_session(), token_string)
        return Token(row) if row is not None else None


def _query_client(client_id: str) -> Client | None:
    row = oauth.client_by_client_id(_session(), client_id)
    return Client(row) if row is not None else None


def _save_token(token: dict[str, Any], request: Any) -> None:
    now: datetime = utcnow()
    _session().add(OAuthToken(
        client_id=request.client.row.id, learner_id=request.user.id, access_hash=digest(token["access_token"]),
        refresh_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
        scope=token.get("scope", ""), issued_at=now, expires_in=int(token["expires_in"]),
        refresh_expires_at=now + REFRESH_LIFETIME))


def install(app: App) -> None:
    """Build the authorization server and the resource protector for `app` (in app.extensions)."""
    server = AuthorizationServer(query_client=_query_client, save_token=_save_token)
    server.load_config({"OAUTH2_REFRESH_TOKEN_GENERATOR": True, "OAUTH2_SCOPES_SUPPORTED": list(SCOPES),
                        "OAUTH2_TOKEN_EXPIRES_IN": {"authorization_code": ACCESS_LIFETIME_S,
                                                    "refresh_token": ACCESS_LIFETIME_S}})
    server.register_grant(CodeGrant, [S256Challenge(required=True)])
    server.register_grant(RefreshGrant)
    server.register_endpoint(Registration)
    server.register_endpoint(Revocation)
    protector = ResourceProtector()
    protector.register_token_validator(Bearer())
    app.extensions[SERVER], app.extensions[PROTECTOR] = server, protector


def server() -> AuthorizationServer:
    return current_app.extensions[SERVER]


def protector() -> ResourceProtector:
    return current_app.extensions[PROTECTOR]

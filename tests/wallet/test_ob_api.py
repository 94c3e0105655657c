"""The Open Badges API's edges: PKCE is required (S256 only) and checked, the learner must be signed in and may
deny, registration input is bounded, tokens are stored as digests, and errors are imsx_StatusInfo."""
from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy import select

from bootstrap.wiring import Services
from store.db import transaction
from store.oauth import OAuthToken
from store.wallet import Learner, LearnerEmail
from tests.wallet.ob_client import ALL_SCOPES, PASSWORD, REDIRECT_URI, REGISTRATION, make_learner, problems
from tests.wallet.people import post
from web.http import utcnow

EMAIL = "minji.kim@example.com"
API = "/ims/ob/v3p0"


def register(client: FlaskClient) -> tuple[str, str]:
    response = client.post(f"{API}/oauth/register", json=REGISTRATION)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["client_id"], response.json["client_secret"]  # type: ignore[index]


def signed_in(app: Flask, svc: Services, client: FlaskClient) -> None:
    make_learner(app, svc, email=EMAIL)
    assert post(client, "/wallet/signin", {"email": EMAIL, "password": PASSWORD}).status_code == 302


def authorize(client_id: str, **extra: str) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI, "scope": ALL_SCOPES,
             "state": "s1", **extra}
    return f"/wallet/apps/authorize?{urlencode(query)}"


def returned(location: str) -> dict[str, str]:
    assert location.startswith(REDIRECT_URI), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def access_token(client: FlaskClient, client_id: str, secret: str) -> str:
    """The signed-in learner allows the app, which exchanges the code (with its PKCE verifier) for a token."""
    url = authorize(client_id, code_challenge=challenge("v" * 50), code_challenge_method="S256")
    code = returned(post(client, url, {"decision": "allow"}).headers["Location"])["code"]
    auth = {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}
    return str(client.post(f"{API}/oauth/token", headers=auth, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": "v" * 50}).json["access_token"])  # type: ignore[index]


def test_the_discovery_document_is_valid_openapi_with_the_ob_security_scheme(client: FlaskClient) -> None:
    document = client.get(f"{API}/discovery").json
    assert document is not None
    validate(document)
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    flow = scheme["flows"]["authorizationCode"]
    assert scheme["x-imssf-registrationUrl"].endswith(f"{API}/oauth/register")
    assert flow["authorizationUrl"].endswith("/wallet/apps/authorize") and flow["refreshUrl"] == flow["tokenUrl"]
    assert set(flow["scopes"]) == set(ALL_SCOPES.split())
    assert client.get(urlsplit(document["info"]["x-imssf-privacyPolicyUrl"]).path).status_code == 200


def test_the_consent_page_asks_a_signed_out_learner_to_sign_in_first(client: FlaskClient) -> None:
    client_id, _ = register(client)
    response = client.get(authorize(client_id, code_challenge=challenge("v" * 50), code_challenge_method="S256"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/wallet/signin?next=")


@pytest.mark.parametrize("pkce, error", [({}, "PKCE is required"),
                                         ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "S256")])
def test_an_authorization_request_without_s256_pkce_goes_back_to_the_app_as_an_error(
        app: Flask, svc: Services, client: FlaskClient, pkce: dict[str, str], error: str) -> None:
    client_id, _ = register(client)
    signed_in(app, svc, client)
    answer = returned(client.get(authorize(client_id, **pkce)).headers["Location"])
    assert answer["error"] == "invalid_request" and error in answer["error_description"] and answer["state"] == "s1"


def test_an_unknown_app_or_redirect_uri_gets_a_page_never_a_redirect(app: Flask, svc: Services,
                                                                       client: FlaskClient) -> None:
    client_id, _ = register(client)
    signed_in(app, svc, client)
    for url in (authorize("no-such-app"), authorize(client_id, redirect_uri="https://evil.example/cb")):
        response = client.get(url, headers={"Accept-Language": "ko"})
        assert response.status_code == 400 and "앱의 요청을 처리할 수 없습니다" in response.get_data(as_text=True)


def test_a_learner_who_denies_sends_the_app_access_denied(app: Flask, svc: Services, client: FlaskClient) -> None:
    client_id, _ = register(client)
    signed_in(app, svc, client)
    url = authorize(client_id, code_challenge=challenge("v" * 50), code_challenge_method="S256")
    assert returned(post(client, url, {"decision": "deny"}).headers["Location"])["error"] == "access_denied"


@pytest.mark.parametrize("verifier, error", [(None, "invalid_request"), ("w" * 50, "invalid_grant")])
def test_a_code_is_exchanged_only_with_its_pkce_verifier(app: Flask, svc: Services, client: FlaskClient,
                                                         verifier: str | None, error: str) -> None:
    client_id, secret = register(client)
    signed_in(app, svc, client)
    url = authorize(client_id, code_challenge=challenge("v" * 50), code_challenge_method="S256")
    code = returned(post(client, url, {"decision": "allow"}).headers["Location"])["code"]
    auth = {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    refused = client.post(f"{API}/oauth/token", data={**form, **({"code_verifier": verifier} if verifier else {})},
                          headers=auth)
    assert refused.status_code == 400 and refused.json["error"] == error  # type: ignore[index]
    good = client.post(f"{API}/oauth/token", data={**form, "code_verifier": "v" * 50}, headers=auth)
    assert good.status_code == 200, good.get_data(as_text=True)  # a failed exchange leaves the code usable once
    token = good.json["access_token"]  # type: ignore[index]
    with transaction(svc.sessions) as session:
        stored = session.scalars(select(OAuthToken)).one()
        assert stored.access_hash == hashlib.sha256(token.encode()).hexdigest()  # a digest, never the token
    again = client.post(f"{API}/oauth/token", data={**form, "code_verifier": "v" * 50}, headers=auth)
    assert again.status_code == 400 and again.json["error"] == "invalid_grant"  # type: ignore[index]
    revoked = client.post(f"{API}/oauth/revoke", data={"token": token}, headers=auth)
    assert revoked.status_code == 200
    cut_off = client.get(f"{API}/profile", headers={"Authorization": f"Bearer {token}"})
    assert cut_off.status_code == 401 and problems(cut_off.json, "imsx_statusinfo") == []


@pytest.mark.parametrize("body", [{"client_name": "x"}, {**REGISTRATION, "redirect_uris": ["http://evil.example/"]},
                                  {**REGISTRATION, "client_name": "x" * 201},
                                  {**REGISTRATION, "scope": "https://example.org/everything"}])
def test_a_registration_outside_the_rules_is_refused_as_invalid_client_metadata(client: FlaskClient,
                                                                               body: dict[str, object]) -> None:
    response = client.post(f"{API}/oauth/register", json=body)
    assert response.status_code == 400 and response.json["error"] == "invalid_client_metadata"  # type: ignore[index]


def test_resource_errors_are_imsx_status_info(client: FlaskClient) -> None:
    for response in (client.get(f"{API}/credentials"),
                     client.get(f"{API}/credentials", headers={"Authorization": "Bearer " + secrets.token_hex(20)}),
                     client.get(f"{API}/credentials?limit=abc"),
                     client.put(f"{API}/profile", json={"name": "x"})):
        assert response.status_code in (400, 401) and problems(response.json, "imsx_statusinfo") == []
    # what the API does not offer: a method a path does not take, a path it does not have (not the pages' errors)
    for response, status in ((client.post(f"{API}/profile", json={}, headers={"Authorization": "Bearer x"}), 405),
                             (client.delete(f"{API}/profile"), 405), (client.get(f"{API}/achievements"), 404)):
        assert response.status_code == status and response.mimetype == "application/json", response.data
        assert problems(response.json, "imsx_statusinfo") == []
    assert "PUT" in client.delete(f"{API}/profile").headers["Allow"]


def test_an_apps_hostile_upserts_are_refused_as_imsx_and_keep_nothing(app: Flask, svc: Services,
                                                                      client: FlaskClient) -> None:
    client_id, secret = register(client)
    signed_in(app, svc, client)
    token = access_token(client, client_id, secret)
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in (b'{"a": "' + b"x" * 2_000_001 + b'"}',  # over the import's size limit
                 b"[" * 100_000 + b"]" * 100_000,  # nested past any parser's patience
                 b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiableCredential"'):  # cut off
        refused = client.post(f"{API}/credentials", data=body, headers=bearer)
        assert 400 <= refused.status_code < 500, refused.status_code
        assert problems(refused.json, "imsx_statusinfo") == []
    listed = client.get(f"{API}/credentials", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "0"


def test_the_profile_of_a_learner_with_two_addresses_conforms_to_the_official_profile_schema(
        app: Flask, svc: Services, client: FlaskClient) -> None:
    client_id, secret = register(client)
    signed_in(app, svc, client)
    with transaction(svc.sessions) as session:
        learner = session.scalars(select(Learner)).one()
        session.add(LearnerEmail(learner_id=learner.id, address="minji@work.example", created_at=utcnow(),
                                 verified_address="minji@work.example", verified_at=utcnow()))
    token = access_token(client, client_id, secret)
    profile = client.get(f"{API}/profile", headers={"Authorization": f"Bearer {token}"})
    assert profile.status_code == 200 and problems(profile.json, "profile") == []
    assert profile.json["email"] == EMAIL  # type: ignore[index]
    assert profile.json["otherIdentifier"] == [  # type: ignore[index]
        {"type": "IdentifierEntry", "identifier": "minji@work.example", "identifierType": "emailAddress"}]

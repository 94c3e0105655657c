"""The Open Badges 3.0 API (Host) driven by a real OAuth 2.0 client (Authlib's requests OAuth2Session) against a
live server, the learner's consent clicked in headless Chromium; every response checked against the official
1EdTech schemas."""
from __future__ import annotations

import json
import secrets

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import Page, Route, expect

from bootstrap.wiring import Services
from store.models import Credential
from tests.conftest import LiveServer
from tests.factories import issue, make_course, make_org
from tests.wallet.ob_client import ALL_SCOPES, PASSWORD, REDIRECT_URI, REGISTRATION, SCOPE, make_learner, problems

pytestmark = pytest.mark.browser
EMAIL = "minji.kim@example.com"


def stored(svc: Services, credential_id: str) -> bytes:
    with svc.sessions() as session:
        return session.get_one(Credential, credential_id).document


def consent_in_browser(page: Page, live: str, authorization_url: str) -> str:
    """Sign in to the wallet, open the application's authorization URL, check the consent page and allow;
    returns the URL the wallet sent the browser back to (the application is not served: the route catches it)."""
    landed: list[str] = []

    def callback(route: Route) -> None:
        landed.append(route.request.url)
        route.fulfill(status=200, body="ok")

    page.route(REDIRECT_URI + "**", callback)
    page.goto(f"{live}/wallet/signin")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form[action='/wallet/signin'] button[type=submit]")
    page.wait_for_url(f"{live}/wallet")  # the wallet collects the badge issued to the address on the way
    page.goto(authorization_url)
    assert page.inner_text("h1") == "「배지 모음 앱」이(가) 내 배지를 읽으려고 합니다"
    scopes = page.eval_on_selector_all("#scopes li", "els => els.map(e => e.dataset.scope)")
    assert scopes == ["credential.readonly", "credential.upsert", "profile.readonly", "profile.update"]
    assert "숨긴 배지는 빼고" in page.inner_text("#scopes")
    page.click("#allow")
    page.wait_for_function("() => document.body.innerText === 'ok'")
    assert len(landed) == 1
    return landed[0]


def test_an_app_registers_gets_consent_lists_upserts_profiles_refreshes_and_is_cut_off(
        live_server: LiveServer, page: Page) -> None:
    live, svc = live_server.url, live_server.services
    assert live_server.app is not None
    org, _ = make_org(svc)
    course = make_course(svc, org)
    make_learner(live_server.app, svc, email=EMAIL)
    collected = issue(svc, org, course, email=EMAIL)

    discovery = requests.get(f"{live}/ims/ob/v3p0/discovery", timeout=10).json()
    acg = discovery["components"]["securitySchemes"]["OAuth2ACG"]
    flow = acg["flows"]["authorizationCode"]
    assert set(flow["scopes"]) == set(ALL_SCOPES.split())
    assert discovery["info"]["x-imssf-privacyPolicyUrl"].startswith(live)
    registered = requests.post(acg["x-imssf-registrationUrl"], json=REGISTRATION, timeout=10)
    assert registered.status_code == 201, registered.text
    client = registered.json()

    app = OAuth2Session(client["client_id"], client["client_secret"], scope=ALL_SCOPES, redirect_uri=REDIRECT_URI,
                        code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    authorization_url, state = app.create_authorization_url(flow["authorizationUrl"], code_verifier=verifier)
    back = consent_in_browser(page, live, authorization_url)
    token = app.fetch_token(flow["tokenUrl"], authorization_response=back, code_verifier=verifier, state=state)
    assert token["refresh_token"] and set(token["scope"].split()) == set(ALL_SCOPES.split())

    api = f"{live}/ims/ob/v3p0"
    listed = app.get(f"{api}/credentials")
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert problems(listed.json(), "getopenbadgecredentialsresponse") == []
    assert listed.json()["credential"] == [json.loads(stored(svc, collected))]  # exactly as issued

    later = make_course(svc, org, name_ko="데이터 엔지니어링", name_en="Data Engineering")
    raw = stored(svc, issue(svc, org, later, email=EMAIL))  # issued after the wallet last looked
    added = app.post(f"{api}/credentials", data=raw, headers={"Content-Type": "application/json"})
    assert added.status_code == 201, added.text
    assert added.content == raw
    again = app.post(f"{api}/credentials", data=raw, headers={"Content-Type": "application/json"})
    assert again.status_code == 200

    tampered = json.loads(raw)
    tampered["credentialSubject"]["achievement"]["name"] = "위조된 과정"
    refused = app.post(f"{api}/credentials", json=tampered)
    assert refused.status_code == 400 and problems(refused.json(), "imsx_statusinfo") == []
    assert "not genuine" in refused.json()["imsx_description"]

    first = app.get(f"{api}/credentials", params={"limit": 1})
    assert first.headers["X-Total-Count"] == "2" and len(first.json()["credential"]) == 1
    assert 'rel="next"' in first.headers["Link"] and "offset=1" in first.headers["Link"]

    profile = app.get(f"{api}/profile")
    assert profile.status_code == 200 and problems(profile.json(), "profile") == []
    assert profile.json()["email"] == EMAIL and profile.json()["name"] == "김민지"
    changed = app.put(f"{api}/profile", json={**profile.json(), "name": "김민지 (Minji Kim)"})
    assert changed.status_code == 200 and problems(changed.json(), "profile") == []
    assert app.get(f"{api}/profile").json()["name"] == "김민지 (Minji Kim)"
    stranger = app.put(f"{api}/profile", json={"name": "X", "email": "someone@else.example"})
    assert stranger.status_code == 400 and problems(stranger.json(), "imsx_statusinfo") == []

    old_access = token["access_token"]
    narrower = app.refresh_token(flow["refreshUrl"], scope=SCOPE + "credential.readonly")
    assert narrower["access_token"] != old_access and narrower["scope"] == SCOPE + "credential.readonly"
    assert requests.get(f"{api}/credentials", headers={"Authorization": f"Bearer {old_access}"},
                        timeout=10).status_code == 401  # the refresh retired the old pair
    assert app.get(f"{api}/credentials").status_code == 200
    wrong_scope = app.post(f"{api}/credentials", data=raw, headers={"Content-Type": "application/json"})
    assert wrong_scope.status_code == 403 and problems(wrong_scope.json(), "imsx_statusinfo") == []
    assert wrong_scope.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "forbidden"

    page.goto(f"{live}/wallet/account")
    page.click("#apps-link")
    expect(page.locator("[data-app='배지 모음 앱'] [data-scope]")).to_have_text("지갑에 있는 내 배지를 봅니다(숨긴 배지는 빼고).")
    page.click("[data-app='배지 모음 앱'] button")
    page.locator("#no-apps").wait_for()  # the page after the revocation says no app is connected

    cut_off = app.get(f"{api}/credentials")
    assert cut_off.status_code == 401 and problems(cut_off.json(), "imsx_statusinfo") == []
    assert cut_off.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == \
        "unauthorizedrequest"
    refreshed = requests.post(flow["refreshUrl"], data={"grant_type": "refresh_token",
                                                        "refresh_token": narrower["refresh_token"]},
                              auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"

"""End to end on a live server: issue through the API, scan the page's QR code, read the report."""
from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from badges.fetch import FetchPolicy
from badges.resolve import HttpResolver
from badges.verify import verify_credential
from tests.conftest import LiveServer
from tests.factories import make_course, make_org


def call(method: str, url: str, body: object | None = None, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def scan(image_path: Path) -> str:
    """The text of the one QR code in a screenshot, read by a real decoder."""
    codes = [c for c in zxingcpp.read_barcodes(Image.open(image_path)) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, f"expected one QR code in {image_path}, found {len(codes)}"
    return codes[0].text


def screenshot(page: Page, url: str, path: Path) -> Path:
    page.goto(url)
    page.screenshot(path=path, full_page=True)
    return path


def test_employer_scans_the_qr_code_and_sees_valid_then_revoked(live_server: LiveServer, page: Page,
                                                                tmp_path: Path) -> None:
    svc = live_server.services
    org, token = make_org(svc, "bootcamp", with_token=True)
    course = make_course(svc, org)
    status, body = call("POST", f"{live_server.url}/api/v1/achievements/{course.public_id}/credentials",
                        {"recipient": {"name": "정하은", "email": "haeun@example.com"}}, token)
    assert status == 201
    credential_url = json.loads(body)["id"]

    landing_url = scan(screenshot(page, credential_url, tmp_path / "credential.png"))
    assert landing_url.startswith(f"{live_server.url}/v/")
    page.goto(landing_url)
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    assert "유효한 배지입니다" in page.inner_text("#verdict")

    credential_id = credential_url.rsplit("/", 1)[1]
    call("POST", f"{live_server.url}/api/v1/credentials/{credential_id}/revoke", {"reason": "발급 오류"}, token)
    page.goto(scan(screenshot(page, credential_url, tmp_path / "after.png")))
    assert page.get_attribute("#verdict", "data-verdict") == "revoked"
    assert page.get_attribute('[data-check="status"]', "data-outcome") == "failed"
    page.fill("#email", "haeun@example.com")
    page.click("button[type=submit]")
    assert page.get_attribute('[data-check="recipient"]', "data-outcome") == "passed"


def test_another_verifier_resolves_our_did_web_and_status_list_over_http(live_server: LiveServer) -> None:
    svc = live_server.services
    org, token = make_org(svc, "academy", with_token=True)
    course = make_course(svc, org)
    _, body = call("POST", f"{live_server.url}/api/v1/achievements/{course.public_id}/credentials",
                   {"recipient": {"name": "오지훈", "email": "jihoon@example.com"}}, token)
    assert json.loads(body)["issuer"]["id"].startswith("did:web:127.0.0.1%3A")
    resolver = HttpResolver(FetchPolicy(allow_http=True, allow_private=True), did_web_scheme="http")
    report = verify_credential(body, resolve=resolver, now=datetime.now(UTC))
    assert report.verdict == "valid", report.as_json()
    strict = HttpResolver(FetchPolicy(), did_web_scheme="http")
    refused = verify_credential(body, resolve=strict, now=datetime.now(UTC))
    assert refused.verdict == "unknown"
    assert refused.check("issuer_key").problem.code == "issuer_key.unresolvable"


def test_the_verify_page_checks_an_uploaded_baked_badge(live_server: LiveServer, page: Page, tmp_path: Path) -> None:
    svc = live_server.services
    org, token = make_org(svc, "uni", with_token=True)
    course = make_course(svc, org)
    _, body = call("POST", f"{live_server.url}/api/v1/achievements/{course.public_id}/credentials",
                   {"recipient": {"name": "Alex Kim", "email": "alex@example.com"}, "publishName": True}, token)
    credential_id = json.loads(body)["id"].rsplit("/", 1)[1]
    with urllib.request.urlopen(f"{live_server.url}/credentials/{credential_id}.png", timeout=30) as response:
        (tmp_path / "badge.png").write_bytes(response.read())
    page.goto(f"{live_server.url}/verify?lang=en")
    page.set_input_files("#file", tmp_path / "badge.png")
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    expect(page.locator("#verdict")).to_contain_text("Valid badge")
    expect(page.locator("main")).to_contain_text("Alex Kim")
    page.screenshot(path=tmp_path / "report.png", full_page=True)


def test_the_verify_page_reports_pasted_tampered_json_as_not_genuine(live_server: LiveServer, page: Page) -> None:
    svc = live_server.services
    org, token = make_org(svc, "uni", with_token=True)
    course = make_course(svc, org)
    _, body = call("POST", f"{live_server.url}/api/v1/achievements/{course.public_id}/credentials",
                   {"recipient": {"name": "Alex Kim", "email": "alex@example.com"}, "publishName": True}, token)
    page.goto(f"{live_server.url}/verify")
    page.fill("#credential", body.decode().replace("Alex Kim", "Alex Lee"))
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "not_genuine"
    assert page.get_attribute('[data-check="proof"]', "data-outcome") == "failed"
    assert page.get_attribute('[data-check="status"]', "data-outcome") == "skipped"

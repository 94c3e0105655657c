"""An employer on a phone (412 px, Korean) verifies badges in a real headless Chromium: a baked PNG, pasted
JSON, another issuer's VC-JWT, the QR landing page, a photo of the QR code and the in-page camera."""
from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from badges import qr
from tests.conftest import LiveServer
from tests.e2e.browser import FLAGS, chromium, keep
from tests.factories import issue, make_course, make_org
from tests.verifier.remote import RemoteIssuer, remote  # noqa: F401 (remote is a fixture)

PHONE = {"width": 412, "height": 915}


def our_badge(live_server: LiveServer) -> str:
    """A badge of a member organisation of the live server; returns its id."""
    svc = live_server.services
    org, _ = make_org(svc, "hanbit")
    return issue(svc, org, make_course(svc, org), email="minji.kim@example.com")


def download(url: str, path: Path) -> Path:
    with urllib.request.urlopen(url, timeout=30) as response:
        path.write_bytes(response.read())
    return path


def qr_photo(text: str, path: Path) -> Path:
    """A JPEG like a phone photo of a printed QR code: grey desk, the code smaller and off-centre."""
    code = Image.open(io.BytesIO(qr.qr_png(text))).convert("RGB").resize((420, 420))
    photo = Image.new("RGB", (1280, 960), (120, 124, 130))
    photo.paste(code, (610, 300))
    photo.save(path, format="JPEG", quality=85)
    return path


def shot(page: Page, path: Path) -> None:
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000
    keep(path, f"employer-{path.stem}")


def test_a_baked_png_uploaded_on_a_phone_is_valid_and_names_the_member(live_server: LiveServer, page: Page,
                                                                       tmp_path: Path) -> None:
    credential_id = our_badge(live_server)
    png = download(f"{live_server.url}/credentials/{credential_id}.png", tmp_path / "badge.png")
    page.goto(f"{live_server.url}/verify")
    shot(page, tmp_path / "verify-page-ko.png")
    page.set_input_files("#file", png)
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    expect(page.locator("#verdict")).to_contain_text("유효한 배지입니다")
    expect(page.locator("#member")).to_contain_text("등록된 회원 기관: hanbit 아카데미")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing overflows sideways
    shot(page, tmp_path / "report-valid-ko.png")


def test_pasted_tampered_json_is_not_genuine_in_english_after_the_switch(live_server: LiveServer, page: Page,
                                                                         tmp_path: Path) -> None:
    credential_id = our_badge(live_server)
    with urllib.request.urlopen(f"{live_server.url}/credentials/{credential_id}.json", timeout=30) as response:
        document = json.loads(response.read())
    document["credentialSubject"]["name"] = "위조자"
    page.goto(f"{live_server.url}/verify")
    page.click("header a[hreflang=en]")
    expect(page.locator("main")).to_contain_text("Scan the QR code")  # waits for the English page
    page.fill("#credential", json.dumps(document, ensure_ascii=False))
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "not_genuine"
    assert page.get_attribute('[data-check="proof"]', "data-outcome") == "failed"
    expect(page.locator("#summary")).to_contain_text("What the document claims (not verified)")  # no facts
    shot(page, tmp_path / "report-not-genuine-en.png")


def test_another_issuers_vc_jwt_pasted_on_the_page_is_checked_over_http(live_server: LiveServer, page: Page,
                                                                        remote: RemoteIssuer, tmp_path: Path) -> None:
    page.goto(f"{live_server.url}/verify")
    page.fill("#credential", remote.issuer.vc_jwt())
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    assert page.get_attribute("#format", "data-format") == "vc-jwt"
    assert remote.hits["/.well-known/did.json"] == 1 and remote.hits["/status/1"] == 1
    shot(page, tmp_path / "report-vc-jwt-ko.png")


def test_a_withdrawn_ob2_badge_shows_revoked_and_a_silent_issuer_shows_could_not_check(
        live_server: LiveServer, page: Page, remote: RemoteIssuer, tmp_path: Path) -> None:
    assertion = remote.issuer.ob2_assertion()
    remote.issuer.publish(assertion["id"], {"id": assertion["id"], "revoked": True}, 410)
    (tmp_path / "assertion.json").write_text(json.dumps(assertion))
    page.goto(f"{live_server.url}/verify?lang=en")
    page.set_input_files("#file", tmp_path / "assertion.json")  # the file the candidate kept from a backpack
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "revoked"
    assert page.get_attribute("#format", "data-format") == "ob2-hosted"
    assert "Legacy Academy" in page.inner_text("#issuer")
    shot(page, tmp_path / "report-ob2-revoked-en.png")
    credential = remote.issuer.data_integrity()
    remote.stop()
    page.goto(f"{live_server.url}/verify")
    page.fill("#credential", json.dumps(credential, ensure_ascii=False))
    page.click("button[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "unknown"
    assert page.get_attribute('[data-check="issuer_key"]', "data-outcome") == "unknown"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # long URLs wrap
    shot(page, tmp_path / "report-unknown-ko.png")


def test_the_qr_landing_confirms_the_holder_and_offers_the_pdf(live_server: LiveServer, page: Page,
                                                              tmp_path: Path) -> None:
    credential_id = our_badge(live_server)
    page.goto(f"{live_server.url}/v/{credential_id}")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    page.fill("#email", "Minji.Kim@example.com")
    page.click("#holder button[type=submit]")
    assert page.get_attribute('[data-check="recipient"]', "data-outcome") == "passed"
    shot(page, tmp_path / "landing-holder-ko.png")
    with page.expect_download() as caught:
        page.click("#download-pdf")
    pdf = caught.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")


def test_a_photo_of_the_qr_code_opens_the_landing_page(live_server: LiveServer, page: Page, tmp_path: Path) -> None:
    credential_id = our_badge(live_server)
    photo = qr_photo(f"{live_server.url}/v/{credential_id}", tmp_path / "photo.jpg")
    page.goto(f"{live_server.url}/verify")
    with page.expect_navigation():
        page.set_input_files("#photo", photo)  # verify.js submits as soon as a photo is chosen
    assert page.url == f"{live_server.url}/v/{credential_id}"
    assert page.get_attribute("#verdict", "data-verdict") == "valid"


def y4m(image: Image.Image, path: Path, frames: int = 5) -> Path:
    """A raw YUV 4:2:0 video of `image`, for Chromium's fake camera."""
    width, height = image.size
    y, cb, cr = image.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((width // 2, height // 2)).tobytes() + cr.resize((width // 2, height // 2)).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def camera_browser(chromium_browser: Browser, tmp_path: Path) -> Iterator[tuple[Browser, Path]]:
    """A second Chromium whose camera films a video file the test writes to the returned path before use."""
    video = tmp_path / "camera.y4m"
    browser = chromium_browser.browser_type.launch(executable_path=chromium(), args=[
        *FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    yield browser, video
    browser.close()


def test_the_in_page_camera_reads_the_qr_code_and_opens_the_landing_page(
        live_server: LiveServer, camera_browser: tuple[Browser, Path], tmp_path: Path) -> None:
    browser, video = camera_browser
    credential_id = our_badge(live_server)
    code = Image.open(io.BytesIO(qr.qr_png(f"{live_server.url}/v/{credential_id}"))).convert("RGB")
    frame = Image.new("RGB", (640, 480), (200, 200, 200))
    frame.paste(code.resize((400, 400)), (120, 40))
    y4m(frame, video)
    context = browser.new_context(locale="ko-KR", viewport=PHONE, permissions=["camera"])
    page = context.new_page()
    page.goto(f"{live_server.url}/verify")
    # Chromium on Linux has no BarcodeDetector, so this is the path for browsers without it: the page sends the
    # frame, the server decodes it. Where BarcodeDetector exists the page reads the code itself (verify.js).
    has_detector = page.evaluate("'BarcodeDetector' in window")
    page.click("#camera-start")
    page.locator("#camera").wait_for(state="visible")  # shown once the video plays
    assert page.evaluate("document.getElementById('camera-video').videoWidth") == 640
    shot(page, tmp_path / "camera-ko.png")
    if not has_detector:
        with page.expect_navigation():
            page.click("#camera-capture")
    else:
        page.wait_for_url(f"{live_server.url}/v/{credential_id}")
    assert page.url.startswith(f"{live_server.url}/v/{credential_id}")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    context.close()

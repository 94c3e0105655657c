"""A trainee's whole journey in headless Chromium on a phone-sized screen, against a live server with real mail:
sign up, see a badge issued here appear, import a foreign one, share the profile, open the link signed out,
and scan the PDF's QR codes with a real decoder to reach passing verifications."""
from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.conftest import LiveServer, SmtpSink
from tests.e2e.browser import keep
from tests.factories import issue, make_course, make_org
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import PASSWORD, Mailbox
from web.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture
def server(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[LiveServer]:
    live = LiveServer(replace(settings, smtp_url=smtp_server[0]))
    live.start()
    yield live
    live.stop()


def shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=directory / f"{name}.png", full_page=True)
    keep(directory / f"{name}.png", f"trainee-{name}")


def test_a_trainee_collects_imports_shares_and_an_employer_verifies_the_pdf(
        server: LiveServer, page: Page, chromium_browser: Browser, smtp_server: tuple[str, SmtpSink],
        tmp_path: Path) -> None:
    org, _ = make_org(server.services, "bootcamp")
    issue(server.services, org, make_course(server.services, org), email="minji.kim@example.com")

    page.goto(f"{server.url}/wallet/signup")
    page.fill("#name", "김민지")
    page.fill("#email", "minji.kim@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#sent-to")).to_contain_text("minji.kim@example.com")
    shot(page, tmp_path, "1-check-email")

    link = Mailbox(smtp_server[1], server.url).link("minji.kim@example.com")
    page.goto(server.url + link)
    page.click("#use-link")
    assert page.url == f"{server.url}/wallet"
    expect(page.locator("#timeline")).to_contain_text("클라우드 네이티브 개발")
    assert page.get_attribute("#timeline [data-verdict]", "data-verdict") == "valid"

    with foreign_issuer(name="부산코딩스쿨") as busan:
        credential = busan.credential(email="minji.kim@example.com", name="김민지", title="Python 데이터 분석",
                                      hours=40, tags=["Python", "pandas", "데이터 시각화"],
                                      alignments=["NCS 2001010201"])
        (tmp_path / "badge.json").write_text(json.dumps(credential, ensure_ascii=False))
        page.goto(f"{server.url}/wallet/import")
        shot(page, tmp_path, "2-import")
        page.set_input_files("#file", tmp_path / "badge.json")
        page.click("#import-file button[type=submit]")
        assert page.get_attribute("#state [data-verdict]", "data-verdict") == "valid"
        page.click("#toggle-profile")
        shot(page, tmp_path, "3-item")
        page.goto(f"{server.url}/wallet")
        assert page.inner_text("#total-hours") == "40" and page.inner_text("#total-badges") == "2"
        shot(page, tmp_path, "4-history")

        page.goto(f"{server.url}/wallet/share")
        page.check("#shows-profile")  # the link shows what is on the public profile, not every badge
        page.click("#create-profile-link")
        profile_url = page.input_value("#profile-links .link-url")
        shot(page, tmp_path, "5-share")

        visitor = chromium_browser.new_context(locale="ko-KR", viewport={"width": 412, "height": 915})
        stranger = visitor.new_page()
        stranger.goto(profile_url)
        assert stranger.inner_text("#learner-name") == "김민지"
        assert "Python 데이터 분석" in stranger.inner_text("#timeline")
        assert "클라우드 네이티브 개발" not in stranger.content()  # not chosen for the profile
        shot(stranger, tmp_path, "6-public-profile")
        stranger.goto(f"{server.url}/wallet")
        assert "/wallet/signin" in stranger.url  # the wallet itself stays closed

        page.goto(f"{server.url}/wallet/export")
        with page.expect_download() as download:
            page.click("#pdf-ko")
        download.value.save_as(tmp_path / "career.pdf")
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "career.pdf"), str(tmp_path / "pdf")],
                       check=True)
        urls = [code.text for image in sorted(tmp_path.glob("pdf*.png"))
                for code in zxingcpp.read_barcodes(Image.open(image))]
        assert len(urls) == 2 and all(u.startswith(server.url) for u in urls)
        for url in urls:
            stranger.goto(url)
            assert stranger.get_attribute("#verdict", "data-verdict") == "valid", url
        shot(stranger, tmp_path, "7-verified-from-pdf")
        visitor.close()
    assert re.fullmatch(rf"{re.escape(server.url)}/s/[\w-]+", profile_url)

"""The CLR transcript in headless Chromium, in Korean and in English: a learner downloads it from the wallet's
export page, and an employer uploads it on the verify page and sees every badge inside with its verdict."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LiveServer, SmtpSink
from tests.factories import issue, make_course, make_org
from tests.wallet.people import PASSWORD, Mailbox
from web.settings import Settings

pytestmark = pytest.mark.browser
TEXT = {"ko": ("성적증명서(CLR) 내려받기", "유효한 성적증명서입니다", "포함된 배지"),
        "en": ("Download transcript (CLR)", "Valid transcript", "Badges inside")}


@pytest.fixture
def server(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[LiveServer]:
    live = LiveServer(replace(settings, smtp_url=smtp_server[0]))
    live.start()
    yield live
    live.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_learner_downloads_a_clr_and_an_employer_verifies_it(
        server: LiveServer, page: Page, smtp_server: tuple[str, SmtpSink], tmp_path: Path, lang: str) -> None:
    download_label, verdict, table = TEXT[lang]
    for slug in ("acme", "beta"):
        org, _ = make_org(server.services, slug)
        issue(server.services, org, make_course(server.services, org), email="minji.kim@example.com")
    page.goto(f"{server.url}/wallet/signup?lang={lang}")
    page.fill("#name", "김민지")
    page.fill("#email", "minji.kim@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(server.url + Mailbox(smtp_server[1], server.url).link("minji.kim@example.com"))
    page.click("#use-link")
    page.goto(f"{server.url}/wallet/export?lang={lang}")
    assert page.inner_text("#clr") == download_label
    with page.expect_download() as download:
        page.click("#clr")
    saved = tmp_path / "transcript.json"
    download.value.save_as(saved)
    page.goto(f"{server.url}/verify?lang={lang}")
    page.set_input_files("#file", str(saved))
    page.click("button.wide[type=submit]")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    expect(page.locator("#verdict")).to_contain_text(verdict)
    expect(page.locator("#clr-credentials")).to_contain_text(table)
    assert [row.get_attribute("data-verdict") for row in page.query_selector_all("tr.clr-inner")] == ["valid"] * 2

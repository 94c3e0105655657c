"""A trainee's badge page offers, near the top: share (the phone's share sheet, else the link copied), "Add to
LinkedIn" with the certification filled in, and "add to my wallet"."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page

from tests.conftest import LiveServer
from tests.e2e.test_korea_time import EARLY_MORNING_IN_SEOUL, keep
from tests.factories import issue, make_course, make_org


def badge(live_server: LiveServer) -> str:
    svc = live_server.services
    org, _ = make_org(svc, "hanbit")
    return issue(svc, org, make_course(svc, org), now=EARLY_MORNING_IN_SEOUL)


def test_add_to_linkedin_names_the_certification_organisation_date_url_and_id(live_server: LiveServer,
                                                                              page: Page) -> None:
    credential_id = badge(live_server)
    page.goto(f"{live_server.url}/credentials/{credential_id}?lang=en")
    keep(page, "actions-en")
    link = urlsplit(page.get_attribute("#linkedin", "href") or "")
    fields = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert link.netloc == "www.linkedin.com" and fields["startTask"] == "CERTIFICATION_NAME"
    assert fields["name"] == "Cloud Native Development" and fields["organizationName"] == "Hanbit Academy"
    assert (fields["issueYear"], fields["issueMonth"]) == ("2026", "12")  # the day in Korea: 3 December
    assert fields["certUrl"] == f"{live_server.url}/credentials/{credential_id}" and fields["certId"] == credential_id
    assert page.get_attribute("#add-wallet", "href") == "/wallet"


def test_share_copies_the_link_where_there_is_no_share_sheet(live_server: LiveServer, page: Page) -> None:
    credential_id = badge(live_server)
    page.add_init_script("delete Navigator.prototype.share")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/credentials/{credential_id}")
    page.click("#share")
    page.wait_for_function("document.getElementById('share-status').textContent.length > 0")
    assert page.inner_text("#share-status") == "링크를 복사했습니다."
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/credentials/{credential_id}"


def test_share_opens_the_share_sheet_where_there_is_one(live_server: LiveServer, page: Page) -> None:
    credential_id = badge(live_server)
    page.add_init_script("navigator.share = async (data) => { window.shared = data; };")
    page.goto(f"{live_server.url}/credentials/{credential_id}")
    page.click("#share")
    page.wait_for_function("window.shared !== undefined")
    assert page.evaluate("window.shared.url") == f"{live_server.url}/credentials/{credential_id}"

"""The operator certifies a member in the Digital Leaders Club from the alliance's console; the member's next
badge carries the certification and its QR landing shows it; a revocation there shows at once."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from store import orgs
from store.db import transaction
from store.models import Credential
from tests.conftest import LiveServer
from tests.factories import PASSWORD, issue, make_course, make_org, make_staff


def test_the_operator_certifies_and_revokes_and_the_badges_landing_follows(live_server: LiveServer,
                                                                            page: Page) -> None:
    svc = live_server.services
    svc.platform.attester()  # the alliance's own organisation
    with transaction(svc.sessions) as session:
        alliance = orgs.get_org(session, svc.settings.platform_slug)
    make_staff(svc, alliance, email="operator@alliance.example", role="owner")
    member, _ = make_org(svc, "hanbit", member=True)
    course = make_course(svc, member)

    page.goto(f"{live_server.url}/console/sign-in")
    page.fill("#email", "operator@alliance.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/console/{svc.settings.platform_slug}")
    page.click("nav.console-nav >> text=디지털 리더스 클럽")
    page.select_option("#dlc-slug", "hanbit")
    page.fill("#dlc-until", "2099-12-31")
    page.click("#dlc-grant-submit")
    expect(page.locator("li[data-slug=hanbit]")).to_have_attribute("data-certified", "true")
    expect(page.locator("li[data-slug=hanbit]")).to_contain_text("2099")

    credential_id = issue(svc, member, course, now=datetime.now(UTC))
    with transaction(svc.sessions) as session:
        document = json.loads(session.get_one(Credential, credential_id).document)
    assert document["issuer"]["endorsement"][0]["credentialSubject"]["id"] == member.did
    page.goto(f"{live_server.url}/v/{credential_id}?lang=ko")
    expect(page.locator("#dlc")).to_have_attribute("data-certified", "true")
    expect(page.locator("#dlc")).to_contain_text("디지털 리더스 클럽 인증 기관")
    page.goto(f"{live_server.url}/orgs/hanbit?lang=en")
    expect(page.locator("#dlc")).to_contain_text("Certified Digital Leaders Club member")

    page.goto(f"{live_server.url}/console/{svc.settings.platform_slug}/dlc")
    page.fill("#reason-hanbit", "재심사 미통과")
    page.click("li[data-slug=hanbit] button.danger")
    expect(page.locator("li[data-slug=hanbit]")).to_have_attribute("data-certified", "false")
    page.goto(f"{live_server.url}/v/{credential_id}?lang=en")
    expect(page.locator("#dlc")).to_have_attribute("data-certified", "false")
    expect(page.locator("#dlc")).to_contain_text("Revoked")


def test_a_members_console_has_no_such_page(live_server: LiveServer, page: Page) -> None:
    svc = live_server.services
    member, _ = make_org(svc, "hanbit", member=True)
    make_staff(svc, member, email="owner@hanbit.example", role="owner")
    page.goto(f"{live_server.url}/console/sign-in")
    page.fill("#email", "owner@hanbit.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("nav.console-nav")).not_to_contain_text("디지털 리더스 클럽")
    assert page.goto(f"{live_server.url}/console/hanbit/dlc").status == 404  # type: ignore[union-attr]

"""The wallet's progress toward a track across members, in a real headless Chromium on a desktop and a 390 px
phone: the count, which badges count and which is missing, in Korean and English, nothing sideways; then the last
badge from the other member completes the track and the owner's track badge arrives in the wallet by itself."""
from __future__ import annotations

from flask.testing import FlaskClient
from playwright.sync_api import Page, expect

from badges.results import ResultIn
from bootstrap.wiring import Services
from tests.e2e.test_korea_time import keep
from tests.e2e.test_plain_pages import SIDEWAYS
from tests.factories import issue
from tests.wallet.people import Mailbox, sign_up
from tests.wallet.test_pathways import LEARNER, make_track
from tests.wallet.test_phone_layout import served  # noqa: F401  (fixture)


def test_the_wallet_shows_progress_toward_a_track_on_a_desktop_and_a_phone(
        served: str, client: FlaskClient, svc: Services, mailbox: Mailbox, page: Page) -> None:
    a, b, track_badge, (cloud, api, topcit) = make_track(svc)
    issue(svc, a, cloud, email=LEARNER)
    issue(svc, b, topcit, email=LEARNER, results=(ResultIn("score", "800"), ResultIn("level", "5")))
    sign_up(client, mailbox, address=LEARNER)
    cookie = client.get_cookie("session")
    assert cookie is not None
    page.context.add_cookies([{"name": "session", "value": cookie.value, "url": served}])
    for width, lang, count, missing in ((1280, "ko", "3개 중 2개", "필요함"), (390, "en", "2 of 3", "Missing")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{served}/wallet?lang={lang}")
        track = page.locator("#pathways .pathway")
        expect(track.locator(".pathway-count")).to_have_text(count)
        expect(track.locator("li[data-met=true]")).to_have_count(2)
        expect(track.locator("li[data-met=false]")).to_contain_text(missing)
        expect(track.locator("li[data-met=false]")).to_contain_text("API")
        expect(track.locator("progress")).to_have_attribute("value", "2")
        keep(page, f"wallet-pathway-{width}-{lang}")
        assert not page.evaluate(SIDEWAYS)

    issue(svc, b, api, email=LEARNER)  # the last requirement, from the other member
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{served}/wallet?lang=ko")  # the wallet collects it; the track is complete, its owner awards it
    expect(page.locator("#pathways .pathway .pathway-count")).to_have_text("3개 중 3개")
    page.goto(f"{served}/wallet?lang=ko")
    expect(page.locator("#timeline")).to_contain_text(track_badge.name_ko)  # the track badge, in the wallet
    keep(page, "wallet-pathway-done-390-ko")

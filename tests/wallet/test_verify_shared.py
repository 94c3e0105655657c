"""An employer given a learner's share link (from LinkedIn, or a QR code of it) verifies it on /verify: a badge
link opens that badge's report, a profile link lists its badges with a report each."""
from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from limits.storage import MemoryStorage
from PIL import Image

from badges import qr
from bootstrap.wiring import Services
from tests.conftest import BASE_URL
from tests.wallet.people import Mailbox, post
from tests.wallet.test_sharing import share_links, two_badges
from web.ratelimit import Limits, Rule, SharedLimiter, install


def photo(text: str) -> bytes:
    """A JPEG photo of the QR code of `text`."""
    canvas = Image.new("RGB", (1200, 900), (150, 150, 150))
    canvas.paste(Image.open(io.BytesIO(qr.qr_png(text))).convert("RGB").resize((450, 450)), (500, 300))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=85)
    return out.getvalue()


def submitted(visitor: FlaskClient, data: dict[str, object], path: str = "/verify") -> tuple[str, str]:
    """(the path the submission ends on, its page), following redirects to our own public URLs."""
    response = visitor.post(path, data=data, content_type="multipart/form-data")
    while response.status_code in (302, 303):
        path = response.headers["Location"].removeprefix(BASE_URL)
        response = visitor.get(path)
    return path, response.get_data(as_text=True)


def badge_share_link(client: FlaskClient, item: str) -> str:
    post(client, f"/wallet/items/{item}/share", {"label": "LinkedIn"})
    [link] = share_links(client.get(f"/wallet/items/{item}").get_data(as_text=True))
    return BASE_URL + link


def test_a_badge_share_link_typed_on_the_verify_page_opens_that_badges_report(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    link = badge_share_link(client, ids["클라우드 네이티브 개발"])
    path, page = submitted(app.test_client(), {"url": link})
    assert path.startswith("/v/")  # our own badge: its QR landing, holder check and PDF included
    assert 'data-verdict="valid"' in page and "클라우드 네이티브 개발" in page


def test_a_photo_of_a_share_links_qr_code_opens_the_badges_report(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    link = badge_share_link(client, ids["Python 기초"])  # imported: verified by the wallet's report page
    path, page = submitted(app.test_client(), {"photo": (io.BytesIO(photo(link)), "qr.jpg")})
    assert path.startswith("/s/") and path.endswith("/verify")
    assert 'id="verdict"' in page and "Python 기초" in page and 'data-check="proof"' in page


def test_a_profile_share_link_lists_its_badges_each_with_a_report(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    for item in ids.values():
        post(client, f"/wallet/items/{item}/profile")
    post(client, "/wallet/share", {"label": "ACME 지원"})
    [profile] = share_links(client.get("/wallet/share").get_data(as_text=True))
    visitor = app.test_client()
    _, page = submitted(visitor, {"url": BASE_URL + profile})
    assert "님이 공유한 배지" in page and "Python 기초" in page and "클라우드 네이티브 개발" in page
    reports = re.findall(r'href="([^"]+)" data-verify=', page)
    assert len(reports) == 2
    for url in reports:
        report = visitor.get(url.removeprefix(BASE_URL)).get_data(as_text=True)
        assert 'id="verdict"' in report and 'data-check="proof" data-outcome="passed"' in report


def test_a_made_up_share_link_is_no_badge_at_all(app: Flask) -> None:
    # a forged or revoked token must end in "no such link", never a 500 and never a report that looks valid
    path, page = submitted(app.test_client(), {"url": f"{BASE_URL}/s/not-a-real-token-{'x' * 40}"})
    assert 'data-verdict="valid"' not in page
    response = app.test_client().get(path)
    assert response.status_code in (404, 410, 422), (path, response.status_code)


def test_a_share_links_reports_count_against_the_verification_limit(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    # each opening verifies again what is due: anyone with the link could otherwise make the service fetch and
    # check without end, so they count with the verifier's own pages
    ids = two_badges(client, svc, mailbox)
    post(client, "/wallet/share", {"label": "ACME 지원", "shows": "all"})
    [profile] = share_links(client.get("/wallet/share").get_data(as_text=True))
    badge = badge_share_link(client, ids["Python 기초"]).removeprefix(BASE_URL)
    install(app, SharedLimiter(Limits(MemoryStorage()), Rule("verify", 2, 60)))
    visitor = app.test_client()
    codes = [visitor.get(path, headers={"Accept": "text/html"}).status_code
             for path in (f"{profile}/verify", f"{badge}/verify", f"{badge}/verify")]
    assert codes == [200, 303, 429]

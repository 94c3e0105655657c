"""Sharing and privacy: nothing is public until shared, links show only what was chosen and can be withdrawn,
hidden and deleted badges disappear everywhere."""
from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from bootstrap.wiring import Services
from tests.conftest import BASE_URL
from tests.factories import issue, make_course, make_org
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import Mailbox, post, sign_up


def items(client: FlaskClient) -> dict[str, str]:
    """Wallet id by course name."""
    export = client.get("/wallet/export.json").get_json()
    return {c["credential"]["credentialSubject"]["achievement"]["name"]: c["walletId"] for c in export["credentials"]}


def share_links(page: str) -> list[str]:
    return [u.removeprefix(BASE_URL) for u in re.findall(r'class="link-url" type="text" readonly value="([^"]+)"', page)]


def two_badges(client: FlaskClient, svc: Services, mailbox: Mailbox) -> dict[str, str]:
    org, _ = make_org(svc, "acme")
    issue(svc, org, make_course(svc, org), email="minji@example.com")
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer() as busan:
        credential = busan.credential(email="minji@example.com", name="김민지", title="Python 기초", hours=40,
                                      with_status=False)
    post(client, "/wallet/import", {"credential": json.dumps(credential, ensure_ascii=False)})
    return items(client)


def test_nothing_is_public_until_shared_and_then_only_the_chosen_badges(app: Flask, client: FlaskClient,
                                                                        svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    post(client, "/wallet/share", {"label": "ACME 지원"})
    [profile] = share_links(client.get("/wallet/share").get_data(as_text=True))
    visitor = app.test_client()
    page = visitor.get(profile).get_data(as_text=True)
    assert "김민지" in page and "공개된 배지가 없습니다" in page and "Python 기초" not in page

    post(client, f"/wallet/items/{ids['Python 기초']}/profile")
    response = visitor.get(profile)
    page = response.get_data(as_text=True)
    assert "Python 기초" in page and "클라우드 네이티브 개발" not in page
    assert response.headers["Cache-Control"] == "no-store" and "noindex" in response.headers["X-Robots-Tag"]
    assert visitor.get(f"{profile}/{ids['Python 기초']}").status_code == 200
    assert visitor.get(f"{profile}/{ids['Python 기초']}/image.png").data.startswith(b"\x89PNG")
    assert visitor.get(f"{profile}/{ids['클라우드 네이티브 개발']}").status_code == 404
    assert visitor.get("/wallet").status_code == 302 and visitor.get("/wallet/export.json").status_code == 302

    post(client, f"/wallet/items/{ids['Python 기초']}/hide")
    assert "Python 기초" not in visitor.get(profile).get_data(as_text=True)
    assert visitor.get(f"{profile}/{ids['Python 기초']}").status_code == 404
    post(client, f"/wallet/items/{ids['Python 기초']}/unhide")
    assert "Python 기초" not in visitor.get(profile).get_data(as_text=True)  # hiding took it off the profile


def test_a_badge_link_has_a_qr_code_linkedin_and_a_verification_and_can_be_withdrawn(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    item = f"/wallet/items/{ids['Python 기초']}"
    post(client, f"{item}/share", {"label": "LinkedIn"})
    page = client.get(item).get_data(as_text=True)
    [link] = share_links(page)
    qr_path = re.search(r'src="(/wallet/links/\d+/qr.png)"', page)[1]  # type: ignore[index]
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(client.get(qr_path).data)))
    assert code.text == BASE_URL + link
    linkedin = re.search(r'id="linkedin" href="([^"]+)"', page)[1].replace("&amp;", "&")  # type: ignore[index]
    query = parse_qs(urlsplit(linkedin).query)
    assert linkedin.startswith("https://www.linkedin.com/profile/add?")
    assert (query["name"], query["certUrl"], query["organizationName"]) == (
        ["Python 기초"], [BASE_URL + link], ["Busan Coding School"])

    visitor = app.test_client()
    [printed] = zxingcpp.read_barcodes(Image.open(io.BytesIO(visitor.get(f"{link}/qr.png").data)))
    assert printed.text == BASE_URL + link
    badge_page = visitor.get(link).get_data(as_text=True)
    assert "Python 기초" in badge_page and "김민지" in badge_page
    verify = re.search(r'id="verify-now" href="([^"]+)"', badge_page)[1]  # type: ignore[index]
    report = visitor.get(verify, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'data-verdict="valid"' in report

    post(client, "/wallet/share/{}/revoke".format(re.search(r'data-link="(\d+)"', page)[1]))  # type: ignore[index]
    assert visitor.get(link).status_code == 404
    assert visitor.get(verify).status_code == 404
    assert visitor.get(f"{link}/qr.png").status_code == 404


def test_deleting_an_import_removes_it_and_an_issued_badge_stays_away_until_put_back(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    post(client, f"/wallet/items/{ids['Python 기초']}/share")
    [link] = share_links(client.get(f"/wallet/items/{ids['Python 기초']}").get_data(as_text=True))
    for name in ids:
        assert post(client, f"/wallet/items/{ids[name]}/remove").status_code == 302
    assert items(client) == {}
    assert client.get(link).status_code == 404
    assert "삭제한 배지" in client.get("/wallet/account").get_data(as_text=True)

    post(client, "/wallet/account/restore")
    assert list(items(client)) == ["클라우드 네이티브 개발"]  # the import is gone for good

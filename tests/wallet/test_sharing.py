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
    refused = post(client, "/wallet/share", {"label": "ACME 지원", "shows": "profile"})  # none is on the profile yet
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "공개 프로필에 표시한 배지가 아직 없습니다" in page and share_links(page) == []

    post(client, "/wallet/share/profile", {"item": ids["Python 기초"]})
    assert 'data-profile="{}" checked'.format(ids["Python 기초"]) in client.get("/wallet/share").get_data(as_text=True)
    post(client, "/wallet/share", {"label": "ACME 지원", "shows": "profile"})
    share_page = client.get("/wallet/share").get_data(as_text=True)
    [profile] = share_links(share_page)
    assert "보여 주는 배지: 공개 프로필에 표시한 배지" in share_page and ">비공개<" not in share_page
    visitor = app.test_client()
    response = visitor.get(profile)
    page = response.get_data(as_text=True)
    assert "김민지" in page and "Python 기초" in page and "클라우드 네이티브 개발" not in page
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


def test_a_new_profile_link_shows_what_the_learner_chose_never_an_empty_profile(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    ids = two_badges(client, svc, mailbox)
    post(client, "/wallet/share", {"label": "전체 이력"})  # the form's default: every badge
    [everything] = share_links(client.get("/wallet/share").get_data(as_text=True))
    refused = post(client, "/wallet/share", {"label": "B사", "shows": "selected"})  # selected, but nothing ticked
    assert "하나 이상 고르세요" in client.get(refused.headers["Location"]).get_data(as_text=True)
    post(client, "/wallet/share", {"label": "B사", "shows": "selected", "item": ids["클라우드 네이티브 개발"]})
    share_page = client.get("/wallet/share").get_data(as_text=True)
    links = share_links(share_page)
    assert len(links) == 2 and "보여 주는 배지: 내 배지 모두" in share_page and "보여 주는 배지: 고른 배지 1개" in share_page
    chosen = next(link for link in links if link != everything)

    visitor = app.test_client()
    page = visitor.get(everything).get_data(as_text=True)
    assert "Python 기초" in page and "클라우드 네이티브 개발" in page
    page = visitor.get(chosen).get_data(as_text=True)
    assert "클라우드 네이티브 개발" in page and "Python 기초" not in page
    assert visitor.get(f"{chosen}/{ids['Python 기초']}").status_code == 404

    post(client, f"/wallet/items/{ids['Python 기초']}/hide")  # hidden: off every link, "all" included
    assert "Python 기초" not in visitor.get(everything).get_data(as_text=True)
    english = client.get("/wallet/share", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Shows: all my badges" in english and "Shows: 1 chosen badge(s)" in english


def test_an_empty_wallet_cannot_make_a_profile_link(client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="nobody@example.com")
    response = post(client, "/wallet/share", {"label": "x"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "지갑에 보여 줄 배지가 아직 없습니다" in page and share_links(page) == []


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

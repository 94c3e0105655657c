"""The history: badges issued here appear by e-mail, everything is re-checked, added up and filtered, and no
learner ever sees another's wallet."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import service
from store.db import transaction
from store.models import Org
from tests.factories import NOW, issue, make_course, make_org
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import Mailbox, post, sign_up


def wallet_ids(client: FlaskClient) -> dict[str, dict]:  # type: ignore[type-arg]
    """The learner's credentials by credential id, from the wallet's own JSON export."""
    export = client.get("/wallet/export.json").get_json()
    return {c["credential"]["id"]: c for c in export["credentials"]}


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, 9, tzinfo=UTC)


def stat(page: str, name: str) -> str:
    return re.search(rf'id="{name}">([^<]*)<', page)[1]  # type: ignore[index]


def test_badges_issued_to_a_confirmed_address_appear_in_the_wallet_by_themselves(client: FlaskClient,
                                                                                 svc: Services,
                                                                                 mailbox: Mailbox) -> None:
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    home = issue(svc, org, course, email="Minji.Kim@example.com")
    work = issue(svc, org, course, email="minji@work.example")
    issue(svc, org, course, email="someone.else@example.com")
    sign_up(client, mailbox, address="minji.kim@example.com")

    page = client.get("/wallet").get_data(as_text=True)
    assert "클라우드 네이티브 개발" in page and 'data-verdict="valid"' in page
    assert [i.rsplit("/", 1)[1] for i in wallet_ids(client)] == [home]

    post(client, "/wallet/account/emails", {"email": "minji@work.example"})
    client.get("/wallet")
    assert len(wallet_ids(client)) == 1  # an address counts only once it is confirmed
    post(client, mailbox.link("minji@work.example"))
    client.get("/wallet")
    assert sorted(i.rsplit("/", 1)[1] for i in wallet_ids(client)) == sorted([home, work])
    english = client.get("/wallet?lang=en").get_data(as_text=True)
    assert "Cloud Native Development" in english and stat(english, "total-badges") == "2"


def test_the_history_adds_up_hours_and_skills_and_filters_by_skill_and_organisation(client: FlaskClient,
                                                                                    mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer(name="Busan Coding School") as busan, foreign_issuer(name="Seoul AI Lab") as seoul:
        for credential in (
                busan.credential(email="minji@example.com", name="김민지", title="Python 기초", hours=40, completed=day(2023, 11, 3),
                                 tags=["Python", "데이터 분석"], alignments=["NCS 2001010201 응용SW기초기술활용"]),
                busan.credential(email="minji@example.com", name="김민지", title="SQL 실무", credits=24, completed=day(2024, 6, 28),
                                 tags=["SQL", "python"]),
                seoul.credential(email="minji@example.com", name="김민지", title="딥러닝 입문", hours=60.5, completed=day(2025, 2, 14),
                                 tags=["Deep learning", "Python"])):
            response = post(client, "/wallet/import", {"credential": json.dumps(credential, ensure_ascii=False)})
            assert response.status_code == 302, response.get_data(as_text=True)

    page = client.get("/wallet").get_data(as_text=True)
    assert (stat(page, "total-badges"), stat(page, "total-hours"), stat(page, "total-orgs")) == ("3", "124.5", "2")
    assert re.search(r'data-skill="Python"[^>]*>Python <span class="count">3<', page)
    assert "NCS 2001010201 응용SW기초기술활용" in page
    python_only = client.get("/wallet?skill=deep learning").get_data(as_text=True)
    assert "딥러닝 입문" in python_only and "SQL 실무" not in python_only
    assert stat(python_only, "total-hours") == "60.5"
    busan_only = client.get("/wallet?org=Busan Coding School").get_data(as_text=True)
    assert "Python 기초" in busan_only and "SQL 실무" in busan_only and "딥러닝 입문" not in busan_only
    order = [page.index(text) for text in ("2025", "딥러닝 입문", "2024", "SQL 실무", "2023", "Python 기초")]
    assert order == sorted(order)  # newest first, under a heading per year


def test_a_revoked_badge_shows_as_revoked_after_a_recheck_and_leaves_the_totals(client: FlaskClient,
                                                                               svc: Services,
                                                                               mailbox: Mailbox) -> None:
    org, _ = make_org(svc, "acme")
    credential_id = issue(svc, org, make_course(svc, org), email="minji@example.com")
    sign_up(client, mailbox, address="minji@example.com")
    assert stat(client.get("/wallet").get_data(as_text=True), "total-badges") == "1"
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                       reason="발급 오류", now=NOW)

    post(client, "/wallet/recheck")
    page = client.get("/wallet").get_data(as_text=True)
    assert 'data-verdict="revoked"' in page and stat(page, "total-badges") == "0"
    [entry] = wallet_ids(client).values()
    assert entry["verdict"] == "revoked"
    assert [c["outcome"] for c in entry["report"]["checks"] if c["id"] == "status"] == ["failed"]


def test_one_learner_can_never_see_or_touch_another_learners_wallet(app: Flask, svc: Services,
                                                                   mailbox: Mailbox) -> None:
    org, _ = make_org(svc, "acme")
    issue(svc, org, make_course(svc, org), email="minji@example.com")
    minji, mallory = app.test_client(), app.test_client()
    sign_up(minji, mailbox, address="minji@example.com")
    sign_up(mallory, mailbox, name="Mallory", address="mallory@example.com")
    [item] = [c["walletId"] for c in wallet_ids(minji).values()]
    post(minji, f"/wallet/items/{item}/share")
    link_id = re.search(r'data-link="(\d+)"', minji.get(f"/wallet/items/{item}").get_data(as_text=True))[1]  # type: ignore[index]

    assert "클라우드 네이티브 개발" not in mallory.get("/wallet").get_data(as_text=True)
    assert wallet_ids(mallory) == {}
    for path in (f"/wallet/items/{item}", f"/wallet/items/{item}/image.png", f"/wallet/links/{link_id}/qr.png"):
        assert mallory.get(path).status_code == 404, path
    for path in (f"/wallet/items/{item}/profile", f"/wallet/items/{item}/remove", f"/wallet/items/{item}/share",
                 f"/wallet/share/{link_id}/revoke"):
        assert post(mallory, path).status_code == 404, path
    refused = post(mallory, "/wallet/export/presentation", {"item": item})
    assert refused.status_code == 422  # someone else's badge is simply not among the chosen ones
    assert minji.get(f"/wallet/items/{item}").status_code == 200
    signed_out = app.test_client()
    assert signed_out.get(f"/wallet/items/{item}").status_code == 302
    assert signed_out.get("/wallet/export.json").status_code == 302


def test_the_wallet_shows_a_badges_evidence_and_credits_earned(client: FlaskClient, svc: Services,
                                                              mailbox: Mailbox) -> None:
    org, token = make_org(svc, "acme", with_token=True)
    course = make_course(svc, org)
    client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers={"Authorization": f"Bearer {token}"},
                json={"recipient": {"name": "김민지", "email": "minji@example.com"}, "creditsEarned": 2.5,
                      "evidence": [{"url": "https://github.com/minji/final", "name": "최종 프로젝트"}]})
    sign_up(client, mailbox, address="minji@example.com")
    item = re.search(r'data-item="([^"]+)"', client.get("/wallet").get_data(as_text=True))[1]  # type: ignore[index]
    page = client.get(f"/wallet/items/{item}").get_data(as_text=True)
    assert 'id="credits-earned">2.5<' in page and 'href="https://github.com/minji/final"' in page
    assert "최종 프로젝트" in page

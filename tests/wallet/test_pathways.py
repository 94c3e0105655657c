"""Pathways across members: a track of two members' badges completed in a learner's wallet and its badge issued
by the track's owner with the qualifying credentials as evidence, once; progress in ko and en; a minimum level not
met does not count; a qualifying badge revoked later leaves the track badge as it is (README "Pathways across
members"); the console's form names an unknown achievement."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from badges.results import ResultIn
from bootstrap.wiring import Services
from issuer import pathways, service
from store.db import transaction
from store.models import Achievement, Credential, Org
from tests.factories import NOW, console_post, enter_as, issue, make_assessment, make_course, make_org
from tests.wallet.people import Mailbox, sign_up

LEARNER = "minji@example.com"


def make_track(svc: Services) -> tuple[Org, Org, Achievement, list[Achievement]]:
    """Member A owns the track "cloud backend engineer" (its own course is the track badge) requiring A's cloud
    course, member B's API course and B's TOPCIT assessment at level 3 or above."""
    a, _ = make_org(svc, "acme", member=True)
    b, _ = make_org(svc, "beta", member=True)
    badge = make_course(svc, a, name_ko="클라우드 백엔드 엔지니어", name_en="Cloud backend engineer")
    cloud = make_course(svc, a)
    api = make_course(svc, b, name_ko="API 설계", name_en="API design")
    topcit = make_assessment(svc, b)
    with transaction(svc.sessions) as session:
        pathways.define(session, org=session.get_one(Org, a.id), operator=False, name_ko="클라우드 백엔드 엔지니어",
                        name_en="Cloud backend engineer", course=badge.public_id,
                        requirements=f"{cloud.public_id}\n{api.public_id}\n{topcit.public_id} 3", actor="test",
                        now=NOW)
    return a, b, badge, [cloud, api, topcit]


def _text(client: FlaskClient, lang: str) -> str:
    return re.sub(r"\s+", " ", client.get(f"/wallet?lang={lang}").get_data(as_text=True))


def _track_badges(svc: Services, badge: Achievement) -> list[Credential]:
    with transaction(svc.sessions) as session:
        rows = session.query(Credential).filter(Credential.achievement_id == badge.id).all()
        session.expunge_all()
        return rows


def test_a_track_across_two_members_is_completed_in_the_wallet_and_awarded_once_with_evidence(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    a, b, badge, (cloud, api, topcit) = make_track(svc)
    issue(svc, a, cloud, email=LEARNER)
    issue(svc, b, api, email=LEARNER)
    issue(svc, b, topcit, email=LEARNER, results=(ResultIn("score", "520"), ResultIn("level", "2")))
    sign_up(client, mailbox, address=LEARNER)

    korean, english = _text(client, "ko"), _text(client, "en")
    assert "3개 중 2개" in korean and "2 of 3" in english  # level 2 is below the minimum of 3: it does not count
    assert english.count('data-met="true"') == 2 and english.count('data-met="false"') == 1
    assert "Missing</strong> TOPCIT assessment" in english and "(minimum 3)" in english
    assert _track_badges(svc, badge) == []

    topcit_id = issue(svc, b, topcit, email=LEARNER, results=(ResultIn("score", "720"), ResultIn("level", "4")),
                      now=NOW.replace(day=5))
    english = _text(client, "en")  # collecting the level-4 badge completes the track: its badge is issued
    [track_badge] = _track_badges(svc, badge)
    assert track_badge.org_id == a.id
    document = json.loads(track_badge.document)
    evidence = {e["id"]: e for e in document["evidence"]}
    with transaction(svc.sessions) as session:
        mine = [c for c in session.query(Credential).all() if c.achievement_id in {cloud.id, api.id, topcit.id}]
        qualifying = {c.id for c in mine if c.achievement_id != topcit.id} | {topcit_id}
    assert set(evidence) == {svc.issuing.links.credential(i) for i in qualifying}
    assert all(e["type"] == ["Evidence"] and e["name"] and e["description"] for e in evidence.values())
    assert "TOPCIT 정기평가 / TOPCIT assessment" in {e["name"] for e in evidence.values()}
    assert document["credentialSubject"]["achievement"]["name"] in ("클라우드 백엔드 엔지니어", "Cloud backend engineer")
    assert "3 of 3" in english and "Complete: the track badge was issued" in english
    assert "Cloud backend engineer" in english  # the track badge itself is collected into the wallet
    assert "3개 중 3개" in _text(client, "ko")

    assert svc.pathways.everyone(datetime.now(UTC)) == 0  # neither the cron run (`badges pathways award`) nor
    # another visit issues a second one
    _text(client, "en")
    assert len(_track_badges(svc, badge)) == 1

    with transaction(svc.sessions) as session:  # a qualifying badge revoked later: the track badge stays
        service.revoke(session, svc.issuing, org=session.get_one(Org, b.id), credential_id=topcit_id,
                       reason="exam irregularity", actor="test", now=NOW.replace(day=9))
    client.post("/wallet/recheck", data={"csrf_token": _csrf(client)})
    english = _text(client, "en")
    assert "2 of 3" in english
    assert svc.pathways.everyone(datetime.now(UTC)) == 0
    [still] = _track_badges(svc, badge)
    assert still.id == track_badge.id and still.revoked_at is None
    status = client.get(f"/credentials/{topcit_id}?lang=en")  # the evidence's link shows the revocation
    assert status.status_code == 200 and "revoked" in status.get_data(as_text=True).lower()


def _csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session.setdefault("csrf_token", "test-csrf-token"))


def test_the_console_defines_a_track_and_names_an_unknown_achievement(app: Flask, svc: Services) -> None:
    a, _ = make_org(svc, "acme", member=True)
    b, _ = make_org(svc, "beta", member=True)
    badge, other = make_course(svc, a), make_course(svc, b)
    console = app.test_client()
    enter_as(console, svc, a, email="owner@acme.example", role="owner")
    form = {"name_ko": "데이터 엔지니어", "name_en": "Data engineer", "course": badge.public_id,
            "requirements": f"{other.public_id}\nno-such-course"}
    for lang, wording in (("ko", "연합에 no-such-course 성취가 없습니다"),
                          ("en", "There is no achievement no-such-course in the alliance")):
        response = console_post(console, f"/console/acme/pathways?lang={lang}", form)
        assert response.status_code == 404 and wording in response.get_data(as_text=True)
    response = console_post(console, "/console/acme/pathways?lang=en", {**form, "course": other.public_id,
                                                                        "requirements": badge.public_id})
    assert response.status_code == 422 and "must be one of your own courses" in response.get_data(as_text=True)
    response = console_post(console, "/console/acme/pathways?lang=en",
                            {**form, "requirements": f"{other.public_id} 9"})
    assert response.status_code == 422 and "has no level or score" in response.get_data(as_text=True)
    assert console_post(console, "/console/acme/pathways", {**form, "requirements": other.public_id}
                        ).status_code == 302
    page = console.get("/console/acme/pathways?lang=en").get_data(as_text=True)
    assert "Data engineer" in page and other.public_id in page


def test_tracks_are_looked_at_when_the_wallet_collects_or_rechecks_not_on_every_view(
        client: FlaskClient, svc: Services, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, badge, (cloud, api, topcit) = make_track(svc)
    issue(svc, a, cloud, email=LEARNER)
    calls: list[int] = []
    award = pathways.Awarder.__call__

    def counted(self: pathways.Awarder, learner_id: int, now: datetime) -> int:
        calls.append(learner_id)
        return award(self, learner_id, now)

    monkeypatch.setattr(pathways.Awarder, "__call__", counted)
    sign_up(client, mailbox, address=LEARNER)
    _text(client, "en")  # the wallet's first view collects the cloud badge
    assert len(calls) == 1
    _text(client, "en")
    _text(client, "ko")
    assert len(calls) == 1  # nothing collected or re-checked: no track can have changed
    issue(svc, b, api, email=LEARNER)
    issue(svc, b, topcit, email=LEARNER, results=(ResultIn("score", "720"), ResultIn("level", "4")))
    assert "3 of 3" in _text(client, "en") and len(calls) == 2  # collected: the track is complete and awarded
    [_] = _track_badges(svc, badge)
    client.post("/wallet/recheck", data={"csrf_token": _csrf(client)})
    assert len(calls) == 3 and len(_track_badges(svc, badge)) == 1

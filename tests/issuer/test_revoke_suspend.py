"""Suspension and reinstatement, bulk changes, and the states the console and the public page show."""
from __future__ import annotations

import json
from datetime import timedelta

from flask.testing import FlaskClient

from badges import status
from bootstrap.wiring import Services
from issuer import service
from store.db import transaction
from store.models import Org
from tests.factories import NOW, console_post, enter_as, issue, issue_with_two_status_entries, make_course, make_org


def verdict(client: FlaskClient, credential_id: str) -> str:
    document = client.get(f"/credentials/{credential_id}.json").data
    return client.post("/api/v1/verify", data=document, content_type="application/json").get_json()["verdict"]


def bit(client: FlaskClient, credential_id: str, purpose: str) -> bool:
    entries = json.loads(client.get(f"/credentials/{credential_id}.json").data)["credentialStatus"]
    [entry] = [e for e in (entries if isinstance(entries, list) else [entries]) if e["statusPurpose"] == purpose]
    listed = client.get(entry["statusListCredential"].removeprefix("http://badges.test")).get_json()
    assert listed["credentialSubject"]["statusPurpose"] == purpose
    return status.get_bit(status.decode_list(listed["credentialSubject"]["encodedList"]),
                          int(entry["statusListIndex"]))


def test_a_suspended_badge_verifies_as_suspended_here_until_it_is_reinstated(client: FlaskClient,
                                                                            svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    assert json.loads(client.get(f"/credentials/{credential_id}.json").data)["credentialStatus"][
        "statusPurpose"] == "revocation"  # OB 3.0: one entry; this service keeps the suspension itself
    with transaction(svc.sessions) as session:
        service.suspend(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                        reason="출석 확인 중", now=NOW)
    assert not bit(client, credential_id, "revocation")
    assert verdict(client, credential_id) == "suspended"
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert 'data-state="suspended"' in page and "일시 정지했습니다" in page and "출석 확인 중" in page

    with transaction(svc.sessions) as session:
        service.reinstate(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                          now=NOW)
    assert verdict(client, credential_id) == "valid"
    assert 'data-state="active"' in client.get(f"/credentials/{credential_id}").get_data(as_text=True)


def test_a_badge_issued_with_two_status_entries_keeps_its_suspension_list(client: FlaskClient,
                                                                          svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    credential_id, other = (issue_with_two_status_entries(svc, org, course, email=f"p{i}@example.com")
                            for i in range(2))
    assert verdict(client, credential_id) == "valid"
    with transaction(svc.sessions) as session:
        service.suspend(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                        reason="출석 확인 중", now=NOW)
    assert bit(client, credential_id, "suspension") and not bit(client, credential_id, "revocation")
    assert verdict(client, credential_id) == "suspended"
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert 'data-state="suspended"' in page and "일시 정지했습니다" in page and "출석 확인 중" in page

    with transaction(svc.sessions) as session:
        service.reinstate(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                          now=NOW)
    assert not bit(client, credential_id, "suspension")
    assert verdict(client, credential_id) == "valid"
    assert 'data-state="active"' in client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=other,
                       reason="부정행위", now=NOW)
    assert bit(client, other, "revocation") and verdict(client, other) == "revoked"


def test_bulk_revocation_signs_each_list_once_and_reports_every_credential(client: FlaskClient,
                                                                           svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    ids = [issue(svc, org, course, email=f"p{i}@example.com") for i in range(3)]
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=ids[0], reason="x",
                       now=NOW)
    with transaction(svc.sessions) as session:
        results = service.change_status(session, svc.issuing, actor="test", org=session.get_one(Org, org.id),
                                        credential_ids=[*ids, "no-such-id"], action="revoke", reason="부정행위",
                                        now=NOW)
    assert [(i, e.code if e else None) for i, e in results] == [
        (ids[0], "credential.already_revoked"), (ids[1], None), (ids[2], None), ("no-such-id", "credential.not_found")]
    assert all(bit(client, i, "revocation") for i in ids)
    assert {verdict(client, i) for i in ids} == {"revoked"}


def test_the_console_revokes_one_badge_and_the_public_page_says_so(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org), name="김민지")
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    asked = console_post(client, f"/console/acme/credentials/{credential_id}/revoke", {"reason": "발급 오류"})
    assert asked.status_code == 200 and "김민지님의 「클라우드 네이티브 개발」 배지를 폐기합니다. 되돌릴 수 없습니다." in asked.get_data(
        as_text=True)
    assert not bit(client, credential_id, "revocation")  # asking changed nothing
    response = console_post(client, f"/console/acme/credentials/{credential_id}/revoke",
                            {"reason": "발급 오류", "confirmed": "1"})
    assert response.status_code == 302
    assert "배지 1개를 폐기했습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert bit(client, credential_id, "revocation")
    page = client.get(f"/credentials/{credential_id}?lang=en").get_data(as_text=True)
    assert 'data-state="revoked"' in page and "The issuer has revoked this badge" in page and "발급 오류" in page


def test_a_reason_is_required_to_revoke_or_suspend(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    response = console_post(client, f"/console/acme/credentials/{credential_id}/suspend", {"reason": "  "})
    assert "사유를 입력하세요" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert verdict(client, credential_id) == "valid"


def test_bulk_changes_from_the_console_list(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    ids = [issue(svc, org, course, email=f"p{i}@example.com", name=f"수강생{i}") for i in range(3)]
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    listing = client.get("/console/acme/credentials").get_data(as_text=True)
    assert all(f'data-credential="{i}"' in listing for i in ids)
    response = console_post(client, "/console/acme/credentials/bulk",
                            {"ids": ids[:2], "action": "suspend", "reason": "재확인", "confirmed": "1"})
    assert "배지 2개를 일시 정지했습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    suspended = client.get("/console/acme/credentials?state=suspended").get_data(as_text=True)
    assert f'data-credential="{ids[0]}"' in suspended and f'data-credential="{ids[2]}"' not in suspended
    found = client.get("/console/acme/credentials?email=P2@example.com").get_data(as_text=True)
    assert f'data-credential="{ids[2]}"' in found and f'data-credential="{ids[0]}"' not in found


def test_an_expired_badge_shows_as_expired(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org, valid_months=1), now=NOW - timedelta(days=400))
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert 'data-state="expired"' in page and "유효 기간이 지났습니다" in page


def test_another_issuer_naming_our_credential_url_does_not_borrow_its_suspension(svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with transaction(svc.sessions) as session:
        service.suspend(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                        reason="x", now=NOW)
    url = svc.issuing.links.credential(credential_id)
    assert svc.resolver.held_status(url, org.did) == "suspended"
    assert svc.resolver.held_status(url, "did:web:elsewhere.example") is None


def test_a_viewer_cannot_revoke_and_another_organisation_cannot_see(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    other, _ = make_org(svc, "globex")
    credential_id = issue(svc, org, make_course(svc, org))
    theirs = issue(svc, other, make_course(svc, other))
    enter_as(client, svc, org, email="kim@acme.example", role="viewer")
    assert client.get(f"/console/acme/credentials/{credential_id}").status_code == 200
    assert console_post(client, f"/console/acme/credentials/{credential_id}/revoke", {"reason": "x"}).status_code == 403
    assert console_post(client, "/console/acme/credentials/bulk", {"ids": [credential_id], "action": "revoke",
                                                                   "reason": "x"}).status_code == 403
    assert client.get(f"/console/acme/credentials/{theirs}").status_code == 404
    assert not bit(client, credential_id, "revocation")

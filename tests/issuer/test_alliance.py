"""The alliance on both databases through the Flask client: an application through approval to the new
organisation's owner issuing its first badge, a declined one, suspension on verification reports, the member
directory, the alliance's figures, and the history behind "member at time T"."""
from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import alliance
from issuer.platform import ensure_platform
from store.console import AuditEntry
from store.db import transaction
from store.membership import Application, MemberKind, MemberRole, MemberState, enrol, history, member_at, member_now
from store.models import Org
from tests.conftest import SmtpSink
from tests.factories import NOW, console_post, csrf_token, issue, make_course, make_org, make_staff, sign_in
from web.settings import Settings

FORM = {"name_ko": "한빛 클라우드 아카데미", "name_en": "Hanbit Cloud Academy", "role": "training", "kind": "company",
        "website": "https://hanbit-cloud.example", "contact_name": "이서연", "contact_email": "seoyeon@hanbit.example",
        "note": "클라우드 백엔드 과정을 운영합니다."}


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Settings:
    return replace(settings, smtp_url=smtp_server[0])


def operator(svc: Services, client: FlaskClient) -> str:
    """The platform organisation with an owner (the operator) signed in on `client`; its slug."""
    with transaction(svc.sessions) as session:
        platform = ensure_platform(session, svc.issuing, svc.platform.identity, now=NOW)
        slug = platform.slug
    make_staff(svc, platform, email="office@alliance.example")
    assert sign_in(client, "office@alliance.example").status_code == 302
    return slug


def apply(client: FlaskClient, **changes: str):  # type: ignore[no-untyped-def]
    return client.post("/alliance/join", data={**FORM, **changes, "csrf_token": csrf_token(client, "/alliance/join")})


def mail_text(sink: SmtpSink, to: str) -> str:
    found = [m for m in sink.messages if to in m[1]]
    assert found, f"no mail to {to}"
    message = email.message_from_bytes(found[-1][2], policy=policy.default)
    return str(message["Subject"]) + "\n" + message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def pending_id(svc: Services, name_en: str) -> int:
    with transaction(svc.sessions) as session:
        return next(a.id for a in alliance.applications(session) if a.name_en == name_en)


def test_an_application_is_approved_and_its_owner_signs_in_and_issues_the_first_badge(
        svc: Services, client: FlaskClient, smtp_server: tuple[str, SmtpSink]) -> None:
    response = apply(client)
    assert response.status_code == 302
    assert "신청이 접수되었습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    slug = operator(svc, client)
    page = client.get(f"/console/{slug}/operator?lang=en").get_data(as_text=True)
    assert "Hanbit Cloud Academy" in page and "seoyeon@hanbit.example" in page

    approved = console_post(client, f"/console/{slug}/operator/applications/{pending_id(svc, 'Hanbit Cloud Academy')}/approve")
    assert approved.status_code == 302
    text = mail_text(smtp_server[1], "seoyeon@hanbit.example")
    assert "승인되었습니다" in text and "has joined the alliance" in text
    link = re.search(r"http://\S+/console/invitations/\S+", text)[0]  # type: ignore[index]
    with transaction(svc.sessions) as session:
        org = session.query(Org).filter_by(name_en="Hanbit Cloud Academy").one()
        assert member_now(session, org.id) == member_now(session, org.id)
        standing = member_now(session, org.id)
        assert standing is not None and (standing.role, standing.kind, standing.state) == (
            MemberRole.TRAINING, MemberKind.COMPANY, MemberState.ACTIVE)
        assert session.query(Application).one().state == "approved"
        actions = [e.action for e in session.query(AuditEntry).filter_by(org_id=session.query(Org).filter_by(
            slug=slug).one().id)]
        assert "alliance.approve" in actions
        new_slug, new_org = org.slug, org

    owner = svc_client(client)
    path = link.split("://", 1)[1].split("/", 1)[1]
    accepted = owner.post(f"/{path}", data={"name": "이서연", "password": "seoyeon's long password",
                                            "password_again": "seoyeon's long password",
                                            "csrf_token": csrf_token(owner, f"/{path}")})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(f"/console/{new_slug}")
    course = make_course(svc, new_org)
    issued = console_post(owner, f"/console/{new_slug}/issue", {
        "course": course.public_id, "name": "박지훈", "email": "jihoon@example.com", "completed": "2026-12-01"})
    assert issued.status_code == 302, issued.get_data(as_text=True)[:2000]
    credential_id = issued.headers["Location"].rsplit("/", 1)[1]
    report = client.get(f"/v/{credential_id}?lang=en").get_data(as_text=True)
    assert 'id="member-at-issue" data-state="active"' in report and 'id="member-now" data-state="active"' in report


def svc_client(client: FlaskClient) -> FlaskClient:
    """A second browser: a client of its own on the same app."""
    return client.application.test_client()


def test_a_declined_application_is_told_why_and_creates_nothing(
        svc: Services, client: FlaskClient, smtp_server: tuple[str, SmtpSink]) -> None:
    apply(client, name_en="Dubious Ltd", contact_email="boss@dubious.example")
    slug = operator(svc, client)
    application_id = pending_id(svc, "Dubious Ltd")
    missing = console_post(client, f"/console/{slug}/operator/applications/{application_id}/decline", {"reason": ""})
    assert missing.status_code == 422 and "사유를 입력하세요" in missing.get_data(as_text=True)
    declined = console_post(client, f"/console/{slug}/operator/applications/{application_id}/decline",
                            {"reason": "교육 과정이 아직 없습니다"})
    assert declined.status_code == 302
    text = mail_text(smtp_server[1], "boss@dubious.example")
    assert "사유: 교육 과정이 아직 없습니다" in text and "Reason: 교육 과정이 아직 없습니다" in text
    with transaction(svc.sessions) as session:
        assert session.query(Org).filter_by(name_en="Dubious Ltd").count() == 0
        assert session.get_one(Application, application_id).state == "declined"
    again = console_post(client, f"/console/{slug}/operator/applications/{application_id}/approve")
    assert again.status_code == 404


@pytest.mark.parametrize(("changes", "field", "ko"), [
    ({"name_ko": ""}, "name_ko", "이 항목을 입력하세요"),
    ({"name_en": "x" * 201}, "name_en", "너무 깁니다"),
    ({"role": "sponsor"}, "role", "인재양성 기관 또는 활용기관"),
    ({"kind": "club"}, "kind", "기관 유형을 선택하세요"),
    ({"website": "javascript:alert(1)"}, "website", "https:// 또는 http://"),
    ({"website": "https://hanbit-cloud.example/a<b>{c}|d"}, "website", "공백(%20으로 쓰세요)"),
    ({"website": "https://hanbit-cloud.example/our courses"}, "website", "공백(%20으로 쓰세요)"),
    ({"contact_email": "not-an-address"}, "contact_email", "올바른 이메일 주소가 아닙니다"),
    ({"contact_name": "a\u0000b"}, "contact_name", ""),
])
def test_a_bad_application_is_refused_with_a_clear_message_and_nothing_kept(
        svc: Services, client: FlaskClient, changes: dict[str, str], field: str, ko: str) -> None:
    response = apply(client, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and ko in page
    with transaction(svc.sessions) as session:
        assert session.query(Application).count() == 0


def test_the_form_needs_its_csrf_token_and_is_rate_limited(svc: Services, client: FlaskClient) -> None:
    assert client.post("/alliance/join", data=FORM).status_code == 400
    for _ in range(alliance_pages_limit()):
        assert apply(client).status_code == 302
    refused = apply(client)
    assert refused.status_code == 429 and "한 시간 뒤에" in refused.get_data(as_text=True)
    with transaction(svc.sessions) as session:
        assert session.query(Application).count() == alliance_pages_limit()


def alliance_pages_limit() -> int:
    from issuer.alliance_pages import JOIN_LIMIT
    return JOIN_LIMIT.limit


def test_only_the_platforms_owners_reach_the_operator_console(svc: Services, client: FlaskClient) -> None:
    org, _ = make_org(svc, "bootcamp")
    make_staff(svc, org, email="owner@bootcamp.example")
    sign_in(client, "owner@bootcamp.example")
    assert client.get("/console/bootcamp/operator").status_code == 404
    assert client.get("/console/alliance/operator").status_code in (403, 404)


def member(svc: Services, slug: str, *, role: MemberRole = MemberRole.TRAINING,
           kind: MemberKind = MemberKind.COMPANY, joined: datetime = NOW) -> Org:
    org, _ = make_org(svc, slug)
    with transaction(svc.sessions) as session:
        enrol(session, org=session.get_one(Org, org.id), role=role, kind=kind, actor="test", now=joined)
    return org


def test_a_suspension_shows_on_reports_of_badges_issued_before_and_after(svc: Services, client: FlaskClient) -> None:
    org = member(svc, "bootcamp", joined=NOW - timedelta(days=30))
    course = make_course(svc, org)
    before = issue(svc, org, course, now=NOW)
    slug = operator(svc, client)
    suspended = console_post(client, f"/console/{slug}/operator/members/{org.id}/state",
                             {"state": "suspended", "reason": "회비 미납"})
    assert suspended.status_code == 302
    with transaction(svc.sessions) as session:
        suspended_at = member_now(session, org.id)
        assert suspended_at is not None and suspended_at.state is MemberState.SUSPENDED
    after = issue(svc, org, course, email="later@example.com", now=datetime.now(UTC) + timedelta(minutes=1))
    page = client.get(f"/v/{before}").get_data(as_text=True)
    assert 'id="member-at-issue" data-state="active"' in page and 'id="member-now" data-state="suspended"' in page
    assert "회원 자격 정지" in page
    page = client.get(f"/v/{after}?lang=en").get_data(as_text=True)
    assert 'id="member-at-issue" data-state="suspended"' in page and "Membership suspended" in page
    api = client.post("/api/v1/verify", json={"credential": client.get(f"/credentials/{before}.json").get_json()})
    assert api.get_json()["summary"]["member"]["membershipAtIssue"] == "active"
    assert api.get_json()["summary"]["member"]["membershipNow"] == "suspended"
    assert client.get(f"/v/{before}/summary.pdf").status_code == 200
    again = console_post(client, f"/console/{slug}/operator/members/{org.id}/state", {"state": "suspended",
                                                                                       "reason": "again"})
    assert again.status_code == 409
    assert console_post(client, f"/console/{slug}/operator/members/{org.id}/state",
                        {"state": "active"}).status_code == 302
    page = client.get(f"/v/{before}").get_data(as_text=True)
    assert 'id="member-now" data-state="active"' in page


def test_member_at_answers_from_the_history(svc: Services) -> None:
    org = member(svc, "bootcamp", joined=NOW)
    with transaction(svc.sessions) as session:
        platform = ensure_platform(session, svc.issuing, svc.platform.identity, now=NOW)
        alliance.set_state(session, org_id=org.id, state=MemberState.SUSPENDED, reason="x", platform=platform,
                           actor="test", now=NOW + timedelta(days=10))
        alliance.set_state(session, org_id=org.id, state=MemberState.ENDED, reason="y", platform=platform,
                           actor="test", now=NOW + timedelta(days=20))
        assert member_at(session, org.id, NOW - timedelta(seconds=1)) is None
        assert member_at(session, org.id, NOW) is MemberState.ACTIVE
        assert member_at(session, org.id, NOW + timedelta(days=15)) is MemberState.SUSPENDED
        assert member_at(session, org.id, NOW + timedelta(days=25)) is MemberState.ENDED
        assert member_now(session, org.id).state is MemberState.ENDED  # type: ignore[union-attr]


def test_changes_made_at_the_same_instant_count_in_the_order_they_were_made(svc: Services) -> None:
    org = member(svc, "bootcamp", joined=NOW)
    later = NOW + timedelta(days=10)
    with transaction(svc.sessions) as session:
        platform = ensure_platform(session, svc.issuing, svc.platform.identity, now=NOW)
        for state in (MemberState.SUSPENDED, MemberState.ACTIVE):  # suspended by mistake, reinstated at once
            alliance.set_state(session, org_id=org.id, state=state, reason="x", platform=platform, actor="test",
                               now=later)
        assert member_at(session, org.id, later) is MemberState.ACTIVE
        assert member_at(session, org.id, later - timedelta(microseconds=1)) is MemberState.ACTIVE
        assert [state for _, state in history(session, org.id).changes] == [
            MemberState.ACTIVE, MemberState.SUSPENDED, MemberState.ACTIVE]


def test_the_directory_searches_and_filters_and_shows_counts(svc: Services, client: FlaskClient) -> None:
    academy = member(svc, "cloudacademy")
    member(svc, "jobplatform", role=MemberRole.HIRING, kind=MemberKind.HIRING_PLATFORM)
    member(svc, "snu", kind=MemberKind.UNIVERSITY)
    make_org(svc, "outsider")  # not a member
    issue(svc, academy, make_course(svc, academy))
    page = client.get("/members").get_data(as_text=True)
    assert all(f'id="member-{s}"' in page for s in ("cloudacademy", "jobplatform", "snu"))
    assert 'id="member-outsider"' not in page
    assert "과정 1개" in page and "배지 1개 발급" in page
    page = client.get("/members?role=hiring").get_data(as_text=True)
    assert 'id="member-jobplatform"' in page and 'id="member-cloudacademy"' not in page
    page = client.get("/members?kind=university&lang=en").get_data(as_text=True)
    assert 'id="member-snu"' in page and 'id="member-jobplatform"' not in page and "Members found: 1" in page
    page = client.get("/members?q=CLOUDACA").get_data(as_text=True)
    assert 'id="member-cloudacademy"' in page and 'id="member-snu"' not in page
    page = client.get("/members?q=%25").get_data(as_text=True)  # a wildcard is a character, not "anything"
    assert 'li class="row" id="member-' not in page
    page = client.get("/orgs/cloudacademy?lang=ko").get_data(as_text=True)
    assert 'id="membership" data-state="active"' in page and "배지 1개 발급" in page


def test_the_alliance_figures_on_known_data(svc: Services, client: FlaskClient) -> None:
    a = member(svc, "academy")
    b = member(svc, "college", kind=MemberKind.UNIVERSITY)
    member(svc, "hirer", role=MemberRole.HIRING, kind=MemberKind.HIRING_PLATFORM)
    outsider, _ = make_org(svc, "outsider")
    course_a, course_b = make_course(svc, a), make_course(svc, b)
    # 30 November 15:30 UTC is 1 December 00:30 in Korea
    issue(svc, a, course_a, email="one@example.com", now=datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    issue(svc, a, course_a, email="two@example.com", now=datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    issue(svc, b, course_b, email="one@example.com", now=datetime(2026, 10, 5, tzinfo=UTC))
    issue(svc, outsider, make_course(svc, outsider), email="three@example.com")
    with transaction(svc.sessions) as session:
        figures = alliance.figures(session)
    assert figures.by_role == {"training": 2, "hiring": 1}
    assert figures.by_kind["company"] == 1 and figures.by_kind["university"] == 1
    assert figures.by_kind["hiring_platform"] == 1 and figures.members == 3
    assert figures.badges_by_month == [("2026-10", 1), ("2026-11", 1), ("2026-12", 1)]
    assert figures.badges == 3 and figures.learners == 2
    page = client.get("/alliance?lang=en").get_data(as_text=True)
    assert 'id="learners">2<' in page and 'id="month-2026-12"' in page and "of the 1,000,000 goal" in page

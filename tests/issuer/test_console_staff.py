"""The training company's staff in the console (issue 14), on both databases: status changes ask first and say
what will happen; owners and issuers see whom a badge went to (viewers a masked address), find people by name,
export the list, send a notification again; the audit log reads as sentences; the cohort preview says what will
happen; the dashboard guides a new organisation; sample cohort files import cleanly."""
from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import audit, cohorts, jobs
from store.console import AuditEntry
from store.db import transaction
from store.models import Credential, Org
from tests.conftest import SmtpSink
from tests.factories import console_post, enter_as, issue, make_course, make_org
from web.settings import Settings


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def two_seojuns(svc: Services) -> tuple[str, str]:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    return (issue(svc, org, course, name="이서준", email="seojun.lee@example.com", publish_name=False),
            issue(svc, org, course, name="이서준", email="sj.lee@corp.example", publish_name=False))


def revoked(svc: Services, credential_id: str) -> bool:
    with transaction(svc.sessions) as session:
        return session.get_one(Credential, credential_id).revoked_at is not None


# --- asking before a status change ---------------------------------------------------------------------------


def test_revoking_asks_first_naming_the_person_and_the_course(client: FlaskClient, svc: Services) -> None:
    first, second = two_seojuns(svc)
    enter_as(client, svc, _org(svc), email="lee@acme.example")
    path = f"/console/acme/credentials/{first}/revoke"
    asked = console_post(client, path, {"reason": "출석 기록 오류"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and not revoked(svc, first)
    assert "이서준님의 「클라우드 네이티브 개발」 배지를 폐기합니다. 되돌릴 수 없습니다." in page
    assert "사유 「출석 기록 오류」은(는) 배지 페이지에 공개됩니다." in page
    assert re.search(r'id="confirm-ok">폐기합니다<', page) and re.search(r'id="confirm-cancel">취소<', page)
    assert page.count("취소") == 1  # 취소 is the cancel button, never the revocation
    done = console_post(client, path, {"reason": "출석 기록 오류", "confirmed": "1"})
    assert done.status_code == 302 and revoked(svc, first)
    assert "배지 1개를 폐기했습니다" in text(client, done.headers["Location"])
    english = html.unescape(console_post(client, f"/console/acme/credentials/{second}/revoke?lang=en",
                                         {"reason": "wrong attendance"}).get_data(as_text=True))
    assert "This revokes 이서준's badge “Cloud Native Development”. It cannot be undone." in english


def test_suspending_and_reinstating_ask_in_plain_words(client: FlaskClient, svc: Services) -> None:
    first, _ = two_seojuns(svc)
    enter_as(client, svc, _org(svc), email="lee@acme.example")
    page = text(client, f"/console/acme/credentials/{first}")
    assert 'data-confirm-text="이서준님의 「클라우드 네이티브 개발」 배지를 폐기합니다. 되돌릴 수 없습니다."' in page
    assert "일시 정지합니다. 나중에 복원할 수 있습니다" in page and "confirm.js" in page
    asked = console_post(client, f"/console/acme/credentials/{first}/suspend", {"reason": "재확인"})
    assert "이서준님의 「클라우드 네이티브 개발」 배지를 일시 정지합니다." in asked.get_data(as_text=True)
    console_post(client, f"/console/acme/credentials/{first}/suspend", {"reason": "재확인", "confirmed": "1"})
    asked = console_post(client, f"/console/acme/credentials/{first}/reinstate", {})
    assert "배지를 복원합니다. 다시 유효한 배지로 검증됩니다." in asked.get_data(as_text=True)
    done = console_post(client, f"/console/acme/credentials/{first}/reinstate", {"confirmed": "1"})
    assert "배지 1개를 복원했습니다" in text(client, done.headers["Location"])


def test_a_bulk_change_lists_who_it_touches_before_doing_it(client: FlaskClient, svc: Services) -> None:
    ids = two_seojuns(svc)
    enter_as(client, svc, _org(svc), email="lee@acme.example")
    form = {"ids": list(ids), "action": "revoke", "reason": "중복 발급", "back": "/console/acme/credentials?q=이서준"}
    page = console_post(client, "/console/acme/credentials/bulk", form).get_data(as_text=True)
    assert "배지 2개를 폐기합니다. 되돌릴 수 없습니다." in page
    assert "seojun.lee@example.com" in page and "sj.lee@corp.example" in page  # the two 이서준 told apart
    assert not any(revoked(svc, i) for i in ids)
    done = console_post(client, "/console/acme/credentials/bulk", {**form, "confirmed": "1"})
    assert unquote(done.headers["Location"]) == "/console/acme/credentials?q=이서준" and all(revoked(svc, i) for i in ids)


def test_a_confirmation_needs_the_reason_first(client: FlaskClient, svc: Services) -> None:
    first, _ = two_seojuns(svc)
    enter_as(client, svc, _org(svc), email="lee@acme.example")
    response = console_post(client, f"/console/acme/credentials/{first}/revoke", {"reason": " "})
    assert response.status_code == 302 and "사유를 입력하세요" in text(client, response.headers["Location"])


# --- whom a badge went to -------------------------------------------------------------------------------------


def test_owners_and_issuers_see_full_addresses_viewers_masked(app: Flask, svc: Services) -> None:
    first, _ = two_seojuns(svc)
    org = _org(svc)
    for role, shown, hidden in (("owner", "seojun.lee@example.com", None), ("issuer", "sj.lee@corp.example", None),
                                ("viewer", "s***@example.com", "seojun.lee@example.com")):
        client = app.test_client()
        enter_as(client, svc, org, email=f"{role}@acme.example", role=role)
        listing, one = text(client, "/console/acme/credentials"), text(client, f"/console/acme/credentials/{first}")
        assert shown in listing
        if hidden:
            assert hidden not in listing and hidden not in one and "s***@example.com" in one
        else:
            assert "seojun.lee@example.com" in one


def test_the_list_finds_people_by_name_or_address(client: FlaskClient, svc: Services) -> None:
    first, second = two_seojuns(svc)
    enter_as(client, svc, _org(svc), email="lee@acme.example")
    by_name = text(client, "/console/acme/credentials?q=서준")
    assert f'data-credential="{first}"' in by_name and f'data-credential="{second}"' in by_name
    by_address = text(client, "/console/acme/credentials?q=SJ.Lee@corp.example")
    assert f'data-credential="{second}"' in by_address and f'data-credential="{first}"' not in by_address
    by_part = text(client, "/console/acme/credentials?q=@corp.")
    assert f'data-credential="{second}"' in by_part and f'data-credential="{first}"' not in by_part
    nobody = text(client, "/console/acme/credentials?q=%25")  # LIKE's wildcard is searched for, not obeyed
    assert "data-credential=" not in nobody


def test_a_whole_address_finds_that_person_only_and_part_of_one_finds_every_match(client: FlaskClient,
                                                                                   svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    kim = issue(svc, org, course, name="김민지", email="kim@example.kr")
    akim = issue(svc, org, course, name="김아람", email="akim@example.kr")
    enter_as(client, svc, org, email="lee@acme.example")
    whole = text(client, "/console/acme/credentials?q=Kim@Example.kr")  # found by its keyed hash, as typed
    assert f'data-credential="{kim}"' in whole and f'data-credential="{akim}"' not in whole
    lab = issue(svc, org, course, name="Park@Lab 박", email="park@example.kr")  # an "@" in a name is searched too
    part = text(client, "/console/acme/credentials?q=kim@")
    assert f'data-credential="{kim}"' in part and f'data-credential="{akim}"' in part and lab not in part
    by_name = text(client, "/console/acme/credentials?q=PARK@lab")
    assert f'data-credential="{lab}"' in by_name and f'data-credential="{kim}"' not in by_name
    for odd in ("a" * 5000 + "@example.kr", "%@example.kr", "kim@@example.kr", "김@예시.한국"):  # cut, matched as text
        assert "data-credential=" not in text(client, f"/console/acme/credentials?q={odd}")


def test_the_list_exports_as_csv_and_excel_with_inert_cells(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    issue(svc, org, course, name="=HYPERLINK(\"http://evil.example\")", email="evil@example.com")
    issue(svc, org, course, name="이서준", email="seojun.lee@example.com")
    enter_as(client, svc, org, email="lee@acme.example")
    response = client.get("/console/acme/credentials/export.csv?q=이서준")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["이름", "이메일", "과정"] and len(rows) == 2  # filtered, every page of it
    assert rows[1][:3] == ["이서준", "seojun.lee@example.com", "클라우드 네이티브 개발"]
    everyone = list(csv.reader(io.StringIO(client.get("/console/acme/credentials/export.csv?lang=en")
                                           .get_data().decode("utf-8-sig"))))
    assert everyone[0][0] == "Name" and "'=HYPERLINK(\"http://evil.example\")" in [r[0] for r in everyone]
    workbook = client.get("/console/acme/credentials/export.xlsx?lang=ko")
    assert workbook.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet is not None
    cells = [row for row in sheet.iter_rows()]
    assert [c.value for c in cells[0][:2]] == ["이름", "이메일"] and len(cells) == 3
    evil = next(row[0] for row in cells[1:] if "HYPERLINK" in str(row[0].value))
    assert evil.data_type == "s" and str(evil.value).startswith("'=")


# --- sending a notification again -----------------------------------------------------------------------------


@pytest.fixture
def mail_app(settings: Settings, smtp_server: tuple[str, SmtpSink]) -> Iterator[Flask]:
    app = create_app(replace(settings, smtp_url=smtp_server[0], mail_from="badges@academy.example"))
    app.config["TESTING"] = True
    yield app
    app.extensions[jobs.EXTENSION].wait(30)
    app.extensions["badges"].engine.dispose()


def test_resending_a_notification_mails_the_person_and_is_audited_and_limited(
        mail_app: Flask, smtp_server: tuple[str, SmtpSink]) -> None:
    svc: Services = mail_app.extensions["badges"]
    first, _ = two_seojuns(svc)
    client = mail_app.test_client()
    enter_as(client, svc, _org(svc), email="lee@acme.example")
    page = text(client, f"/console/acme/credentials/{first}")
    assert 'id="resend"' in page and "알림 메일 다시 보내기" in page
    response = console_post(client, f"/console/acme/credentials/{first}/resend")
    assert "s***@example.com(으)로 알림 메일을 보냈습니다" in text(client, response.headers["Location"])
    [(_, recipients, raw)] = smtp_server[1].messages
    assert recipients == ["seojun.lee@example.com"]
    assert f"/credentials/{first}" in message_from_bytes(raw, policy=policy.default).get_body(
        ("plain",)).get_content()  # type: ignore[union-attr]
    with transaction(svc.sessions) as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target == first)).all()
    assert "credential.notify_resend" in actions
    for _ in range(2):
        console_post(client, f"/console/acme/credentials/{first}/resend")
    refused = console_post(client, f"/console/acme/credentials/{first}/resend")
    assert "너무 자주 보냈습니다" in text(client, refused.headers["Location"]) and len(smtp_server[1].messages) == 3
    viewer = mail_app.test_client()
    enter_as(viewer, svc, _org(svc), email="kim@acme.example", role="viewer")
    assert console_post(viewer, f"/console/acme/credentials/{first}/resend").status_code == 403


# --- the audit log in words -----------------------------------------------------------------------------------


def test_the_audit_log_reads_as_sentences_without_ids_or_keys(client: FlaskClient, svc: Services) -> None:
    first, _ = two_seojuns(svc)
    org = _org(svc)
    enter_as(client, svc, org, email="lee@acme.example")
    console_post(client, f"/console/acme/credentials/{first}/revoke", {"reason": "출석 기록 오류", "confirmed": "1"})
    with transaction(svc.sessions) as session:
        course = session.scalars(select(Credential.achievement_id)).first()
        job_row = session.get_one(Credential, first)
        audit.record(session, org_id=org.id, actor=f"staff:{job_row.org_id}", action="cohort.confirm",
                     target="job:999", course=job_row.achievement.public_id, rows=12, now=job_row.issued_at)
    assert course is not None
    korean = text(client, "/console/acme/audit")
    shown = re.sub(r"<[^>]+>", " ", korean.split('id="audit-entries"', 1)[1])
    for raw in ("reason:", "course:", "cohort.confirm", "credential.revoke", first, "job:999", "staff:"):
        assert raw not in shown, raw
    assert "배지 폐기" in shown and "이서준 · 「클라우드 네이티브 개발」" in shown and "사유" in shown
    assert "출석 기록 오류" in shown and "명단 발급 시작" in shown and "12명" in shown
    english = re.sub(r"<[^>]+>", " ", text(client, "/console/acme/audit?lang=en").split('id="audit-entries"', 1)[1])
    assert "Badge revoked" in english and "Reason" in english and "Cohort issuing confirmed" in english
    assert "12 people" in english and "「Cloud Native Development」" in english


def test_every_audited_action_and_detail_has_words() -> None:
    # the actions and detail keys written anywhere, collected from the source like the error codes
    import ast
    from pathlib import Path

    from bootstrap.catalogue import CATALOGUES
    keys = {key for catalogue in CATALOGUES for key in catalogue}
    from issuer import audit_view, service
    from store.membership import MemberState

    root = Path(__file__).resolve().parents[2]
    actions, details = set(), set()
    for package in ("issuer", "bootstrap", "wallet", "web"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_audit_everywhere":
                    actions.add(node.args[2].value)  # type: ignore[attr-defined]  # issuer.console_account
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("record", "record_many") and \
                        getattr(node.func.value, "id", "") == "audit":  # type: ignore[attr-defined]
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            value = keyword.value
                            if isinstance(value, ast.Constant):
                                actions.add(value.value)
                            elif isinstance(value, ast.IfExp):
                                actions |= {value.body.value, value.orelse.value}  # type: ignore[attr-defined]
                            elif isinstance(value, ast.Name):
                                pass  # issuer.console_account's: its callers are collected above
                            else:  # f"credential.{action}" / f"course.{action}"
                                prefix = ast.unparse(value).split("{")[0].lstrip("f'\"")
                                actions |= {prefix + a for a in (
                                    service.ACTIONS if prefix == "credential." else
                                    [state.value for state in MemberState] if prefix == "alliance." else
                                    ("archive", "restore"))}
                        elif keyword.arg is None and isinstance(keyword.value, ast.IfExp):
                            details |= {k.value for d in (keyword.value.body, keyword.value.orelse)
                                        if isinstance(d, ast.Dict) for k in d.keys if isinstance(k, ast.Constant)}
                        elif keyword.arg is None and isinstance(keyword.value, ast.Name):
                            pass  # **detail built above it (issuer.awards): its keys are listed below
                        elif keyword.arg not in ("org_id", "actor", "action", "now", "target", "targets", None):
                            details.add(keyword.arg)
    details |= {"course", "version", "job"}  # issuer.awards' detail dict
    assert {"credential.revoke", "cohort.confirm", "staff.password_change", "token.create"} <= actions
    assert sorted(a for a in actions if f"audit.action.{a}" not in keys) == []
    assert sorted(d for d in details if d not in audit_view.LABELS) == []
    assert sorted(k for k in audit_view.LABELS.values() if k not in keys) == []


# --- the cohort preview says what will happen -----------------------------------------------------------------


def test_the_cohort_preview_says_what_will_happen_not_what_has(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    enter_as(client, svc, org, email="lee@acme.example")
    data = "이름,이메일,수료일\n김민지,minji@example.com,2026-02-27\n박지우,jiwoo(at)example.com,2026-02-27\n"
    response = console_post(client, "/console/acme/cohorts", {
        "course": course.public_id, "notify": "1", "file": (io.BytesIO(data.encode()), "cohort.csv")},
        content_type="multipart/form-data")
    page = text(client, response.headers["Location"])
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "확인하면 1명에게 발급하고 알림 메일을 보냅니다." in shown
    assert "보냄" not in shown and "이미 처리되었습니다" not in shown and "보냈습니다" not in shown
    assert "오류가 있는 줄은 발급하지 않습니다" in shown


# --- a new organisation's first steps and the sample files ----------------------------------------------------


def test_the_empty_dashboard_guides_to_the_first_course_and_badge(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example")
    empty = text(client, "/console/acme")
    assert 'id="first-steps"' in empty and 'id="chart-issued-title"' not in empty
    assert 'data-step="course" data-done="no"' in empty and 'href="/console/acme/courses/new"' in empty
    course = make_course(svc, org)
    assert 'data-step="course" data-done="yes"' in text(client, "/console/acme")
    issue(svc, org, course)
    after = text(client, "/console/acme")
    assert 'id="first-steps"' not in after and 'id="chart-issued-title"' in after


@pytest.mark.parametrize("kind, lang", [("csv", "ko"), ("csv", "en"), ("xlsx", "ko"), ("xlsx", "en")])
def test_the_sample_cohort_files_import_cleanly(client: FlaskClient, svc: Services, kind: str, lang: str) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    enter_as(client, svc, org, email="lee@acme.example")
    assert f"/console/acme/cohorts/sample.{kind}" in text(client, "/console/acme/issue")
    sample = client.get(f"/console/acme/cohorts/sample.{kind}?lang={lang}")
    assert sample.status_code == 200 and "attachment" in sample.headers["Content-Disposition"]
    sheet = cohorts.read_table(sample.data, filename=f"sample.{kind}")
    assert sheet.headers[:3] == cohorts.SAMPLE_HEADERS[lang] and set(sheet.columns) == set(cohorts.COLUMNS)
    rows = cohorts.check_rows(sheet, default_completed=None, today=date.today())
    assert len(rows) == 3 and [r.problem for r in rows] == [None, None, None]
    uploaded = console_post(client, "/console/acme/cohorts", {
        "course": course.public_id, "file": (io.BytesIO(sample.data), f"sample.{kind}")},
        content_type="multipart/form-data")
    assert "3명에게 발급합니다" in text(client, uploaded.headers["Location"] + "?lang=ko")


def test_the_home_page_leads_staff_into_the_console(client: FlaskClient) -> None:
    home = text(client, "/")
    assert re.search(r'<a [^>]*href="/console"[^>]*>기관 로그인</a>', home)
    assert "Organisation sign-in" in text(client, "/?lang=en")
    assert 'href="/console/password/forgot"' in text(client, "/console/sign-in")


def _org(svc: Services) -> Org:
    """The organisation "acme" made by two_seojuns (or make_org)."""
    with transaction(svc.sessions) as session:
        org = session.scalars(select(Org).where(Org.slug == "acme")).one()
        session.expunge(org)
        return org



@pytest.mark.parametrize("form, field, korean", [
    ({}, "name_ko", "과정명을 한국어나 영어로 입력하세요"),
    ({"name_ko": "데이터 분석", "description_ko": "설명", "criteria_ko": "기준", "hours": "많이"}, "hours",
     "교육 시간은 0보다 큰 숫자로 입력하세요"),
    ({"name_ko": "데이터 분석", "description_ko": "설명"}, "criteria_ko", "이수 기준도 적으세요"),
])
def test_the_korean_course_form_shows_its_errors_in_korean(client: FlaskClient, svc: Services, form: dict[str, str],
                                                           field: str, korean: str) -> None:
    org, _ = make_org(svc)
    enter_as(client, svc, org, email="lee@acme.example")
    response = console_post(client, "/console/acme/courses", {"achievement_type": "Course", **form})
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', page)
    assert response.status_code == 422 and error and korean in error[1]
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", error[1])  # no English sentence in it

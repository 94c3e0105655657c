"""The organisation's console pages: profile and logo, keys, API tokens, the audit log; and what they record."""
from __future__ import annotations

import email
import io
import json
import re
from email import policy
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bootstrap.cli import main
from bootstrap.wiring import Services
from issuer import audit
from store.console import AuditEntry
from store.db import make_engine, transaction
from store.models import ApiToken, Org
from tests.badges.test_images import HOSTILE_SVG
from tests.conftest import SmtpSink
from tests.factories import NOW, issue, make_course, make_org
from tests.issuer.test_console_auth import csrf, enter_console, make_member


@pytest.fixture
def acme(client: FlaskClient, svc: Services) -> Org:
    """Organisation acme with its owner signed in on `client`."""
    org, _ = make_org(svc, "acme")
    enter_console(client, make_member(svc, org, email="owner@acme.example"))
    return org


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client, "/console/acme/profile")})


def upload(client: FlaskClient, data: bytes, filename: str):  # type: ignore[no-untyped-def]
    """POST a logo file, encoded in memory (the test client would spool a large body to an unclosed temp file)."""
    boundary, body = encode_multipart({"csrf_token": csrf(client, "/console/acme/profile"),
                                       "logo": FileStorage(io.BytesIO(data), filename)})
    return client.post("/console/acme/profile/logo", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 96), (4, 120, 87)).save(out, format="PNG")
    return out.getvalue()


def audit_log(svc: Services, org: Org) -> list[AuditEntry]:
    """The organisation's entries, oldest first, without those of the test factories' own issues."""
    with transaction(svc.sessions) as session:
        return [e for e in reversed(audit.entries(session, org_id=org.id)) if e.actor != "test"]


PROFILE = {"name_ko": "에이크미 아카데미", "name_en": "Acme Academy", "description_ko": "클라우드 교육 전문 기관",
           "description_en": "Cloud training", "url": "https://acme.example", "email": "hello@acme.example"}


def test_owner_edits_the_profile_and_new_credentials_carry_it(client: FlaskClient, svc: Services,
                                                              acme: Org) -> None:
    response = post(client, "/console/acme/profile", PROFILE)
    assert response.status_code == 302
    assert "기관 정보를 저장했습니다" in client.get("/console/acme/profile").get_data(as_text=True)
    credential = json.loads(client.get(f"/credentials/{issue(svc, acme, make_course(svc, acme))}.json").data)
    assert credential["issuer"]["name"] == "에이크미 아카데미"
    assert credential["issuer"]["description"] == "클라우드 교육 전문 기관"
    assert credential["issuer"]["email"] == "hello@acme.example"
    [entry] = audit_log(svc, acme)
    assert entry.action == "org.profile" and entry.actor.startswith("staff:")
    assert set(entry.detail["fields"]) == {"name_ko", "description_ko", "description_en", "email"}


@pytest.mark.parametrize("field, value, message", [
    ("name_en", "  ", "기관명을 한국어와 영어로 모두 입력하세요"),
    ("url", "acme.example", "https://로 시작하는 전체 웹 주소를 입력하세요"),
    ("url", "https://acme.example/a<b>{c}|d", "https://로 시작하는 전체 웹 주소를 입력하세요. 공백"),
    ("url", "https://acme.example/our courses", "https://로 시작하는 전체 웹 주소를 입력하세요. 공백"),
    ("email", "hello at acme", "올바른 이메일 주소가 아닙니다"),
    ("name_ko", "에이크미\r\n아카데미", "줄바꿈이나 탭 같은 제어 문자가 들어 있습니다"),
    ("description_en", "Cloud training\x00", "줄바꿈이나 탭 같은 제어 문자가 들어 있습니다"),
])
def test_a_profile_mistake_is_explained_next_to_its_field_and_nothing_typed_is_lost(
        client: FlaskClient, svc: Services, acme: Org, field: str, value: str, message: str) -> None:
    response = post(client, "/console/acme/profile", {**PROFILE, field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error"[^>]*>{message}', page)
    assert "클라우드 교육 전문 기관" in page and "Cloud training" in page
    with transaction(svc.sessions) as session:
        assert session.get_one(Org, acme.id).description_ko == ""
    assert audit_log(svc, acme) == []


def test_a_website_with_korean_letters_is_saved_as_typed_and_new_credentials_carry_it(
        client: FlaskClient, svc: Services, acme: Org) -> None:
    url = "https://에이크미.한국/교육과정"
    assert post(client, "/console/acme/profile", {**PROFILE, "url": url}).status_code == 302
    credential = json.loads(client.get(f"/credentials/{issue(svc, acme, make_course(svc, acme))}.json").data)
    assert credential["issuer"]["url"] == url


def test_viewers_see_the_profile_but_cannot_change_it(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    enter_console(client, make_member(svc, org, email="viewer@acme.example", role="viewer"))
    page = client.get("/console/acme/profile").get_data(as_text=True)
    assert "Acme Academy" in page and 'action="/console/acme/profile"' not in page
    assert post(client, "/console/acme/profile", PROFILE).status_code == 403


def test_an_uploaded_png_logo_becomes_the_issuer_image_of_new_credentials(client: FlaskClient, svc: Services,
                                                                          acme: Org) -> None:
    logo = png_bytes()
    response = upload(client, logo, "logo.png")
    assert response.status_code == 302
    served = client.get("/orgs/acme/logo")
    assert served.data == logo and served.mimetype == "image/png"
    assert client.get("/orgs/acme/logo", headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    credential = json.loads(client.get(f"/credentials/{issue(svc, acme, make_course(svc, acme))}.json").data)
    assert credential["issuer"]["image"] == {"id": "http://badges.test/orgs/acme/logo", "type": "Image",
                                             "caption": "Acme Academy"}
    assert client.post("/api/v1/verify", json={"credential": credential}).get_json()["verified"] is True
    assert 'src="/orgs/acme/logo"' in client.get("/orgs/acme").get_data(as_text=True)
    assert [e.action for e in audit_log(svc, acme)] == ["org.logo"]


def test_an_uploaded_svg_logo_is_served_sanitised_under_a_strict_policy(client: FlaskClient, acme: Org) -> None:
    upload(client, HOSTILE_SVG, "logo.svg")
    served = client.get("/orgs/acme/logo")
    assert served.mimetype == "image/svg+xml"
    assert b"script" not in served.data and b"evil.example" not in served.data and "한국어 로고".encode() in served.data
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("data, message", [
    (b"GIF89a not a logo", "PNG와 SVG 이미지만 올릴 수 있습니다"),
    (b"<svg><unclosed></svg>", "올바른 SVG 파일이 아닙니다"),
    (b"\x89PNG\r\n\x1a\n" + b"x" * 600_000, "파일이 너무 큽니다"),
])
def test_a_bad_logo_is_refused_with_a_reason_and_the_old_one_stays(client: FlaskClient, acme: Org, data: bytes,
                                                                   message: str) -> None:
    upload(client, png_bytes(), "ok.png")
    response = upload(client, data, "bad.bin")
    assert response.status_code in (413, 422)
    assert message in response.get_data(as_text=True)
    assert client.get("/orgs/acme/logo").mimetype == "image/png"


def test_removing_the_logo_takes_it_out_of_new_credentials(client: FlaskClient, svc: Services, acme: Org) -> None:
    upload(client, png_bytes(), "ok.png")
    assert post(client, "/console/acme/profile/logo/remove").status_code == 302
    assert client.get("/orgs/acme/logo").status_code == 404
    credential = json.loads(client.get(f"/credentials/{issue(svc, acme, make_course(svc, acme))}.json").data)
    assert "image" not in credential["issuer"]


def test_owner_rotates_the_key_and_old_badges_still_verify(client: FlaskClient, svc: Services, acme: Org) -> None:
    old = issue(svc, acme, make_course(svc, acme))
    page = client.get("/console/acme/keys").get_data(as_text=True)
    assert acme.did in page and "/orgs/acme/did.json" in page and "#key-1" in page
    assert post(client, "/console/acme/keys/rotate").status_code == 302
    page = client.get("/console/acme/keys").get_data(as_text=True)
    assert page.index("#key-2") < page.index("#key-1") and "퇴역" in page and "새 키 #key-2로 교체했습니다" in page
    did = client.get("/orgs/acme/did.json").get_json()
    assert [m["id"].rsplit("#", 1)[1] for m in did["verificationMethod"]] == ["key-1", "key-2"]
    report = client.post("/api/v1/verify", json={"credential": json.loads(client.get(f"/credentials/{old}.json").data)})
    assert report.get_json()["verified"] is True
    [entry] = audit_log(svc, acme)
    assert "이 서버에 암호화해 보관" in page  # sealed under the KEK: the instance's default custody
    assert (entry.action, entry.target, entry.detail) == ("key.rotate", "key-2",
                                                          {"retired": "key-1", "custody": "software"})


def test_owner_creates_a_scoped_token_sees_it_once_and_revokes_it(client: FlaskClient, svc: Services,
                                                                  acme: Org) -> None:
    course = make_course(svc, acme)
    response = post(client, "/console/acme/tokens", {"label": "LMS", "scopes": ["read"]})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    token = re.search(r'>(bdg_[A-Za-z0-9_-]+)</textarea>', response.get_data(as_text=True))[1]
    assert token not in client.get("/console/acme/tokens").get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/achievements", headers=bearer).status_code == 200
    refused = client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers=bearer,
                          json={"recipient": {"name": "김민지", "email": "minji@example.com"}})
    assert refused.status_code == 403
    with transaction(svc.sessions) as session:
        token_id = session.scalars(select(ApiToken.id).where(ApiToken.org_id == acme.id)).one()
    assert post(client, f"/console/acme/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/achievements", headers=bearer).status_code == 401
    assert [(e.action, e.target) for e in audit_log(svc, acme)] == [
        ("token.create", f"token:{token_id}"), ("token.revoke", f"token:{token_id}")]


def test_a_token_needs_at_least_one_scope(client: FlaskClient, svc: Services, acme: Org) -> None:
    response = post(client, "/console/acme/tokens", {"label": "nothing"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "권한을 하나 이상 고르세요" in page and 'value="nothing"' in page
    with transaction(svc.sessions) as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_an_owner_cannot_revoke_another_organisations_token(client: FlaskClient, svc: Services, acme: Org) -> None:
    make_org(svc, "globex", with_token=True)
    with transaction(svc.sessions) as session:
        foreign = session.scalars(select(ApiToken)).one()
    assert post(client, f"/console/acme/tokens/{foreign.id}/revoke").status_code == 404
    with transaction(svc.sessions) as session:
        assert session.get_one(ApiToken, foreign.id).revoked_at is None


def test_api_issue_and_revoke_are_in_the_audit_log_under_the_token(client: FlaskClient, svc: Services) -> None:
    org, token = make_org(svc, "acme", with_token=True)
    course = make_course(svc, org)
    bearer = {"Authorization": f"Bearer {token}"}
    body = {"id": "row-1", "recipient": {"name": "김민지", "email": "minji@example.com"}}
    issued = client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers=bearer, json=body)
    client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers=bearer, json=body)  # a replay
    credential_id = issued.get_json()["id"].rsplit("/", 1)[1]
    client.post(f"/api/v1/credentials/{credential_id}/revoke", headers=bearer, json={"reason": "수료 취소"})
    entries = audit_log(svc, org)
    assert [(e.action, e.target) for e in entries] == [("credential.issue", credential_id),
                                                       ("credential.revoke", credential_id)]
    assert entries[0].actor == entries[1].actor and entries[0].actor.startswith("token:")
    assert entries[1].detail == {"reason": "수료 취소"}


def test_the_audit_page_names_who_did_what_and_filters_by_kind(client: FlaskClient, svc: Services,
                                                               acme: Org) -> None:
    post(client, "/console/acme/keys/rotate")
    post(client, "/console/acme/tokens", {"label": "LMS", "scopes": ["read", "issue"]})
    page = client.get("/console/acme/audit?lang=en").get_data(as_text=True)
    assert "Signing key rotated" in page and "API token created" in page and "owner@acme.example" in page
    keys_only = client.get("/console/acme/audit?kind=key&lang=ko").get_data(as_text=True)
    assert "서명 키 교체" in keys_only and "API 토큰 생성" not in keys_only


def test_the_audit_page_pages_back_through_older_entries(client: FlaskClient, svc: Services, acme: Org) -> None:
    with transaction(svc.sessions) as session:
        for n in range(55):
            audit.record(session, org_id=acme.id, actor="cli", action="credential.issue", target=f"c-{n}",
                         now=NOW)
    first = client.get("/console/acme/audit").get_data(as_text=True)
    assert 'data-target="c-54"' in first and 'data-target="c-4"' not in first
    older = re.search(r'href="\?([^"]+)">[^<]*이전 기록', first)[1].replace("&amp;", "&")
    second = client.get(f"/console/acme/audit?{older}").get_data(as_text=True)
    assert 'data-target="c-4"' in second and 'data-target="c-54"' not in second


def test_the_cli_records_issue_revoke_token_and_key_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY", "BADGES_ENV",
                 "BADGES_PUBLIC_URL", "BADGES_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    main(["demo"])
    main(["courses"])
    course = capsys.readouterr().out.strip().splitlines()[-1].split()[0]
    main(["issue", "--course", course, "--name", "한지민", "--email", "jimin@example.com"])
    credential_id = capsys.readouterr().out.strip().rsplit("/", 1)[1]
    assert main(["revoke", credential_id, "--reason", "잘못 발급"]) == 0
    assert main(["token", "--scopes", "read"]) == 0
    assert main(["rotate-key"]) == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'badges.sqlite3'}")
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("cli", "credential.issue"),  # the demo's badge, then `badges issue`
                                        ("cli", "credential.issue"), ("cli", "credential.revoke"),
                                        ("cli", "token.create"), ("cli", "key.rotate")]


def test_org_create_invites_the_first_owner_by_email(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str],
                                                     smtp_server: tuple[str, SmtpSink]) -> None:
    for name in ("BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY", "BADGES_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("BADGES_PUBLIC_URL", "https://badges.alliance.example")
    monkeypatch.setenv("BADGES_SMTP_URL", smtp_server[0])
    main(["init"])
    capsys.readouterr()
    assert main(["org", "create", "korea-it", "--name-ko", "한국IT아카데미", "--name-en", "Korea IT Academy",
                 "--owner", "Head@Korea-IT.example"]) == 0
    out = capsys.readouterr().out
    assert "did:web:badges.alliance.example:orgs:korea-it" in out and "(e-mail sent)" in out
    link = re.search(r"Invitation:\s+(\S+)", out)[1]
    message = email.message_from_bytes(smtp_server[1].messages[0][2], policy=policy.default)
    assert message["To"] == "head@korea-it.example" and "한국IT아카데미" in message["Subject"]
    assert link in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert main(["org", "create", "sign-in", "--name-ko", "가", "--name-en", "A", "--owner", "a@b.example"]) == 2

"""The employers' verification workspace: a mixed batch through the one pipeline, its table, CSV and Excel
exports read back, retention, deletion, resumption after a crash, and organisations kept apart."""
from __future__ import annotations

import base64
import csv
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from badges import qr
from bootstrap import cli
from bootstrap.app import start
from bootstrap.wiring import Services
from issuer import service
from store import workspace as store
from store.console import StaffUser
from store.credentials import get_credential
from store.db import transaction
from store.models import Org
from store.workspace import WorkspaceBatch, WorkspaceItem
from tests.factories import issue, make_course, make_org
from tests.issuer.test_console_auth import enter_console, make_member
from tests.verifier.remote import RemoteIssuer
from verifier import workspace
from wallet.pdf import PdfBadge, career_pdf
from web.security import CSRF_FIELD
from web.settings import ConfigError, Settings


def jpeg_of_qr(text: str) -> bytes:
    """A photo-like JPEG with the QR code of `text` on a grey background."""
    code = Image.open(io.BytesIO(qr.qr_png(text))).convert("RGB").resize((420, 420))
    canvas = Image.new("RGB", (1024, 768), (140, 140, 150))
    canvas.paste(code, (300, 170))
    out = io.BytesIO()
    canvas.save(out, format="JPEG")
    return out.getvalue()


def wallet_pdf(*urls: str) -> bytes:
    badges = [PdfBadge(f"Badge {n}", "Acme", None, None, (), "valid", url) for n, url in enumerate(urls, 1)]
    return career_pdf(lang="ko", learner_name="김민지", holder_did="did:key:z6Mk", badges=badges, total_hours=0,
                      generated=datetime.now(UTC))


def csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session[CSRF_FIELD])


def submit(client: FlaskClient, slug: str, *, lines: str = "", files: list[tuple[bytes, str]] | None = None,
           lang: str = "en") -> Any:
    data: dict[str, Any] = {CSRF_FIELD: csrf(client), "lines": lines, "label": "Backend hiring",
                            "files": [(io.BytesIO(body), name) for body, name in files or []]}
    response = client.post(f"/console/{slug}/workspace?lang={lang}", data=data, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file it leaves open
    return response


def finish(app: Flask) -> None:
    assert app.extensions[workspace.EXTENSION].wait(120)


@pytest.fixture
def acme(fetching_app: Flask) -> dict[str, Any]:
    """Acme (a member that issues) with a valid and a revoked badge, and a signed-in staff member (a viewer)."""
    svc: Services = fetching_app.extensions["badges"]
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    valid = issue(svc, org, course, email="minji.kim@example.com", name="김민지")
    second = issue(svc, org, course, email="alex@example.com", name="Alex Kim")
    revoked = issue(svc, org, course, email="jun@example.com", name="박준")
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=revoked,
                       reason="test", actor="test", now=datetime.now(UTC))
    client = fetching_app.test_client()
    enter_console(client, make_member(svc, org, email="hr@acme.example", role="viewer"))
    return {"svc": svc, "org": org, "valid": valid, "second": second, "revoked": revoked, "client": client}


def mixed_batch(acme: dict[str, Any], remote: RemoteIssuer) -> tuple[Any, dict[str, str]]:
    svc, links = acme["svc"], acme["svc"].issuing.links
    with transaction(svc.sessions) as session:
        forged = json.loads(get_credential(session, acme["valid"]).document)
    forged["credentialSubject"]["achievement"]["name"] = "의사 면허"
    foreign = f"{remote.url}/credentials/abc.json"
    remote.issuer.publish(foreign, remote.issuer.data_integrity())
    lines = "\n".join([links.verify(acme["valid"]), "", links.verify(acme["revoked"]), foreign,
                       "=HYPERLINK(\"https://evil.example\")"])
    files = [(json.dumps(forged, ensure_ascii=False).encode(), "forged.json"),
             (jpeg_of_qr(links.verify(acme["second"])), "qr-photo.jpg"),
             (wallet_pdf(links.verify(acme["valid"]), links.verify(acme["revoked"])), "career.pdf"),
             (b"{" + b" " * workspace.MAX_UPLOAD + b"}", "huge.json")]
    return submit(acme["client"], "acme", lines=lines, files=files), {"foreign": foreign}


def table(app: Flask, batch_id: int) -> list[WorkspaceItem]:
    svc: Services = app.extensions["badges"]
    with transaction(svc.sessions) as session:
        return store.items(session, batch_id)


def test_a_mixed_batch_gives_one_row_per_item_with_who_what_from_whom_and_why(
        fetching_app: Flask, acme: dict[str, Any], remote: RemoteIssuer) -> None:
    response, _ = mixed_batch(acme, remote)
    assert response.status_code == 303
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1].split("?")[0])
    finish(fetching_app)
    rows = {f"{r.position}.{r.part}": r for r in table(fetching_app, batch_id)}
    got = {key: (r.verdict, r.failed_check, r.problem_code) for key, r in rows.items()}
    assert got == {
        "1.0": ("valid", None, None),
        "2.0": ("revoked", "status", "status.revoked"),
        "3.0": ("valid", None, None),
        "4.0": (None, None, "workspace.bad_line"),
        "5.0": ("not_genuine", "proof", got["5.0"][2]),
        "6.0": ("valid", None, None),
        "7.1": ("valid", None, None),
        "7.2": ("revoked", "status", "status.revoked"),
        "8.0": (None, None, "workspace.file_too_large"),
    }
    assert (rows["1.0"].holder_name, rows["1.0"].member_slug) == ("김민지", "acme")
    assert (rows["6.0"].holder_name, rows["6.0"].achievement_name) == ("Alex Kim", "클라우드 네이티브 개발")
    assert rows["3.0"].member_slug is None and rows["3.0"].issuer_id == remote.issuer.did
    assert rows["5.0"].member_slug is None  # a forgery never borrows the member's name

    page = acme["client"].get(f"/console/acme/workspace/{batch_id}?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert "Revoked by the issuer" in text and "Failed check: Revocation status" in text
    assert "not a registered member" in text and "Neither a badge link" in text
    korean = acme["client"].get(f"/console/acme/workspace/{batch_id}?lang=ko").get_data(as_text=True)
    assert "발급 기관이 폐기한 배지입니다" in korean and "등록된 회원 기관 아님" in korean

    report = acme["client"].get(f"/console/acme/workspace/{batch_id}/items/{rows['3.0'].id}?lang=en")
    assert report.status_code == 200 and 'data-verdict="valid"' in report.get_data(as_text=True)
    ours = acme["client"].get(f"/console/acme/workspace/{batch_id}/items/{rows['1.0'].id}")
    assert ours.status_code == 302 and ours.headers["Location"].endswith(f"/v/{acme['valid']}")


def test_the_csv_and_excel_exports_read_back_with_every_cell_inert(
        fetching_app: Flask, acme: dict[str, Any], remote: RemoteIssuer) -> None:
    response, _ = mixed_batch(acme, remote)
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    finish(fetching_app)
    client = acme["client"]

    exported = client.get(f"/console/acme/workspace/{batch_id}/results.csv?lang=en")
    assert exported.status_code == 200 and exported.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["No.", "Input", "Holder", "Badge", "Issuer", "Registered member", "Result", "Failed check",
                       "Why", "Full report"]
    by_position = {row[0]: row for row in rows[1:]}
    assert len(by_position) == 9
    assert by_position["1"][2:4] == ["김민지", "클라우드 네이티브 개발"] and by_position["1"][6] == "Valid badge"
    assert by_position["1"][9].endswith(f"/v/{acme['valid']}")
    assert by_position["2"][6:8] == ["Revoked by the issuer", "Revocation status"]
    assert by_position["3"][5] == "not a registered member"
    assert by_position["4"][1] == "'=HYPERLINK(\"https://evil.example\")"  # shown, never run
    assert by_position["7.2"][6] == "Revoked by the issuer"

    workbook = client.get(f"/console/acme/workspace/{batch_id}/results.xlsx?lang=ko")
    assert workbook.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:3] == ["번호", "입력", "소유자"] and len(cells) == 10
    formula = next(row for row in sheet.iter_rows() if row[0].value == "4")[1]
    assert formula.data_type == "s" and formula.value == "'=HYPERLINK(\"https://evil.example\")"
    assert next(row for row in cells if row[0] == "2")[6] == "발급 기관이 폐기한 배지입니다"


def test_nothing_or_too_much_is_refused_with_the_text_kept(fetching_app: Flask, acme: dict[str, Any]) -> None:
    empty = submit(acme["client"], "acme", lines="  \n ")
    assert empty.status_code == 422 and "Paste links (one per line)" in empty.get_data(as_text=True)
    many = "\n".join(f"https://example.com/{n}" for n in range(workspace.MAX_ITEMS + 1))
    refused = submit(acme["client"], "acme", lines=many, lang="ko")
    assert refused.status_code == 413 and "최대 200개" in refused.get_data(as_text=True)
    assert "https://example.com/200" in refused.get_data(as_text=True)
    with transaction(acme["svc"].sessions) as session:
        assert session.query(WorkspaceBatch).count() == 0


def test_pasted_text_up_to_its_limit_is_read_and_over_it_gets_the_pages_own_message(
        fetching_app: Flask, acme: dict[str, Any]) -> None:
    long_line = "https://example.com/" + "가" * 300_000  # ~900 KB of UTF-8: over Flask's default for a form field
    taken = submit(acme["client"], "acme", lines=long_line)
    assert taken.status_code == 303, taken.status_code  # one item (which will not open), not a bare 413
    finish(fetching_app)
    over = submit(acme["client"], "acme", lines="x" * (workspace.MAX_TEXT + 1), lang="ko")
    assert over.status_code == 413 and "붙여 넣은 내용이 너무 깁니다" in over.get_data(as_text=True)


def test_batches_past_their_retention_are_deleted_at_start_and_any_at_once_on_request(
        fetching_app: Flask, acme: dict[str, Any]) -> None:
    svc, now = acme["svc"], datetime.now(UTC)
    given = workspace.from_lines("not a link")
    staff_id = _staff_id(svc)
    with transaction(svc.sessions) as session:
        old = workspace.create_batch(session, org_id=acme["org"].id, staff_id=staff_id, given=given, label="old",
                                     now=now - timedelta(days=31), keep_days=30)
        kept = workspace.create_batch(session, org_id=acme["org"].id, staff_id=staff_id, given=given, label="new",
                                      now=now - timedelta(days=29), keep_days=30)
        old_id, kept_id = old.id, kept.id
    start(fetching_app)
    with transaction(svc.sessions) as session:
        assert session.get(WorkspaceBatch, old_id) is None
        assert session.query(WorkspaceItem).filter_by(batch_id=old_id).count() == 0
        assert session.get(WorkspaceBatch, kept_id) is not None

    client = acme["client"]
    deleted = client.post(f"/console/acme/workspace/{kept_id}/delete", data={CSRF_FIELD: csrf(client)})
    assert deleted.status_code == 303
    assert client.get(f"/console/acme/workspace/{kept_id}").status_code == 404
    with transaction(svc.sessions) as session:
        assert session.query(WorkspaceItem).count() == 0


def test_the_retention_period_is_a_setting(fetching_app: Flask, acme: dict[str, Any]) -> None:
    env = {"BADGES_SECRET_KEY": "x", "BADGES_KEY_ENCRYPTION_KEY": "A" * 43 + "="}
    assert Settings.from_env({**env, "BADGES_WORKSPACE_DAYS": "7"}, instance_dir=Path(".")).workspace_days == 7
    assert Settings.from_env(env, instance_dir=Path(".")).workspace_days == 30
    with pytest.raises(ConfigError, match="BADGES_WORKSPACE_DAYS"):
        Settings.from_env({**env, "BADGES_WORKSPACE_DAYS": "0"}, instance_dir=Path("."))


def test_a_batch_cut_short_is_resumed_from_its_pending_items(fetching_app: Flask, acme: dict[str, Any]) -> None:
    svc, links = acme["svc"], acme["svc"].issuing.links
    given = workspace.from_lines("\n".join([links.verify(acme["valid"]), links.verify(acme["revoked"])]))
    with transaction(svc.sessions) as session:  # as a crash leaves it: items pending, the runner's lease run out
        batch = workspace.create_batch(session, org_id=acme["org"].id, staff_id=_staff_id(svc), given=given,
                                       label="", now=datetime.now(UTC), keep_days=30)
        batch.runner, batch.lease_until = "dead", datetime.now(UTC) - timedelta(seconds=1)
        batch_id = batch.id
    start(fetching_app)
    finish(fetching_app)
    assert [r.verdict for r in table(fetching_app, batch_id)] == ["valid", "revoked"]
    with transaction(svc.sessions) as session:
        assert session.get_one(WorkspaceBatch, batch_id).finished_at is not None


def test_one_organisation_never_sees_anothers_batches(fetching_app: Flask, acme: dict[str, Any]) -> None:
    svc = acme["svc"]
    submitted = submit(acme["client"], "acme", lines="not a link")
    batch_id = int(submitted.headers["Location"].rsplit("/", 1)[1])
    globex, _ = make_org(svc, "globex")
    stranger = fetching_app.test_client()
    enter_console(stranger, make_member(svc, globex, email="hr@globex.example"))
    for path in ("", "/results.csv", "/results.xlsx"):
        assert stranger.get(f"/console/acme/workspace/{batch_id}{path}").status_code == 404
        assert stranger.get(f"/console/globex/workspace/{batch_id}{path}").status_code == 404
    assert stranger.post(f"/console/globex/workspace/{batch_id}/delete",
                         data={CSRF_FIELD: csrf(stranger)}).status_code == 404
    assert "not a link" not in stranger.get("/console/globex/workspace").get_data(as_text=True)
    assert "not a link" in acme["client"].get(f"/console/acme/workspace/{batch_id}").get_data(as_text=True)


def _staff_id(svc: Services) -> int:
    with transaction(svc.sessions) as session:
        return session.scalars(select(StaffUser.id).where(StaffUser.email == "hr@acme.example")).one()


def test_the_cleanup_command_deletes_what_is_past_its_retention(fetching_app: Flask, acme: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    svc, now = acme["svc"], datetime.now(UTC)
    with transaction(svc.sessions) as session:
        workspace.create_batch(session, org_id=acme["org"].id, staff_id=_staff_id(svc),
                               given=workspace.from_lines("old"), label="", now=now - timedelta(days=8), keep_days=7)
    settings = svc.settings
    monkeypatch.setenv("BADGES_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BADGES_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(settings.key_encryption_key).decode())
    assert cli.main(["workspace-cleanup"]) == 0
    assert "Deleted 1 verification batches" in capsys.readouterr().out
    with transaction(svc.sessions) as session:
        assert session.scalars(select(WorkspaceBatch)).all() == []


def test_a_process_checks_at_most_a_few_batches_at_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    running, most, lock = [0], [0], threading.Lock()

    def run(batch_id: int) -> None:  # stands for a batch's checking, which may wait on fetches for seconds
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.2)
        with lock:
            running[0] -= 1
    monkeypatch.setattr(workspace, "run", run)
    runner = workspace.Runner(app)
    for batch_id in range(6):  # six employers submit at once
        runner.submit(batch_id)
    assert runner.wait(60)
    assert most[0] == workspace.RUNNING == 2

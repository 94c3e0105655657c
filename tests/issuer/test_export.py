"""An organisation takes all its data with it: a ZIP of JSON and CSV from the console (owners only) or
`badges export-org`, whose audit log a third party can re-chain and whose checkpoints verify against its DID
document, with no password or token hashes in it."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import rfc8785
from flask.testing import FlaskClient
from sqlalchemy import select

from badges import dids, jcs
from bootstrap.wiring import Services
from issuer import audit, service
from store import audit as chain
from store.console import AuditEntry, StaffUser
from store.db import transaction
from store.models import Credential, Org
from tests.factories import NOW, console_post, enter_as, issue, make_course, make_org, make_staff
from tests.issuer.test_audit_chain import cli
from web.settings import Settings


def an_organisation_with_history(svc: Services) -> Org:
    org, _ = make_org(svc, with_token=True)
    course = make_course(svc, org, tags=["=HYPERLINK(\"http://x\")"])
    first = issue(svc, org, course, email="minji@example.com")
    issue(svc, org, course, email="jiwoo@example.com", name="박지우", publish_name=False)
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=first,
                       reason="=cmd|' /C calc'!A0", actor="cli", now=NOW)
        audit.checkpoint(session, org=session.get_one(Org, org.id), now=NOW,
                         signer=service.signer(svc.issuing, session.get_one(Org, org.id)))
    make_staff(svc, org, email="viewer@acme.example", role="viewer")
    return org


def members(archive: zipfile.ZipFile) -> dict[str, bytes]:
    return {name: archive.read(name) for name in archive.namelist()}


def check_archive(data: bytes, svc: Services, org: Org) -> dict[str, bytes]:
    """The archive's files, after checking what any reader could check with the archive alone."""
    files = members(zipfile.ZipFile(io.BytesIO(data)))
    manifest = json.loads(files["manifest.json"])
    assert {m["file"] for m in manifest["files"]} | {"manifest.json"} == set(files)
    for listed in manifest["files"]:
        assert hashlib.sha256(files[listed["file"]]).hexdigest() == listed["sha256"]
    prev = "0" * 64
    lines = [json.loads(line) for line in files["audit.jsonl"].splitlines()]
    for line in lines:  # re-chained from the manifest's description alone
        assert line["prev"] == prev
        fields = {k: line[k] for k in ("org", "seq", "time", "actor", "action", "target", "details", "prev")}
        assert hashlib.sha256(rfc8785.dumps(fields)).hexdigest() == line["hash"]
        prev = line["hash"]
    did_document = json.loads(files["did.json"])
    [checkpoint] = json.loads(files["audit-checkpoints.json"])["checkpoints"]
    key = dids.assertion_key(did_document, checkpoint["proof"]["verificationMethod"])
    signed = jcs.verify(checkpoint, key)  # type: ignore[arg-type]
    assert signed["headHash"] == next(line["hash"] for line in lines if line["seq"] == signed["sequence"])
    with transaction(svc.sessions) as session:
        stored = sorted(c.document for c in session.scalars(select(Credential).where(Credential.org_id == org.id)))
        passwords = [s.password_hash for s in session.scalars(select(StaffUser))]
    assert sorted(files["credentials.jsonl"].splitlines()) == stored  # exactly as signed
    everything = b"".join(files.values())
    assert not any(p.encode() in everything for p in passwords if len(p) > 1)
    assert b"argon2" not in everything and b"token_hash" not in everything
    return files


def test_an_owner_downloads_everything_from_the_console(client: FlaskClient, svc: Services) -> None:
    org = an_organisation_with_history(svc)
    enter_as(client, svc, org, email="owner@acme.example", role="owner")
    page = client.get("/console/acme/profile").get_data(as_text=True)
    assert 'id="export-data"' in page and "기관 데이터 내보내기" in page
    response = console_post(client, "/console/acme/export")
    data = response.data
    response.close()  # as a WSGI server does: the spooled archive is closed with the response
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=acme-export-")
    files = check_archive(data, svc, org)
    staff = list(csv.DictReader(io.StringIO(files["staff.csv"].decode("utf-8-sig"))))
    assert {(s["email"], s["role"]) for s in staff} == {("viewer@acme.example", "viewer"),
                                                        ("owner@acme.example", "owner")}
    credentials = list(csv.DictReader(io.StringIO(files["credentials.csv"].decode("utf-8-sig"))))
    assert sorted(c["state"] for c in credentials) == ["active", "revoked"]
    assert {c["revocation_reason"] for c in credentials} == {"", "'=cmd|' /C calc'!A0"}  # no formula for Excel
    assert sorted(c["recipient_name_published"] for c in credentials) == ["no", "yes"]
    courses = json.loads(files["courses.json"])
    assert courses[0]["versions"][0]["name"] == {"ko": "클라우드 네이티브 개발", "en": "Cloud Native Development"}
    assert any(name.startswith("images/") for name in files)
    assert json.loads(files["organisation.json"])["did"] == org.did
    with transaction(svc.sessions) as session:
        last = session.scalars(select(AuditEntry).where(AuditEntry.org_id == org.id)
                               .order_by(AuditEntry.seq.desc()).limit(1)).one()
        assert (last.action, last.actor) == ("org.export", "staff:" + str(last.actor.split(":")[1]))
        assert chain.hash_of(last) == last.hash


@pytest.mark.parametrize("role", ["issuer", "viewer"])
def test_only_owners_may_export(client: FlaskClient, svc: Services, role: str) -> None:
    org = an_organisation_with_history(svc)
    enter_as(client, svc, org, email=f"{role}.2@acme.example", role=role)
    assert console_post(client, "/console/acme/export").status_code == 403
    assert 'id="export-data"' not in client.get("/console/acme/profile").get_data(as_text=True)


def test_another_organisation_s_owner_gets_nothing(client: FlaskClient, svc: Services) -> None:
    an_organisation_with_history(svc)
    other, _ = make_org(svc, "initech")
    enter_as(client, svc, other, email="eve@initech.example", role="owner")
    assert console_post(client, "/console/acme/export").status_code == 404


def test_the_command_writes_the_same_archive_owner_only(svc: Services, settings: Settings, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    org = an_organisation_with_history(svc)
    dest = tmp_path / "out"
    dest.mkdir()
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "export-org", "acme", str(dest))
    assert code == 0
    [written] = list(dest.iterdir())
    assert written.name.startswith("acme-export-") and written.suffix == ".zip"
    assert written.stat().st_mode & 0o777 == 0o600 and f"Wrote {written}" in out
    files = check_archive(written.read_bytes(), svc, org)
    assert b"viewer@acme.example" in files["staff.csv"]
    code, _ = cli(settings, tmp_path, capsys, monkeypatch, "export-org", "nobody", str(tmp_path / "x.zip"))
    assert code == 2 and not (tmp_path / "x.zip").exists() and not (tmp_path / "x.zip.part").exists()

"""Operations through the `badges` command: the restore drill (issue, revoke, back up, wipe, restore: everything
served is byte-identical and issuing goes on) on SQLite and on a PostgreSQL database of its own, restore's refusals,
and rotating a development instance's KEK."""
from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

import keys
from bootstrap.app import create_app
from bootstrap.cli import main
from bootstrap.wiring import Services
from issuer import service
from store import key_custody
from store.db import make_engine, transaction, upgrade
from store.models import Credential, Org, StatusList
from tests.conftest import BASE_URL, PG_ADMIN
from tests.factories import NOW, issue, make_course, make_org
from verifier.service import verify_upload
from web.settings import Settings

ENV = ("BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY", "BADGES_OLD_KEY_ENCRYPTION_KEYS",
       "BADGES_ENV", "BADGES_PUBLIC_URL", "BADGES_STATUS_LIST_CAPACITY")


@dataclass
class Database:
    """A database of the test's own, which the test may wipe."""

    url: str
    wipe_it: object

    def wipe(self) -> None:
        self.wipe_it()  # type: ignore[operator]


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "live.sqlite3"

        def delete() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        yield Database(f"sqlite:///{path}", delete)
        return
    import psycopg

    name = f"badges_drill_{uuid.uuid4().hex[:12]}"

    def recreate() -> None:  # dropped (connections and all) and made anew, empty
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    recreate()
    yield Database(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}", recreate)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def environment(own_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """BADGES_* set for the `badges` command; the settings the command will read."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    kek = keys.new_kek()
    monkeypatch.setenv("BADGES_DATABASE_URL", own_database.url)
    monkeypatch.setenv("BADGES_SECRET_KEY", "drill-secret-key")
    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(kek).decode())
    monkeypatch.setenv("BADGES_PUBLIC_URL", BASE_URL)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    upgrade(own_database.url)
    return Settings(database_url=own_database.url, secret_key="drill-secret-key", key_encryption_key=kek,
                    public_base_url=BASE_URL, instance_dir=tmp_path / "instance")


def served(app: Flask, svc: Services) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every public document as served ({path: body}) and every credential's verdict."""
    client = app.test_client()
    with svc.sessions() as session:
        credentials = list(session.scalars(select(Credential).order_by(Credential.id)))
        list_ids = list(session.scalars(select(StatusList.id).order_by(StatusList.id)))
    paths = ([f"/credentials/{c.id}.json" for c in credentials] + [f"/orgs/acme/status/{n}" for n in list_ids]
             + ["/orgs/acme/did.json"])
    bodies = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        bodies[path] = response.data
    with svc.resolver.reading() as resolve:
        verdicts = {c.id: verify_upload(c.document, resolve=resolve, now=NOW + timedelta(minutes=1),
                                        skew=timedelta(minutes=5)).verdict for c in credentials}
    return bodies, verdicts


def test_the_restore_drill_gives_back_every_document_byte_for_byte_and_issuing_goes_on(
        environment: Settings, own_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(environment)
    svc: Services = app.extensions["badges"]
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    ids = [issue(svc, org, course, email=f"p{n}@example.com") for n in range(5)]
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=ids[2],
                       reason="잘못 발급", actor="test", now=NOW)
    bodies, verdicts = served(app, svc)
    assert sorted(verdicts.values()) == ["revoked"] + ["valid"] * 4
    with svc.sessions() as session:
        slots_before = {tuple(row) for row in session.execute(select(Credential.status_list_id, Credential.status_index))}
    svc.engine.dispose()

    dest, secrets = tmp_path / "backup" / "badges.dump", tmp_path / "vault" / "secrets.env"
    dest.parent.mkdir()
    secrets.parent.mkdir()
    assert main(["backup", str(dest), "--secrets", str(secrets)]) == 0
    out = capsys.readouterr().out
    assert "Backed up" in out and str(secrets) in out
    kek_text = base64.b64encode(environment.key_encryption_key).decode()
    for path in (dest, Path(f"{dest}.manifest.json")):  # the KEK is never in the backup's own files
        assert kek_text.encode() not in path.read_bytes() and environment.key_encryption_key not in path.read_bytes()
        assert path.stat().st_mode & 0o777 == 0o600
    manifest = json.loads(Path(f"{dest}.manifest.json").read_text())
    assert manifest["sealed_keys_by_kek_fingerprint"] == {keys.kek_id(environment.key_encryption_key).hex(): 1}
    assert any("BADGES_KEY_ENCRYPTION_KEY" in line for line in manifest["not_in_this_backup"])
    assert f"BADGES_KEY_ENCRYPTION_KEY={kek_text}\n" in secrets.read_text()
    assert secrets.stat().st_mode & 0o777 == 0o600

    own_database.wipe()
    assert main(["restore", str(dest)]) == 0

    app = create_app(environment)
    svc = app.extensions["badges"]
    assert served(app, svc) == (bodies, verdicts)
    more = [issue(svc, org, course, email=f"after{n}@example.com") for n in range(3)]
    with svc.sessions() as session:
        slots_after = {tuple(row) for row in session.execute(select(Credential.status_list_id, Credential.status_index)
                                                             .where(Credential.id.in_(more)))}
    assert len(slots_after) == 3 and not slots_after & slots_before
    assert issue(svc, org, course, email="p0@example.com") == ids[0]  # awards issued before are still found
    svc.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
        environment: Settings, own_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(environment)
    svc: Services = app.extensions["badges"]
    make_org(svc, "acme")
    svc.engine.dispose()
    dest = tmp_path / "badges.dump"
    assert main(["backup", str(dest)]) == 0
    assert "the key-encryption key" in capsys.readouterr().out
    assert main(["backup", str(dest)]) == 2  # never over an existing file
    assert "exists already" in capsys.readouterr().err

    assert main(["restore", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "--force" in err and "orgs" in err
    assert main(["restore", str(dest), "--force"]) == 0
    own_database.wipe()
    upgrade(own_database.url)  # as `badges init` leaves it: tables, no rows
    assert main(["restore", str(dest)]) == 0
    engine = make_engine(own_database.url)
    with engine.connect() as conn:
        assert conn.execute(select(Org.slug)).scalars().all() == ["acme"]
    engine.dispose()

    other = tmp_path / "other.bin"
    other.write_bytes(b"SQLite format 3\x00" if own_database.url.startswith("postgresql") else b"PGDMP\x01\x0e")
    assert main(["restore", str(other), "--force"]) == 2
    assert "restore a" in capsys.readouterr().err


def test_restore_with_another_kek_warns_that_the_keys_will_not_open(
        environment: Settings, own_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(environment)
    make_org(app.extensions["badges"], "acme")
    app.extensions["badges"].engine.dispose()
    dest = tmp_path / "badges.dump"
    assert main(["backup", str(dest)]) == 0
    own_database.wipe()
    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(keys.new_kek()).decode())
    assert main(["restore", str(dest)]) == 1
    assert "1 sealed key(s) need a key-encryption key this instance does not have" in capsys.readouterr().err


def test_rotating_a_development_instances_kek(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("BADGES_INSTANCE", str(instance))
    assert main(["demo"]) == 0
    course_id = re.search(r"/achievements/(\S+)", capsys.readouterr().out)[1]  # type: ignore[index]
    award = ["issue", "--course", course_id, "--name", "한지민", "--email", "jimin@example.com"]
    assert main(award) == 0
    first = capsys.readouterr().out
    old = (instance / "key_encryption_key").read_text()

    assert main(["rotate-kek", "--new"]) == 0
    out = capsys.readouterr().out
    # the lookup key, the demo organisation's signing key and the platform identity's
    assert "Re-sealed 3, already under this KEK 0, failed 0" in out, out
    assert (instance / "key_encryption_key").read_text() != old
    assert (instance / "key_encryption_key.old").read_text() == old
    assert (instance / "key_encryption_key").stat().st_mode & 0o777 == 0o600
    (instance / "key_encryption_key.old").unlink()  # the old KEK forgotten: everything opens with the new one

    assert main(award) == 0 and capsys.readouterr().out == first  # the same award, found again
    assert main(["issue", "--course", course_id, "--name", "이서준", "--email", "seojun@example.com"]) == 0
    engine = make_engine(f"sqlite:///{instance / 'badges.sqlite3'}")
    new = base64.b64decode((instance / "key_encryption_key").read_text())
    with engine.connect() as conn:
        from sqlalchemy.orm import Session
        assert key_custody.kek_census(Session(conn), (new,)) == {keys.kek_id(new).hex(): 3}  # + the platform key
    engine.dispose()

    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(new).decode())
    assert main(["rotate-kek", "--new"]) == 2
    assert "BADGES_KEY_ENCRYPTION_KEY" in capsys.readouterr().err

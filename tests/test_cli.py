"""The `badges` command as a newcomer runs it: demo, courses, issue, verify, revoke, on a fresh instance."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from badges import dids, proofs
from bootstrap.cli import main
from store.db import make_engine, upgrade
from tests.other_issuer import EMAIL, ISSUED, OtherIssuer


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY", "BADGES_ENV",
                 "BADGES_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_demo_sets_up_an_instance_and_prints_where_to_look(instance: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "demo")
    assert code == 0
    assert re.search(r"Badge:\s+http://127\.0\.0\.1:5000/credentials/[0-9a-f-]{36}", out)
    assert "API token:      bdg_" in out
    assert (instance / "key_encryption_key").stat().st_mode & 0o777 == 0o600
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600
    again_code, again = run(capsys, "demo")
    assert again_code == 0
    assert re.search(r"Badge:\s+(\S+)", again)[1] == re.search(r"Badge:\s+(\S+)", out)[1]


def test_issue_then_verify_a_file_then_revoke(instance: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "demo")
    _, courses = run(capsys, "courses")
    course_id = courses.split()[0]
    code, url = run(capsys, "issue", "--course", course_id, "--name", "한지민", "--email", "jimin@example.com")
    assert code == 0
    credential_id = url.strip().rsplit("/", 1)[1]
    engine = make_engine(f"sqlite:///{instance / 'badges.sqlite3'}")
    with engine.connect() as conn:
        document = conn.execute(text("SELECT document FROM credentials WHERE id = :id"), {"id": credential_id}).scalar()
    engine.dispose()
    path = tmp_path / "badge.json"
    path.write_bytes(document)
    code, out = run(capsys, "verify", str(path), "--email", "jimin@example.com")
    assert code == 0 and out.startswith("VALID")
    code, out = run(capsys, "verify", str(path), "--json")
    assert json.loads(out)["verdict"] == "valid"

    tampered = json.loads(document)
    tampered["credentialSubject"]["name"] = "다른 이름"
    path.write_text(json.dumps(tampered, ensure_ascii=False))
    code, out = run(capsys, "verify", str(path))
    assert code == 1 and out.startswith("NOT_GENUINE") and "proof" in out

    path.write_bytes(document)
    assert run(capsys, "revoke", credential_id, "--reason", "test")[0] == 0
    code, out = run(capsys, "verify", str(path))
    assert code == 1 and out.startswith("REVOKED")


def test_a_command_with_a_mistake_says_what_to_do(instance: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "demo")
    assert main(["issue", "--course", "nope", "--name", "A", "--email", "a@example.com"]) == 2
    assert "There is no course 'nope' here." in capsys.readouterr().err
    assert main(["revoke", "nope", "--org", "missing", "--reason", "x"]) == 2
    assert "There is no organisation 'missing'." in capsys.readouterr().err


def test_production_refuses_to_start_without_its_secrets(instance: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BADGES_ENV", "production")
    assert main(["courses"]) == 2
    assert "BADGES_SECRET_KEY is not set" in capsys.readouterr().err


def test_init_makes_the_instance_folder_and_the_sqlite_database_owner_only(instance: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)  # as earlier versions left it
    code, _ = run(capsys, "init")
    assert code == 0
    assert instance.stat().st_mode & 0o777 == 0o700
    assert (instance / "badges.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600


def test_upgrade_tightens_an_existing_world_readable_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    upgrade(f"sqlite:///{database}")
    assert database.stat().st_mode & 0o777 == 0o600


def test_verify_needs_no_instance_for_someone_elses_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("BADGES_INSTANCE", "BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY",
                 "BADGES_ENV", "BADGES_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # an empty directory: no instance/, no database
    key = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    did = dids.did_key(key.public_key())
    unsigned = OtherIssuer("https://other.example").credential(with_status=False)
    unsigned["issuer"]["id"] = did
    signed = proofs.sign(unsigned, signer=proofs.Ed25519Signer(key, dids.did_key_method(did)), created=ISSUED)
    (tmp_path / "theirs.json").write_text(json.dumps(signed, ensure_ascii=False))
    code, out = run(capsys, "verify", "theirs.json", "--email", EMAIL)
    assert code == 0 and out.startswith("VALID"), out + capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.json"]  # nothing created


def test_dlc_grant_then_revoke(instance: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "demo")[0] == 0
    code, out = run(capsys, "dlc", "grant", "demo", "--until", "2099-12-31")
    assert code == 0 and "Certified demo until 2099-12-31" in out and "/alliance/dlc/" in out
    code, out = run(capsys, "dlc", "revoke", "demo", "--reason", "audit")
    assert code == 0 and "Revoked the Digital Leaders Club certification of demo" in out
    assert run(capsys, "dlc", "revoke", "demo")[0] != 0  # none in force now

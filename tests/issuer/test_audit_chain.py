"""The audit log as a hash chain: numbered and linked per organisation, every kind of tampering named by
`badges audit verify` (by number and Korea time, exit 1), signed checkpoints checked against the organisation's
DID document (rotated keys included), and two processes appending at once never forking the chain."""
from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from badges import jcs, multikey
from badges.jsontext import to_json
from badges.proofs import Ed25519Signer
from bootstrap.cli import main
from bootstrap.wiring import Services
from issuer import audit, audit_verify, service
from store import audit as chain
from store.audit import GENESIS, AuditCheckpoint, AuditHead
from store.console import AuditEntry
from store.db import transaction
from store.models import Org
from tests.factories import NOW, make_course, make_org
from web.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def write_entries(svc: Services, org: Org, n: int, *, action: str = "course.create") -> None:
    for i in range(n):
        with transaction(svc.sessions) as session:
            audit.record(session, org_id=org.id, actor=f"staff:{i + 1}", action=action, target=f"course-{i}",
                         now=NOW + timedelta(minutes=i), name={"ko": f"과정 {i}", "en": f"Course {i}"}, hours=1.5)


def rows(svc: Services, org: Org) -> list[AuditEntry]:
    with transaction(svc.sessions) as session:
        return chain.chain(session, org.id)


def cli(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *args: str) -> tuple[int, str]:
    """`badges ARGS` against the test's database and key-encryption key."""
    monkeypatch.setenv("BADGES_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(settings.key_encryption_key).decode())
    monkeypatch.setenv("BADGES_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BADGES_PUBLIC_URL", settings.public_base_url)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("BADGES_ENV", raising=False)
    code = main(list(args))
    return code, capsys.readouterr().out


def test_entries_are_numbered_per_organisation_and_each_names_the_hash_before(svc: Services) -> None:
    acme, _ = make_org(svc, "acme")
    other, _ = make_org(svc, "other")
    write_entries(svc, acme, 3)
    write_entries(svc, other, 2)
    entries = rows(svc, acme)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert [e.prev_hash for e in entries] == [GENESIS, entries[0].hash, entries[1].hash]
    assert all(chain.hash_of(e) == e.hash for e in entries)
    assert [e.seq for e in rows(svc, other)] == [1, 2]
    with transaction(svc.sessions) as session:
        assert audit_verify.verify_org(session, session.get_one(Org, acme.id)).intact


def test_issuing_and_revoking_write_chained_entries(svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    from tests.factories import issue
    credential_id = issue(svc, org, course)
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=credential_id,
                       reason="mistake", actor="cli", now=NOW)
    assert [(e.seq, e.action, e.target) for e in rows(svc, org)] == [
        (1, "credential.issue", credential_id), (2, "credential.revoke", credential_id)]
    with transaction(svc.sessions) as session:
        assert audit_verify.verify_org(session, session.get_one(Org, org.id)).intact


def _alter(session: Session, org: Org) -> None:
    session.execute(update(AuditEntry).where(AuditEntry.org_id == org.id, AuditEntry.seq == 3)
                    .values(detail={"name": {"ko": "다른 과정", "en": "Another"}, "hours": 1.5}))


def _delete(session: Session, org: Org) -> None:
    session.execute(text("DELETE FROM audit_log WHERE org_id = :org AND seq = 3"), {"org": org.id})


def _delete_last(session: Session, org: Org) -> None:
    session.execute(text("DELETE FROM audit_log WHERE org_id = :org AND seq = 5"), {"org": org.id})


def _delete_and_renumber(session: Session, org: Org) -> None:
    _delete(session, org)
    _shift(session, org, from_seq=4, by=-1)


def _shift(session: Session, org: Org, *, from_seq: int, by: int) -> None:
    """Renumber entries from `from_seq` on by `by` (through numbers far away, as the unique constraint wants)."""
    session.execute(text("UPDATE audit_log SET seq = seq + 1000 WHERE org_id = :org AND seq >= :s"),
                    {"org": org.id, "s": from_seq})
    session.execute(text("UPDATE audit_log SET seq = seq - 1000 + :by WHERE org_id = :org AND seq >= 1000"),
                    {"org": org.id, "by": by})


def _forged_row(org: Org, seq: int, prev: str, *, good_hash: bool) -> dict[str, object]:
    fields = {"org_id": org.id, "seq": seq, "actor": "staff:99", "action": "staff.grant", "target": "mallory@x.example",
              "detail": {"role": "owner"}, "at": NOW + timedelta(minutes=2, seconds=30), "prev_hash": prev}
    digest = chain.entry_hash(org_id=org.id, seq=seq, at=fields["at"], actor="staff:99",  # type: ignore[arg-type]
                              action="staff.grant", target="mallory@x.example", detail={"role": "owner"},
                              prev_hash=prev) if good_hash else "f" * 64
    return {**fields, "hash": digest}


def _insert_and_renumber(session: Session, org: Org) -> None:
    """A well-formed entry slipped in as number 3, the later ones pushed down (what a careful forger does)."""
    before = session.scalars(select(AuditEntry.hash).where(AuditEntry.org_id == org.id, AuditEntry.seq == 2)).one()
    _shift(session, org, from_seq=3, by=1)
    session.add(AuditEntry(**_forged_row(org, 3, before, good_hash=True)))


def _insert_at_the_end(session: Session, org: Org) -> None:
    """A well-chained entry 6 written around the service (the recorded head still says 5)."""
    last = session.scalars(select(AuditEntry.hash).where(AuditEntry.org_id == org.id, AuditEntry.seq == 5)).one()
    session.add(AuditEntry(**_forged_row(org, 6, last, good_hash=True)))


def _insert_garbage(session: Session, org: Org) -> None:
    _shift(session, org, from_seq=3, by=1)
    session.add(AuditEntry(**_forged_row(org, 3, "e" * 64, good_hash=False)))


def _swap(session: Session, org: Org) -> None:
    for seq, to in ((2, 1002), (4, 2), (1002, 4)):
        session.execute(text("UPDATE audit_log SET seq = :to WHERE org_id = :org AND seq = :seq"),
                        {"org": org.id, "seq": seq, "to": to})


def _rehash_one(session: Session, org: Org) -> None:
    """Entry 3 altered and its own hash recomputed (entry 4 still names the old one)."""
    entry = session.scalars(select(AuditEntry).where(AuditEntry.org_id == org.id, AuditEntry.seq == 3)).one()
    entry.target = "someone-else"
    entry.hash = chain.hash_of(entry)


TAMPERING: dict[str, tuple[Callable[[Session, Org], None], str, int]] = {
    "alter a row's details": (_alter, "altered", 3),
    "alter a row and recompute its hash": (_rehash_one, "altered", 3),
    "delete a row": (_delete, "missing", 3),
    "delete the last row": (_delete_last, "missing", 5),
    "delete a row and renumber the rest": (_delete_and_renumber, "missing", 3),
    "insert a well-formed row and renumber": (_insert_and_renumber, "inserted", 3),
    "insert a row past the head": (_insert_at_the_end, "inserted", 6),
    "insert a row that is no entry": (_insert_garbage, "inserted", 3),
    "swap two rows": (_swap, "swapped", 2),
}


@pytest.mark.parametrize("tamper", list(TAMPERING), ids=list(TAMPERING))
def test_verify_names_the_first_tampered_entry_by_number_and_time(
        tamper: str, svc: Services, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    change, kind, seq = TAMPERING[tamper]
    org, _ = make_org(svc)
    bystander, _ = make_org(svc, "bystander")
    write_entries(svc, org, 5)
    write_entries(svc, bystander, 2)
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "verify")
    assert code == 0, out
    assert "acme: 5 entries, 0 checkpoints: intact" in out
    with transaction(svc.sessions) as session:
        change(session, session.get_one(Org, org.id))
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "verify")
    assert code == 1
    assert "acme: " in out and "CHANGED" in out
    assert "bystander: 2 entries, 0 checkpoints: intact" in out
    finding = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(finding) == 1, out
    assert finding[0].startswith(f"  {kind}: entry {seq}"), out
    if kind != "inserted" or seq != 6:  # an entry past the head has no recorded time to name
        assert " KST): " in finding[0]


def test_a_time_named_is_the_entry_s_time_in_korea(svc: Services, settings: Settings, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    org, _ = make_org(svc)
    write_entries(svc, org, 5)  # entry 3 at NOW + 2 minutes: 2026-03-02 09:32 UTC = 18:32 in Korea
    with transaction(svc.sessions) as session:
        _alter(session, session.get_one(Org, org.id))
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "verify", "--org", "acme")
    assert code == 1
    assert "  altered: entry 3 (2026-03-02 18:32:00 KST): Entry 3 was altered" in out


def test_checkpoints_are_signed_by_the_org_key_and_survive_a_key_rotation(
        svc: Services, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    org, _ = make_org(svc)
    write_entries(svc, org, 3)
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "checkpoint")
    assert code == 0 and "acme: checkpoint of entry 3 signed by did:web:" in out
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "checkpoint")
    assert "acme: nothing new since the last checkpoint" in out
    code, _ = cli(settings, tmp_path, capsys, monkeypatch, "rotate-key", "--org", "acme")
    assert code == 0
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "checkpoint")
    assert "acme: checkpoint of entry 4 signed" in out  # the rotation's own entry
    with transaction(svc.sessions) as session:
        stored = chain.checkpoints(session, org.id)
    proofs = [json.loads(c.document)["proof"]["verificationMethod"] for c in stored]
    assert [p.rsplit("#", 1)[1] for p in proofs] == ["key-1", "key-2"]
    document = json.loads(stored[0].document)
    assert document["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert (document["sequence"], document["headHash"]) == (3, stored[0].head_hash)
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "verify")
    assert code == 0 and "acme: 4 entries, 2 checkpoints: intact" in out


def _forge_with_another_key(session: Session, org: Org) -> None:
    stored = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.org_id == org.id)).one()
    document = {k: v for k, v in json.loads(stored.document).items() if k != "proof"}
    mallory = Ed25519Signer(multikey.private_key(multikey.private_multikey(b"\x07" * 32)), f"{org.did}#key-1")
    stored.document = to_json(jcs.sign(document, signer=mallory, created=NOW))


def _forge_head_hash(session: Session, org: Org) -> None:
    stored = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.org_id == org.id)).one()
    document = json.loads(stored.document)
    document["headHash"] = stored.head_hash = "a" * 64
    stored.document = to_json(document)


def _forge_signed_elsewhere(session: Session, org: Org) -> None:
    stored = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.org_id == org.id)).one()
    document = {k: v for k, v in json.loads(stored.document).items() if k != "proof"}
    seed = b"\x09" * 32
    did = "did:key:" + multikey.public_multikey(multikey.private_key(multikey.private_multikey(seed)).public_key())
    stored.document = to_json(jcs.sign(document, signer=Ed25519Signer(
        multikey.private_key(multikey.private_multikey(seed)), f"{did}#{did[8:]}"), created=NOW))


def _rewrite_whole_chain(session: Session, org: Org) -> None:
    """Entry 2 altered and every hash from it on recomputed, the head too: only the checkpoint can tell."""
    entries = chain.chain(session, org.id)
    entries[1].target = "rewritten"
    prev = entries[0].hash
    for entry in entries[1:]:
        entry.prev_hash = prev
        entry.hash = prev = chain.hash_of(entry)
    session.execute(update(AuditHead).where(AuditHead.org_id == org.id).values(hash=prev))


FORGERIES: dict[str, tuple[Callable[[Session, Org], None], str]] = {
    "checkpoint signed by a key that is not the org's": (_forge_with_another_key, "checkpoint_forged"),
    "checkpoint whose head hash was changed": (_forge_head_hash, "checkpoint_forged"),
    "checkpoint signed by a did:key": (_forge_signed_elsewhere, "checkpoint_forged"),
    "chain rewritten with every hash recomputed": (_rewrite_whole_chain, "checkpoint_mismatch"),
}


@pytest.mark.parametrize("forgery", list(FORGERIES), ids=list(FORGERIES))
def test_verify_refuses_forged_checkpoints_and_rewritten_chains(
        forgery: str, svc: Services, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    change, kind = FORGERIES[forgery]
    org, _ = make_org(svc)
    write_entries(svc, org, 3)
    cli(settings, tmp_path, capsys, monkeypatch, "audit", "checkpoint")
    with transaction(svc.sessions) as session:
        change(session, session.get_one(Org, org.id))
    code, out = cli(settings, tmp_path, capsys, monkeypatch, "audit", "verify")
    assert code == 1
    assert f"  {kind}: entry 3 (" in out, out


def test_a_checkpoint_is_made_when_issuing_takes_the_chain_far_enough(svc: Services,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "CHECKPOINT_EVERY", 3)
    org, _ = make_org(svc)
    course = make_course(svc, org)
    from tests.factories import issue
    for n in range(4):
        issue(svc, org, course, email=f"learner{n}@example.com")
    with transaction(svc.sessions) as session:
        stored = chain.checkpoints(session, org.id)
        assert [c.seq for c in stored] == [3]
        assert audit_verify.verify_org(session, session.get_one(Org, org.id)).intact


WRITER = """
import sys
from datetime import UTC, datetime
from bootstrap.wiring import build_services
from issuer import audit
from store.db import transaction
from web.settings import Settings
from pathlib import Path
import base64
import time
url, org_id, name, n, meeting = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
svc = build_services(Settings(database_url=url, secret_key="s", key_encryption_key=b"k" * 32,
                              public_base_url="http://badges.test", instance_dir=Path(".")))
(meeting / f"{name}.ready").touch()
while not (meeting / "go").exists():  # every writer starts at once
    time.sleep(0.01)
for i in range(n):
    with transaction(svc.sessions) as session:
        audit.record(session, org_id=org_id, actor=name, action="course.create", target=f"{name}-{i}",
                     now=datetime.now(UTC))
        if i % 5 == 0:  # several entries in one transaction too
            audit.record_many(session, org_id=org_id, actor=name, action="credential.issue",
                              now=datetime.now(UTC), targets=[f"{name}-{i}-a", f"{name}-{i}-b"])
    time.sleep(0.01)  # as requests do, not a tight loop: SQLite's busy handler would let one writer run alone
svc.engine.dispose()
"""


def test_processes_appending_at_once_never_fork_the_chain(svc: Services, settings: Settings,
                                                         tmp_path: Path) -> None:
    org, _ = make_org(svc)
    names = ("one", "two", "three")
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, settings.database_url, str(org.id), name, "40",
                                 str(tmp_path)], cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                                stderr=subprocess.PIPE, text=True) for name in names]
    while not all((tmp_path / f"{name}.ready").exists() for name in names):
        assert all(w.poll() is None for w in writers), "a writer stopped before starting"
        time.sleep(0.05)
    (tmp_path / "go").touch()
    for writer in writers:
        _, error = writer.communicate(timeout=300)
        assert writer.returncode == 0, error
    entries = rows(svc, org)
    assert [e.seq for e in entries] == list(range(1, 3 * (40 + 2 * 8) + 1))
    assert {e.actor for e in entries} == {"one", "two", "three"}
    actors = [e.actor for e in entries]
    assert sum(a != b for a, b in itertools.pairwise(actors)) > len(names) - 1  # their transactions interleaved
    with transaction(svc.sessions) as session:
        assert audit_verify.verify_org(session, session.get_one(Org, org.id)).intact

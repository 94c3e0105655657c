"""The audit log's hash chain: each organisation's entries numbered 1, 2, 3 ... and each carrying the SHA-256 of
the one before, plus signed checkpoints of the chain's head.

An entry's hash is SHA-256 over the RFC 8785 canonical JSON of
`{"org", "seq", "time", "actor", "action", "target", "details", "prev"}` (time in UTC to the microsecond,
`prev` the previous entry's hash, GENESIS for the first). Appending takes the organisation's `audit_heads` row
with an upsert that locks it (PostgreSQL row lock; SQLite transactions here begin IMMEDIATE, one writer at a
time), so two processes appending at once queue instead of forking the chain; the unique (org, seq) constraint
refuses a fork even if that lock were bypassed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, LargeBinary, String, Table, UniqueConstraint, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from badges.jcs import canonical
from badges.jsontext import from_json, to_json
from store.console import AuditEntry
from store.models import Base

GENESIS = "0" * 64


class AuditHead(Base):
    """The last entry of an organisation's chain (its number and hash), and how far the last checkpoint reaches;
    the row every append locks."""

    __tablename__ = "audit_heads"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint_seq: Mapped[int] = mapped_column(default=0, server_default="0")


class AuditCheckpoint(Base):
    """The chain's head at one moment, signed with the organisation's key (a JSON document, eddsa-jcs-2022)."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("org_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the signed checkpoint exactly as signed


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str
    checkpoint_seq: int


def chain_time(at: datetime) -> str:
    """The instant as the chain hashes it: UTC, to the microsecond, e.g. 2026-03-01T09:30:00.000000Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(*, org_id: int, seq: int, at: datetime, actor: str, action: str, target: str,
               detail: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of the entry's canonical form (module docstring)."""
    return hashlib.sha256(canonical({
        "org": org_id, "seq": seq, "time": chain_time(at), "actor": actor, "action": action, "target": target,
        "details": detail, "prev": prev_hash})).hexdigest()


def hash_of(entry: AuditEntry, *, seq: int | None = None, prev_hash: str | None = None) -> str:
    """The hash the stored entry should have (with another `seq` or `prev_hash` when given: where it came from)."""
    return entry_hash(org_id=entry.org_id, seq=entry.seq if seq is None else seq, at=entry.at, actor=entry.actor,
                      action=entry.action, target=entry.target, detail=entry.detail,
                      prev_hash=entry.prev_hash if prev_hash is None else prev_hash)


def append(session: Session, *, org_id: int, entries: Sequence[dict[str, Any]]) -> Head:
    """Add `entries` (actor, action, target, detail, at) to the end of the organisation's chain, in one
    executemany, under the head's lock (held until the caller's transaction ends); the new head."""
    head = lock_head(session, org_id)
    seq, prev, rows = head.seq, head.hash, []
    for entry in entries:
        seq += 1
        detail = from_json(to_json(entry["detail"]))  # exactly what the JSON column gives back
        target = entry["target"][:200]
        digest = entry_hash(org_id=org_id, seq=seq, at=entry["at"], actor=entry["actor"], action=entry["action"],
                            target=target, detail=detail, prev_hash=prev)
        rows.append({"org_id": org_id, "seq": seq, "prev_hash": prev, "hash": digest, "actor": entry["actor"],
                     "action": entry["action"], "target": target, "detail": detail, "at": entry["at"]})
        prev = digest
    if rows:
        session.execute(insert(cast(Table, AuditEntry.__table__)), rows)
        session.execute(update(AuditHead).where(AuditHead.org_id == org_id).values(seq=seq, hash=prev)
                        .execution_options(synchronize_session=False))
    return Head(seq, prev, head.checkpoint_seq)


def lock_head(session: Session, org_id: int) -> Head:
    """The organisation's head, locked until the transaction ends (made at GENESIS the first time): one
    INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which locks the row whether it was there or not."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = cast(Table, AuditHead.__table__)
    statement = dialect.insert(table).values(org_id=org_id, seq=0, hash=GENESIS, checkpoint_seq=0)
    statement = statement.on_conflict_do_update(index_elements=[table.c.org_id], set_={"seq": table.c.seq})
    seq, digest, checkpoint_seq = session.execute(
        statement.returning(table.c.seq, table.c.hash, table.c.checkpoint_seq)).one()
    return Head(seq, digest, checkpoint_seq)


def head_of(session: Session, org_id: int) -> Head | None:
    """The organisation's head as recorded (not locked), None before its first entry."""
    found = session.get(AuditHead, org_id)
    return None if found is None else Head(found.seq, found.hash, found.checkpoint_seq)


def chain(session: Session, org_id: int) -> list[AuditEntry]:
    """Every entry of the organisation, in chain order."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.org_id == org_id).order_by(AuditEntry.seq)))


def checkpoints(session: Session, org_id: int) -> list[AuditCheckpoint]:
    """The organisation's checkpoints, oldest first."""
    return list(session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.org_id == org_id)
                                .order_by(AuditCheckpoint.seq)))


def add_checkpoint(session: Session, *, org_id: int, head: Head, document: bytes,
                   now: datetime) -> AuditCheckpoint:
    """Store a signed checkpoint of `head` (locked by the caller) and remember how far checkpoints reach."""
    stored = AuditCheckpoint(org_id=org_id, seq=head.seq, head_hash=head.hash, created_at=now, document=document)
    session.add(stored)
    session.execute(update(AuditHead).where(AuditHead.org_id == org_id).values(checkpoint_seq=head.seq)
                    .execution_options(synchronize_session=False))
    return stored

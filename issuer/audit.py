"""The audit log: one entry for every issue, revoke, key and staff change, written in the same transaction,
chained per organisation by hashes (store.audit) and checkpointed with the organisation's signature.

Checkpoints: a signed JSON document (eddsa-jcs-2022, badges.jcs) naming the organisation's DID, the head's
sequence number and hash, and the time. One is made automatically when issuing or a status change takes the
chain CHECKPOINT_EVERY entries past the last checkpoint (those are where entries come in thousands), and by
`badges audit checkpoint` (for cron: every organisation whose head moved). Anything written after the newest
checkpoint is protected by the chain alone: someone who can write the database and recompute hashes could
rewrite it; nothing before a checkpoint can be changed without `badges audit verify` saying where.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import jcs
from badges.jsontext import to_json
from badges.proofs import Signer
from store import audit as chain
from store.audit import Head
from store.console import AuditEntry, StaffUser
from store.models import ApiToken, Org

KINDS = ("credential", "course", "key", "staff", "token", "org")  # the first part of an action
CHECKPOINT_EVERY = 1000
CHECKPOINT_TYPE = "AuditCheckpoint"


def record(session: Session, *, org_id: int, actor: str, action: str, now: datetime, target: str = "",
           **detail: Any) -> Head:
    """Append an entry to the organisation's chain; `actor` is "staff:<id>", "token:<id>" or "cli". The new head."""
    return chain.append(session, org_id=org_id, entries=[
        {"actor": actor, "action": action, "target": target, "detail": detail, "at": now}])


def record_many(session: Session, *, org_id: int, actor: str, action: str, now: datetime, targets: Sequence[str],
                **detail: Any) -> Head | None:
    """An entry for each target, the same detail in each, appended in one executemany; the new head (None when
    there were no targets)."""
    if not targets:
        return None
    return chain.append(session, org_id=org_id, entries=[
        {"actor": actor, "action": action, "target": target, "detail": detail, "at": now} for target in targets])


def checkpoint(session: Session, *, org: Org, signer: Signer, now: datetime) -> chain.AuditCheckpoint | None:
    """Sign the organisation's current head with `signer` (its credential signer) and store it; None when there
    is nothing new since the last checkpoint."""
    head = chain.lock_head(session, org.id)
    if head.seq == 0 or head.seq == head.checkpoint_seq:
        return None
    document = jcs.sign({"type": CHECKPOINT_TYPE, "organisation": org.did, "sequence": head.seq,
                         "headHash": head.hash, "time": chain.chain_time(now)}, signer=signer, created=now)
    return chain.add_checkpoint(session, org_id=org.id, head=head, document=to_json(document), now=now)


def checkpoint_if_due(session: Session, *, org: Org, head: Head | None, signer: Callable[[], Signer],
                      now: datetime) -> None:
    """A checkpoint when `head` (just appended) is CHECKPOINT_EVERY entries or more past the last one."""
    if head is not None and head.seq - head.checkpoint_seq >= CHECKPOINT_EVERY:
        checkpoint(session, org=org, signer=signer(), now=now)


def entries(session: Session, *, org_id: int, limit: int = 200, before: int | None = None,
            kind: str | None = None) -> list[AuditEntry]:
    """The organisation's latest entries, newest first: older than entry `before` and of one `kind`
    ("credential", "key", ...) when given."""
    query = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if kind is not None:
        query = query.where(AuditEntry.action.startswith(f"{kind}.", autoescape=True))
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def actor_names(session: Session, *, org_id: int, actors: Iterable[str]) -> dict[str, str]:
    """A readable name for each "staff:<id>" (their e-mail) and "token:<id>" (its label) among `actors`;
    tokens are looked up within the organisation only."""
    actors = list(actors)
    staff_ids, token_ids = _ids(actors, "staff"), _ids(actors, "token")
    names: dict[str, str] = {}
    if staff_ids:
        for staff_id, email in session.execute(select(StaffUser.id, StaffUser.email)
                                               .where(StaffUser.id.in_(staff_ids))):
            names[f"staff:{staff_id}"] = email
    if token_ids:
        for token_id, label in session.execute(select(ApiToken.id, ApiToken.label).where(
                ApiToken.id.in_(token_ids), ApiToken.org_id == org_id)):
            names[f"token:{token_id}"] = label or f"#{token_id}"
    return names


def _ids(actors: Iterable[str], kind: str) -> set[int]:
    found = set()
    for actor in actors:
        prefix, _, number = actor.partition(":")
        if prefix == kind and number.isdigit():
            found.add(int(number))
    return found

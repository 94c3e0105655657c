"""The audit log: one entry for every issue, revoke, key and staff change, written in the same transaction."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from store.console import AuditEntry, StaffUser
from store.models import ApiToken

KINDS = ("credential", "course", "key", "staff", "token", "org")  # the first part of an action


def record(session: Session, *, org_id: int, actor: str, action: str, now: datetime, target: str = "",
           **detail: Any) -> AuditEntry:
    """Add an entry; `actor` is "staff:<id>", "token:<id>" or "cli"."""
    entry = AuditEntry(org_id=org_id, actor=actor, action=action, target=target[:200], detail=detail, at=now)
    session.add(entry)
    return entry


def record_many(session: Session, *, org_id: int, actor: str, action: str, now: datetime, targets: Sequence[str],
                **detail: Any) -> None:
    """An entry for each target, the same detail in each, inserted in one executemany (no ids fetched back; the
    table's own insert, as the ORM's bulk insert costs more)."""
    if targets:
        session.execute(insert(cast(Table, AuditEntry.__table__)), [{"org_id": org_id, "actor": actor, "action": action,
                                               "target": target[:200], "detail": detail, "at": now}
                                              for target in targets])


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

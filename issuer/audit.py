"""The audit log: one entry for every issue, revoke, key and staff change, written in the same transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.console import AuditEntry


def record(session: Session, *, org_id: int, actor: str, action: str, now: datetime, target: str = "",
           **detail: Any) -> AuditEntry:
    """Add an entry; `actor` is "staff:<id>", "token:<id>" or "cli"."""
    entry = AuditEntry(org_id=org_id, actor=actor, action=action, target=target, detail=detail, at=now)
    session.add(entry)
    return entry


def entries(session: Session, *, org_id: int, limit: int = 200) -> list[AuditEntry]:
    """The organisation's latest entries, newest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.org_id == org_id)
                                .order_by(AuditEntry.id.desc()).limit(limit)))

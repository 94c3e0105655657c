"""Digital Leaders Club certification rows: the member's latest, and the one in force at an instant."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import DlcCertification


def latest(session: Session, org_id: int) -> DlcCertification | None:
    """The organisation's most recent certification, revoked, expired or not."""
    return session.scalar(select(DlcCertification).where(DlcCertification.org_id == org_id)
                          .order_by(DlcCertification.issued_at.desc(), DlcCertification.id).limit(1))


def in_force(session: Session, org_id: int, now: datetime) -> DlcCertification | None:
    """The certification in force at `now` (unrevoked, between its validFrom and validUntil), latest first."""
    return session.scalar(select(DlcCertification).where(
        DlcCertification.org_id == org_id, DlcCertification.revoked_at.is_(None),
        DlcCertification.valid_from <= now, DlcCertification.valid_until > now)
        .order_by(DlcCertification.issued_at.desc()).limit(1))


def get(session: Session, certification_id: str) -> DlcCertification | None:
    return session.get(DlcCertification, certification_id)

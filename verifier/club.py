"""Is the badge's issuer a Digital Leaders Club member now? The check shown on every report of a member's badge.

The member's latest certification (issuer.dlc: the alliance's EndorsementCredential about the member's Profile,
stored as signed) is verified by the one pipeline (badges.verify, as an endorsement-credential): its proof by the
alliance's key, its validFrom/validUntil at this instant, and its entry on the alliance's status list. It holds
only when that passes, it is signed by the alliance's own DID and its subject is the badge's issuer. Like the
embedded endorsements, it never changes the badge's own verdict.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from badges.checks import Resolver, issuer_id
from badges.clock import korea_date
from badges.report import VerificationReport
from badges.verify import verify_credential
from store import dlc, orgs


@dataclass(frozen=True, slots=True)
class ClubStatus:
    """The certification of a member issuer as verified now."""

    certification_id: str
    report: VerificationReport
    by_alliance: bool  # signed by the alliance's own DID
    about_issuer: bool  # its subject is the badge's issuer
    valid_until: str | None  # the Korean calendar day it ends

    @property
    def holds(self) -> bool:
        """Genuine, current and unrevoked, by the alliance, about this issuer."""
        return self.report.verified and self.by_alliance and self.about_issuer

    def as_json(self) -> dict[str, Any]:
        return {"certified": self.holds, "verdict": self.report.verdict, "validUntil": self.valid_until,
                "credentialId": (self.report.credential or {}).get("id"),
                "checks": [c.as_json() for c in self.report.checks]}


def stored_certification(session: Session, issuer_did: str) -> tuple[str, bytes] | None:
    """(id, signed document) of the latest certification of our member whose DID is `issuer_did`, or None."""
    org = orgs.org_by_did(session, issuer_did)
    row = dlc.latest(session, org.id) if org is not None else None
    return (row.id, row.document) if row is not None else None


def check(found: tuple[str, bytes], *, issuer_did: str, alliance_did: str, resolve: Resolver, now: datetime,
          skew: timedelta) -> ClubStatus:
    """Verify a stored certification for the badge issued by `issuer_did`."""
    certification_id, document = found
    report = verify_credential(document, resolve=resolve, now=now, skew=skew, schema="endorsement-credential")
    doc = report.credential or {}
    subject = doc.get("credentialSubject")
    until = doc.get("validUntil")
    return ClubStatus(certification_id, report, by_alliance=bool(doc) and issuer_id(doc) == alliance_did,
                      about_issuer=isinstance(subject, dict) and subject.get("id") == issuer_did,
                      valid_until=str(korea_date(until)) if isinstance(until, str) and korea_date(until) else None)

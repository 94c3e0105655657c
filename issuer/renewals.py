"""Renewing a badge that expires: a new credential of the same course version for the same person and
completion, valid anew, linked to the one it renews (Credential.renews_id, and the audit entry).

It is issued through the one issuing path (issuer.awards.issue_one) as the award's next generation, so the
award, looked up again from any entry point, finds the renewal; renewing twice gives the same renewal. The old
credential is left as it is: it stays true for the period it covered and expires on its own. The issuer names
the person (name and e-mail as issued), since the service keeps neither in the clear.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from badges.errors import InvalidInput
from badges.model import Recipient
from issuer import awards, service
from issuer.service import Award, Issued
from store.credentials import email_lookup, get_credential
from store.models import Org


def renew(session: Session, ctx: service.Issuing, *, org: Org, credential_id: str, name: str, email: str,
          actor: str, now: datetime, valid_until: datetime | None = None, notify: bool = False) -> Issued:
    """The renewal of the organisation's credential `credential_id` (created False when it was renewed before),
    valid until `valid_until` (else for the course's months from now). NotFound for another organisation's
    credential; InvalidInput when the person is not the one it was issued to or the date is past; Conflict
    when it was revoked or a newer credential of the award exists."""
    old = get_credential(session, credential_id, org_id=org.id)
    if valid_until is not None and valid_until <= now:
        raise InvalidInput("renew.valid_until_past", "The new validity must end in the future.", path="/validUntil")
    if old.revoked_at is not None:
        raise InvalidInput("renew.revoked", "A revoked badge is not renewed: issue a corrected one instead.")
    subject = json.loads(old.document).get("credentialSubject", {})
    recipient = Recipient(name.strip(), email.strip(), publish_name="name" in subject)
    award = Award(recipient, completed=_completed(subject.get("activityEndDate"), old.issued_at),
                  valid_until=valid_until)
    if old.recipient_lookup != email_lookup(email, ctx.lookup_key) or not awards.same_person(
            old, old.achievement, Award(recipient, _completed(subject.get("activityEndDate"), None))):
        raise InvalidInput("renew.not_recipient", "This badge was not issued to that name and e-mail: give them "
                           "as they were when it was issued.", path="/recipient")
    return awards.issue_one(session, ctx, org=org, achievement=old.achievement, version=old.version, award=award,
                            actor=actor, now=now, notify_recipients=notify, renews=old)


def _completed(activity_end: object, issued_at: datetime | None) -> datetime | None:
    """The completion the old badge states (activityEndDate), else the day it was issued (UTC, as its award
    key counted it); None with neither."""
    if isinstance(activity_end, str):
        try:
            return datetime.fromisoformat(activity_end)
        except ValueError:
            pass
    return awards.completion_instant(issued_at.astimezone(UTC).date()) if issued_at else None

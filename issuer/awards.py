"""Awards: one person's completion of one course on one day, issued once whichever way it arrives (the form,
a cohort file, the API), so sending the same award again finds the first credential instead of a second."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import Conflict
from badges.model import Evidence, Recipient, normalise_email
from issuer import service
from store.models import Achievement, Credential, Org

MAX_REISSUES = 20


def award_key(ctx: service.Issuing, *, course_public_id: str, email: str, completed: date) -> str:
    """The idempotency key of "this person completed this course on this day" (course, not version: a new
    version does not make an old completion new). Keyed with a secret, so it does not reveal the e-mail."""
    message = f"{course_public_id}\n{normalise_email(email)}\n{completed.isoformat()}".encode()
    return "award:" + hmac.new(ctx.lookup_key, message, hashlib.sha256).hexdigest()


def completion_instant(day: date) -> datetime:
    """The instant a completion date stands for in `activityEndDate`: its start, in UTC."""
    return datetime.combine(day, time(), tzinfo=UTC)


def issued_to(credential: Credential, achievement: Achievement, name: str, email: str, completed: date) -> bool:
    """True when `credential` is this award to this name and e-mail: by its request hash, since the signed
    credential carries the name only when it was published."""
    award = service.Award(Recipient(name, email), completion_instant(completed))
    return credential.request_hash == service.request_hash(achievement, award)


def issue_award(session: Session, ctx: service.Issuing, *, org: Org, achievement: Achievement,
                recipient: Recipient, completed: date, now: datetime, reissue_revoked: bool = False,
                evidence: tuple[Evidence, ...] = (), credits_earned: float | None = None) -> service.Issued:
    """Issue the award, or return its credential if it was issued already. With `reissue_revoked`, an award
    whose credential was revoked is issued anew (a corrected badge); Conflict when the person already has it
    under another name."""
    key = award_key(ctx, course_public_id=achievement.public_id, email=recipient.email, completed=completed)
    for generation in range(1, MAX_REISSUES + 1):
        candidate = key if generation == 1 else f"{key}:{generation}"
        earlier = session.scalar(select(Credential).where(Credential.org_id == org.id,
                                                          Credential.idempotency_key == candidate))
        if earlier is None or earlier.revoked_at is None or not reissue_revoked:
            break
    if earlier is not None and earlier.revoked_at is None:
        named = json.loads(earlier.document).get("credentialSubject", {}).get("name", "")
        if not issued_to(earlier, achievement, recipient.name, recipient.email, completed):
            raise Conflict("issue.already_issued_other_name", f"This person already has this badge for "
                           f"{completed.isoformat()}, issued to the name {named!r}. Revoke it first if the name is "
                           "wrong, then issue again.")
    return service.issue_badge(session, ctx, org=org, achievement=achievement, recipient=recipient, now=now,
                               completed=completion_instant(completed), idempotency_key=candidate,
                               evidence=evidence, credits_earned=credits_earned)

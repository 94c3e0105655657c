"""Awards: one person's completion of one course on one day, issued once whichever way it arrives (the console
form, a cohort file, the API, the command line), so sending the same award again finds the first credential
instead of a second.

This is the one way to issue: issue_many (issue_one is issue_many of one) looks the awards up, signs and stores
the new credentials (service.sign_and_store), and writes an audit entry for each and, when asked, its
notification e-mail in the outbox, all in the caller's transaction. An award without a completion date counts
as completed on the day it is issued (UTC), as the console's form assumes.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges.errors import BadgeError, Conflict, NotFound
from badges.model import Recipient, normalise_email
from issuer import audit, notify, service
from issuer.service import Award, Issued
from store.credentials import by_idempotency_keys, by_request_ids
from store.models import Achievement, AchievementVersion, Credential, Org
from web import metrics

MAX_REISSUES = 20
Result = Issued | BadgeError


def award_key(ctx: service.Issuing, *, course_public_id: str, email: str, completed: date) -> str:
    """The idempotency key of "this person completed this course on this day" (course, not version: a new
    version does not make an old completion new). Keyed with a secret, so it does not reveal the e-mail."""
    message = f"{course_public_id}\n{normalise_email(email)}\n{completed.isoformat()}".encode()
    return "award:" + hmac.new(ctx.lookup_key, message, hashlib.sha256).hexdigest()


def completion_instant(day: date) -> datetime:
    """The instant a completion date stands for in `activityEndDate`: its start, in UTC."""
    return datetime.combine(day, time(), tzinfo=UTC)


def completion_day(award: Award, now: datetime) -> date:
    """The day the award was completed, as its date says (in its own offset); the day of issue without one."""
    return award.completed.date() if award.completed else now.astimezone(UTC).date()


def issued_to(credential: Credential, achievement: Achievement, name: str, email: str, completed: date) -> bool:
    """True when `credential` is this award to this name and e-mail: by its request hash, since the signed
    credential carries the name only when it was published."""
    return same_person(credential, achievement, Award(Recipient(name, email), completion_instant(completed)))


def same_person(credential: Credential, achievement: Achievement, award: Award) -> bool:
    """True when `credential` was issued to the award's name and e-mail, its completion given as the award gives
    it, as a date, or not at all (an award of the day it was issued)."""
    day = award.completed.date() if award.completed else credential.issued_at.date()
    return credential.request_hash in {service.request_hash(achievement, replace(award, completed=completed))
                                       for completed in (award.completed, completion_instant(day), None)}


def issue_one(session: Session, ctx: service.Issuing, *, org: Org, achievement: Achievement, award: Award,
              actor: str, now: datetime, notify_recipients: bool = False, reissue_revoked: bool = False,
              version: AchievementVersion | None = None, renews: Credential | None = None) -> Issued:
    """issue_many of one award; its BadgeError is raised. With `renews` (issuer.renewals) the award's credential
    `renews` is followed by a new one (the award's next generation, linked to it): Issued(created=False) with
    that renewal when it was renewed already, Conflict when a newer credential of the award exists."""
    [result] = issue_many(session, ctx, org=org, achievement=achievement, awards=[award], actor=actor, now=now,
                          notify_recipients=notify_recipients, reissue_revoked=reissue_revoked, version=version,
                          renews=renews)
    if isinstance(result, BadgeError):
        raise result
    return result


def issue_many(session: Session, ctx: service.Issuing, *, org: Org, achievement: Achievement,
               awards: Sequence[Award], actor: str, now: datetime, notify_recipients: bool = False,
               reissue_revoked: bool = False, version: AchievementVersion | None = None, job_id: int | None = None,
               looked_up: bool = False, renews: Credential | None = None) -> list[Result]:
    """Each award's credential: issued now (audited, its e-mail queued with `notify_recipients`), or found under
    its award key or request id (created False), or the Conflict that refused it (the request id was used for
    other data; the person has the award under another name). With `reissue_revoked` an award whose credential
    was revoked is issued anew (a corrected badge). `looked_up`: the caller (a cohort job) found none of these
    awards issued, so they are not looked up unless a unique key refuses the batch. NotFound and the archived
    course's Conflict are raised for all."""
    if achievement.org_id != org.id:
        raise NotFound("achievement.not_found", f"There is no course {achievement.public_id!r} here.")
    version = version or achievement.versions[-1]
    refused = {i: e for i, e in enumerate(_result_problems(ctx, version, awards)) if e is not None}
    if refused:  # a result that does not fit the course refuses its award alone
        fitting = [a for i, a in enumerate(awards) if i not in refused]
        done = iter(issue_many(session, ctx, org=org, achievement=achievement, awards=fitting, actor=actor, now=now,
                               notify_recipients=notify_recipients, reissue_revoked=reissue_revoked,
                               version=version, job_id=job_id, looked_up=looked_up, renews=renews)
                    if fitting else [])
        return [refused[i] if i in refused else next(done) for i in range(len(awards))]
    issuing = _Issuing(session, ctx, org, achievement, version, actor, now, notify_recipients, reissue_revoked,
                       job_id, renews)
    try:
        with session.begin_nested():
            results = issuing.issue(awards, look_up=not looked_up)
    except IntegrityError:  # someone issued one of these awards (or used a request id) meanwhile: look again
        results = [issuing.issue_alone(award) for award in awards]
    metrics.count_issued(session, sum(1 for r in results if not isinstance(r, BadgeError) and r.created),
                         source="cohort" if job_id is not None else "single")
    return results


def _result_problems(ctx: service.Issuing, version: AchievementVersion,
                     awards: Sequence[Award]) -> list[BadgeError | None]:
    """Each award's InvalidInput when its results do not fit the version's result descriptions, else None."""
    problems: list[BadgeError | None] = []
    for award in awards:
        try:
            service.award_results(ctx, version, award)
        except BadgeError as e:
            problems.append(e)
        else:
            problems.append(None)
    return problems


class _Issuing:
    """One issue_many call's fixed arguments, so its steps stay short."""

    def __init__(self, session: Session, ctx: service.Issuing, org: Org, achievement: Achievement,
                 version: AchievementVersion, actor: str, now: datetime, notify_recipients: bool,
                 reissue_revoked: bool, job_id: int | None, renews: Credential | None = None) -> None:
        self.session, self.ctx, self.org, self.achievement, self.version = session, ctx, org, achievement, version
        self.actor, self.now, self.notify, self.reissue, self.job_id = (actor, now, notify_recipients,
                                                                         reissue_revoked, job_id)
        self.renews = renews

    def issue_alone(self, award: Award) -> Result:
        """The award on its own, looked up again, in a savepoint of its own."""
        try:
            with self.session.begin_nested():
                [result] = self.issue([award], look_up=True)
        except IntegrityError:  # lost a second race: the winner is committed now, so it is found
            with self.session.begin_nested():
                [result] = self.issue([award], look_up=True)
        return result

    def issue(self, awards: Sequence[Award], *, look_up: bool) -> list[Result]:
        keys = [award_key(self.ctx, course_public_id=self.achievement.public_id, email=a.recipient.email,
                          completed=completion_day(a, self.now)) for a in awards]
        decided = self.look_up(awards, keys) if look_up else list(keys)
        fresh = [(i, award, key) for i, (award, key) in enumerate(zip(awards, decided)) if isinstance(key, str)]
        if not fresh:
            return [r for r in decided if not isinstance(r, str)]
        stored = service.sign_and_store(self.session, self.ctx, org=self.org, achievement=self.achievement,
                                        version=self.version, awards=[(a, k) for _, a, k in fresh], now=self.now)
        if self.renews is not None:  # the link to the badge renewed, in the caller's transaction like the rest
            self.session.execute(update(Credential).where(Credential.id.in_([c.id for c in stored]))
                                 .values(renews_id=self.renews.id))
            for credential in stored:
                credential.renews_id = self.renews.id
        detail = {"course": self.achievement.public_id, "version": self.version.version,
                  **({"job": self.job_id} if self.job_id is not None else {}),
                  **({"renews": self.renews.id} if self.renews is not None else {})}
        head = audit.record_many(self.session, org_id=self.org.id, actor=self.actor, action="credential.issue",
                                 now=self.now, targets=[c.id for c in stored], **detail)
        audit.checkpoint_if_due(self.session, org=self.org, head=head, now=self.now,
                                signer=lambda: service.signer(self.ctx, self.org))
        mails = notify.enqueue_many(self.session, [(c, a.recipient.email) for c, (_, a, _) in zip(stored, fresh)],
                                    now=self.now, job_id=self.job_id) if self.notify else []
        out: list[Result | str] = list(decided)
        for n, (i, _, _) in enumerate(fresh):
            out[i] = Issued(stored[n], created=True, mail_id=mails[n].id if mails else None)
        return [r for r in out if not isinstance(r, str)]

    def look_up(self, awards: Sequence[Award], keys: list[str]) -> list[Result | str]:
        """Each award's earlier credential or Conflict, or the award key to issue it under."""
        by_request = by_request_ids(self.session, self.org.id, [a.request_id for a in awards if a.request_id])
        by_key = by_idempotency_keys(self.session, self.org.id, keys)
        decided: list[Result | str] = []
        for award, key in zip(awards, keys):
            named = by_request.get(award.request_id or "")
            if named is not None:
                same = named.request_hash == service.request_hash(self.achievement, award)
                decided.append(Issued(named, created=False) if same else _request_id_conflict(award))
            else:
                decided.append(self._by_award(award, key, by_key.get(key)))
        return decided

    def _by_award(self, award: Award, key: str, earlier: Credential | None) -> Result | str:
        if earlier is None:
            return key
        earlier, generation = latest_generation(self.session, self.org.id, key, earlier)
        if self.renews is not None:
            return self._renewal(earlier, generation, key)
        if earlier.revoked_at is not None and self.reissue and generation < MAX_REISSUES:
            return f"{key}:{generation + 1}"
        if same_person(earlier, self.achievement, award):
            return Issued(earlier, created=False)
        named = json.loads(earlier.document).get("credentialSubject", {}).get("name", "")
        return Conflict("issue.already_issued_other_name", f"This person already has this badge for "
                        f"{completion_day(award, self.now).isoformat()}, issued to the name {named!r}. Revoke it "
                        "first if the name is wrong, then issue again.")


    def _renewal(self, latest: Credential, generation: int, key: str) -> Result | str:
        """The key of the renewal of self.renews, the renewal made before, or the Conflict refusing it."""
        assert self.renews is not None
        if latest.renews_id == self.renews.id:
            return Issued(latest, created=False)
        if latest.id != self.renews.id:
            return Conflict("renew.not_latest", f"This badge was renewed or issued again since: renew the newest "
                            f"one, {latest.id}.")
        if generation >= MAX_REISSUES:
            return Conflict("renew.too_many", f"This award was issued {MAX_REISSUES} times already.")
        return f"{key}:{generation + 1}"


def latest_generation(session: Session, org_id: int, key: str, first: Credential) -> tuple[Credential, int]:
    """The award's latest credential and its generation: `first`, its credential under `key`, unless the award
    was issued again after a revocation or renewed (key:2, key:3, ...)."""
    if first.revoked_at is None and first.valid_until is None:
        return first, 1  # a badge that neither was revoked nor expires has no later generation
    found = by_idempotency_keys(session, org_id, [f"{key}:{n}" for n in range(2, MAX_REISSUES + 1)])
    for generation in range(MAX_REISSUES, 1, -1):
        if f"{key}:{generation}" in found:
            return found[f"{key}:{generation}"], generation
    return first, 1


def _request_id_conflict(award: Award) -> Conflict:
    return Conflict("issue.idempotency_conflict", f"The id {award.request_id!r} was already used for a "
                    "different recipient or course; use a new id for a new credential.", path="/id")

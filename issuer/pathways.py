"""Pathways across members: defining a track, and awarding its badge to learners whose wallets meet it.

A track is defined by the operator (an owner of the platform organisation, issuer.alliance), whose track may be
awarded by any member's course, or by a member's owner, whose track is awarded by a course of its own. Its
requirements are achievements of any member, one per line as `public-id` or `public-id minimum` (a level key of
the course's rubric, e.g. 3, or a score).

Awarding (award_learner) issues through the one issuing path (issuer.awards.issue_one) from the track owner, to
the learner's first confirmed address, with every qualifying credential as OB 3.0 evidence. It happens at most
once per learner and track: a learner who already holds a badge of the track's course at any confirmed address
is skipped, and the completion day is the newest qualifying badge's issue day, so a repeated run finds the same
award key. When a qualifying badge is revoked later, the track badge stays (it was earned on evidence verified
at the time) and its evidence link shows the revocation to whoever follows it; no new track badge is issued.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from badges import text
from badges.errors import BadgeError, InvalidInput, NotFound
from badges.model import Evidence, Recipient
from issuer import awards, courses
from issuer.service import Award, Issuing
from store import pathways
from store.credentials import credentials_for_email
from store.db import transaction
from store.models import Achievement, Org
from store.pathways import Pathway, PathwayRequirement
from store.wallet import Learner

MAX_REQUIREMENTS = 20
MAX_NAME = 200


def _bad(code: str, detail: str, *, path: str = "/requirements", unknown: bool = False,
         **values: object) -> BadgeError:
    """The error, with the values its ko/en text names (`values`, shown by the console page)."""
    error: BadgeError = (NotFound if unknown else InvalidInput)(code, detail, path=path)
    setattr(error, "values", values)  # noqa: B010
    return error


def define(session: Session, *, org: Org, operator: bool, name_ko: str, name_en: str, course: str,
           requirements: str, actor: str, now: datetime) -> Pathway:
    """A new track owned by the organisation of its badge's `course` (the caller's own unless `operator`);
    InvalidInput or NotFound naming what is wrong (an unknown achievement, a minimum the course does not have)."""
    names = [" ".join(text.check_line(n, path=f"/name_{lang}").split()) for n, lang in ((name_ko, "ko"), (name_en, "en"))]
    if not all(names):
        raise _bad("pathway.name_missing", "Give the track a Korean and an English name.", path="/name_ko")
    if any(len(n) > MAX_NAME for n in names):
        raise _bad("pathway.name_too_long", f"Keep the track's names to {MAX_NAME} characters.",
                       path="/name_ko", limit=MAX_NAME)
    badge = _achievement(session, course.strip(), path="/course")
    if not operator and badge.org_id != org.id:
        raise _bad("pathway.course_not_yours", "The track badge must be one of your own courses.", path="/course")
    lines = [line.split() for line in text.check_prose(requirements, path="/requirements").splitlines() if line.strip()]
    if not lines:
        raise _bad("pathway.requirements_missing", "List at least one required achievement.")
    if len(lines) > MAX_REQUIREMENTS:
        raise _bad("pathway.too_many", f"A track can require up to {MAX_REQUIREMENTS} achievements.",
                       limit=MAX_REQUIREMENTS)
    track = Pathway(public_id=secrets.token_urlsafe(12), name_ko=names[0], name_en=names[1], org_id=badge.org_id,
                    achievement_id=badge.id, created_by=actor, created_at=now)
    seen: set[int] = set()
    for position, parts in enumerate(lines):
        if len(parts) > 2:
            raise _bad("pathway.line_invalid", f"Line {position + 1}: give an achievement id and at most one "
                           "minimum, e.g. 'topcit-2026 3'.", line=position + 1)
        required = _achievement(session, parts[0], path="/requirements")
        if required.id == badge.id or required.id in seen:
            raise _bad("pathway.requirement_repeated", f"{parts[0]!r:.60} is listed twice or is the track "
                           "badge itself.", id=parts[0][:60])
        seen.add(required.id)
        minimum = _minimum(required, parts[1]) if len(parts) == 2 else ""
        track.requirements.append(PathwayRequirement(achievement_id=required.id, minimum=minimum, position=position))
    session.add(track)
    session.flush()
    return track


def _achievement(session: Session, public_id: str, *, path: str) -> Achievement:
    try:
        return courses.get_achievement(session, org_id=None, public_id=public_id)
    except NotFound:
        raise _bad("pathway.achievement_unknown", f"There is no achievement {public_id[:60]!r} in the alliance.",
                   path=path, unknown=True, id=public_id[:60]) from None


def _minimum(achievement: Achievement, given: str) -> str:
    """The requirement's minimum as stored: a level's key (found by key or name) or a score within range."""
    specs = courses.result_specs(achievement)
    wanted = given.casefold()
    for spec in specs:
        for level in spec.levels:
            if wanted in {level.key.casefold(), level.name_ko.casefold(), level.name_en.casefold()}:
                return level.key
    for spec in specs:
        if not spec.levels and spec.value_min:
            try:
                if float(spec.value_min) <= float(given) <= float(spec.value_max):
                    return given
            except ValueError:
                break
    raise _bad("pathway.minimum_unknown", f"{achievement.public_id!r:.60} has no level or score {given[:40]!r}.",
               id=achievement.public_id, minimum=given[:40])


def award_learner(session: Session, ctx: Issuing, learner: Learner, *, now: datetime) -> int:
    """Issue the badge of every track the learner's wallet now completes and does not hold yet; how many."""
    addresses = [e.address for e in learner.emails if e.verified_at is not None]
    if not addresses:
        return 0
    issued = 0
    for progress in pathways.progress(session, learner.id, now=now):
        if not progress.complete or _holds(session, ctx, addresses, progress.pathway):
            continue
        qualifying = progress.credentials()
        evidence = tuple(Evidence(url=ctx.links.credential(c.id), name=_name(c.version.name_ko, c.version.name_en),
                                  description=_name(c.org.name_ko, c.org.name_en)) for c in qualifying)
        completed = awards.completion_instant(max(c.issued_at for c in qualifying).date())
        result = awards.issue_one(session, ctx, org=progress.pathway.org, achievement=progress.pathway.achievement,
                                  award=Award(Recipient(learner.name, addresses[0]), completed=completed,
                                              evidence=evidence),
                                  actor=f"pathway:{progress.pathway.public_id}", now=now, notify_recipients=True)
        issued += result.created
    return issued


def _name(ko: str, en: str) -> str:
    return " / ".join(n for n in (ko, en) if n)


def _holds(session: Session, ctx: Issuing, addresses: list[str], track: Pathway) -> bool:
    """True when a badge of the track's course (revoked or not) was issued to one of the addresses."""
    return any(c.achievement_id == track.achievement_id
               for a in addresses for c in credentials_for_email(session, a, key=ctx.lookup_key))


class Awarder:
    """What the wallet calls after it collects or imports badges (given to it by bootstrap.wiring, so that the
    wallet need not import the issuer), and the `badges pathways award` command's run over every learner."""

    def __init__(self, sessions: sessionmaker[Session], ctx: Issuing) -> None:
        self._sessions, self._ctx = sessions, ctx

    def __call__(self, learner_id: int, now: datetime) -> int:
        """Award the learner's completed tracks in a transaction of its own; how many badges were issued."""
        with transaction(self._sessions) as session:
            learner = session.get(Learner, learner_id)
            return award_learner(session, self._ctx, learner, now=now) if learner is not None else 0

    def everyone(self, now: datetime) -> int:
        """Award every learner holding a badge of some track's requirement; how many badges were issued."""
        with transaction(self._sessions) as session:
            tracks = pathways.all_pathways(session)
            learners = pathways.holders_of(session, [r.achievement_id for t in tracks for r in t.requirements])
        return sum(self(learner_id, now) for learner_id in learners)


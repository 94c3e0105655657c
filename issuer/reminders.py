"""Reminding people that badges expire: the holder (and, when the organisation asks for it, the organisation's
contact address) is e-mailed N days before a badge's validUntil, for each N of the organisation's reminder days
(Org.reminder_days, "30,7" by default). Run from cron: `badges remind-expiring`.

At most one reminder per credential, threshold and audience: each is a row (unique on those three) written
before it is sent, claimed by one run before sending (so overlapping runs do not both send it), marked sent
after. A failed send is tried again by the next run; a run that dies while sending leaves its claimed rows
unsent rather than risk sending twice. When a run finds several thresholds passed (it did not run for a while),
only the nearest is sent: one reminder saying 7 days, not two. A badge renewed, revoked or suspended gets none.

The service keeps no recipient address in the clear, so the holder is reminded at the confirmed address of a
wallet account that the badge was issued to (the keyed e-mail hash of store.credentials); a badge whose holder
has no wallet account is reminded once one is made, while the threshold lasts, or through the organisation.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from badges.errors import InvalidInput, Unavailable
from issuer.context import Context
from issuer.messages import MESSAGES
from store.credentials import email_lookup
from store.db import transaction
from store.issuing import ExpiryReminder, MailState
from store.links import Links
from store.models import Credential, Org
from store.wallet import LearnerEmail
from web.i18n import local_time
from web.mail import Mail, render, send

SENDING = "sending"  # claimed by a run that is sending it
MAX_ATTEMPTS = 5
MAX_DAYS = 365


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did: reminders sent and failed, by audience."""

    sent: int
    failed: int


def parse_days(text: str) -> tuple[int, ...]:
    """"30,7" -> (30, 7), largest first; InvalidInput for anything but whole days from 1 to 365."""
    try:
        days = {int(part) for part in text.replace(" ", "").split(",") if part}
    except ValueError:
        raise InvalidInput("reminders.days_invalid", "Reminder days are whole numbers separated by commas, e.g. "
                           "30,7.", path="/reminderDays") from None
    if any(not 1 <= d <= MAX_DAYS for d in days):
        raise InvalidInput("reminders.days_invalid", f"Reminder days are from 1 to {MAX_DAYS}.", path="/reminderDays")
    return tuple(sorted(days, reverse=True))


def plan(session: Session, *, lookup_key: bytes, now: datetime, days: Sequence[int] | None = None) -> int:
    """Write the reminder rows now due (the organisations' days, or `days` for all); returns how many."""
    horizon = max([*days] if days else [max(parse_days(o.reminder_days) or (0,)) for o in session.scalars(select(Org))]
                  or [0])
    if not horizon:
        return 0
    renewal = aliased(Credential)
    expiring = session.scalars(select(Credential).join(Org, Org.id == Credential.org_id).where(
        Credential.valid_until > now, Credential.valid_until <= now + timedelta(days=horizon),
        Credential.revoked_at.is_(None), Credential.suspended_at.is_(None),
        ~select(renewal.id).where(renewal.renews_id == Credential.id).exists()))
    addresses: dict[str, str] | None = None
    made = 0
    for credential in expiring:
        threshold = _threshold(credential, now, days or parse_days(credential.org.reminder_days))
        if threshold is None:
            continue
        if addresses is None:  # the keyed hash of every confirmed wallet address, once per run
            addresses = {email_lookup(a, lookup_key): a for a in session.scalars(
                select(LearnerEmail.verified_address).where(LearnerEmail.verified_address.is_not(None))) if a}
        targets = [("learner", addresses.get(credential.recipient_lookup))]
        if credential.org.remind_issuer:
            targets.append(("issuer", credential.org.email))
        for audience, address in targets:
            if address:
                made += _add(session, credential, threshold, audience, address, now)
    return made


def _threshold(credential: Credential, now: datetime, days: Sequence[int]) -> int | None:
    """The nearest of `days` that the credential's expiry is within, if any."""
    assert credential.valid_until is not None
    left = credential.valid_until - now
    passed = [d for d in days if left <= timedelta(days=d)]
    return min(passed) if passed else None


def _add(session: Session, credential: Credential, days: int, audience: str, address: str, now: datetime) -> int:
    """1 if the reminder row is new, 0 if it existed (the unique key decides, also against a concurrent run)."""
    if session.scalar(select(ExpiryReminder.id).where(ExpiryReminder.credential_id == credential.id,
                                                      ExpiryReminder.days == days,
                                                      ExpiryReminder.audience == audience)) is not None:
        return 0
    try:
        with session.begin_nested():
            session.add(ExpiryReminder(credential_id=credential.id, days=days, audience=audience, to_address=address,
                                       state=MailState.PENDING, attempts=0, created_at=now))
    except IntegrityError:
        return 0
    return 1


def remind_expiring(services: Context, *, now: datetime | None = None, days: Sequence[int] | None = None) -> Outcome:
    """Plan the reminders due at `now`, then send every reminder not sent yet; what was sent and failed."""
    now = now or datetime.now(UTC)
    with transaction(services.sessions) as session:
        plan(session, lookup_key=services.issuing.lookup_key, now=now, days=days)
    with transaction(services.sessions) as session:
        candidates = list(session.scalars(select(ExpiryReminder.id).where(
            ExpiryReminder.state.in_([MailState.PENDING, MailState.FAILED]),
            ExpiryReminder.attempts < MAX_ATTEMPTS).order_by(ExpiryReminder.id)))
        claimed = [i for i in candidates if session.execute(  # type: ignore[attr-defined]
            update(ExpiryReminder).where(ExpiryReminder.id == i, ExpiryReminder.state.in_(
                [MailState.PENDING, MailState.FAILED])).values(state=SENDING, attempts=ExpiryReminder.attempts + 1)
        ).rowcount == 1]
    sent = failed = 0
    for group in _groups(services, claimed):
        with transaction(services.sessions) as session:
            reminders = [session.get_one(ExpiryReminder, i) for i in group]
            mail = compose(reminders, links=services.issuing.links, now=now)
        try:
            send(mail, smtp_url=services.settings.smtp_url, sender=services.settings.mail_from)
            error = None
        except Unavailable as e:
            error = e.detail
        with transaction(services.sessions) as session:
            for i in group:
                reminder = session.get_one(ExpiryReminder, i)
                reminder.state = MailState.FAILED if error else MailState.SENT
                reminder.last_error, reminder.sent_at = (error[:500], None) if error else (None, now)
        sent, failed = (sent, failed + len(group)) if error else (sent + len(group), failed)
    return Outcome(sent=sent, failed=failed)


def _groups(services: Context, ids: list[int]) -> list[list[int]]:
    """One mail per learner reminder; the issuer's reminders of one run, one mail per address."""
    with transaction(services.sessions) as session:
        rows = [session.get_one(ExpiryReminder, i) for i in ids]
        groups: dict[Any, list[int]] = {}
        for r in rows:
            groups.setdefault(r.id if r.audience == "learner" else (r.to_address, r.credential.org_id), []).append(r.id)
    return list(groups.values())


def compose(reminders: Sequence[ExpiryReminder], *, links: Links, now: datetime) -> Mail:
    """The reminder e-mail: to the holder about one badge, or to the organisation about several."""
    first = reminders[0]
    org = first.credential.org
    orgs = {"ko": org.name_ko or org.name_en, "en": org.name_en or org.name_ko}
    rows = [_row(r.credential, links) for r in reminders]
    audience = first.audience
    key = f"mail.remind.{audience}"

    def text_of(part: str, lang: str, **values: object) -> str:
        return MESSAGES[f"{key}.{part}"][lang].format(**values)

    def values(lang: str) -> dict[str, Any]:
        return {**_lang(rows[0], lang), "n": len(rows), "org": orgs[lang]}

    parts: list[dict[str, Any]] = [{
        "lang": lang, "headline": text_of("headline", lang, **values(lang)),
              "body": text_of("body", lang, **values(lang)),
              "rows": [_lang(row, lang) for row in rows], "course_label": MESSAGES["mail.badge.course"][lang],
              "holder_label": MESSAGES["mail.remind.holder"][lang],
              "until_label": MESSAGES["mail.badge.valid_until"][lang],
              "open_label": MESSAGES["mail.remind.open"][lang]} for lang in ("ko", "en")]
    button_url = rows[0]["url"] if audience == "learner" else f"{links.base_url}/console/{org.slug}/credentials"
    subject = " · ".join(text_of("subject", lang, **values(lang)) for lang in ("ko", "en"))
    button = " · ".join(text_of("button", lang) for lang in ("ko", "en"))
    html = render("reminder.html", title=subject, preheader=parts[0]["headline"], parts=parts, url=button_url,
                  audience=audience,
                  button=button, header=orgs["ko"] if orgs["ko"] == orgs["en"] else f"{orgs['ko']} · {orgs['en']}",
                  footer=" ".join(MESSAGES["mail.footer"][lang].format(org=orgs[lang]) for lang in ("ko", "en")))
    text = "\n\n-----\n\n".join(
        f"{p['headline']}\n\n{p['body']}\n\n" + "\n".join(
            f"- {r['course']} ({r['holder']}): {p['until_label']} {r['until']} "
            f"{r['console'] if audience == 'issuer' else r['url']}" for r in p["rows"])
        + f"\n\n{button_url}\n" for p in parts)
    return Mail(to=first.to_address or "", subject=subject, text=text, html=html)


def _row(credential: Credential, links: Links) -> dict[str, Any]:
    version = credential.version
    name = json.loads(credential.document).get("credentialSubject", {}).get("name")
    return {"course_ko": version.name_ko or version.name_en, "course_en": version.name_en or version.name_ko,
            "until": local_time(credential.valid_until, "date", "ko"), "url": links.credential(credential.id),
            "name": name if isinstance(name, str) else None,
            "console": f"{links.base_url}/console/{credential.org.slug}/credentials/{credential.id}"}


def _lang(row: dict[str, Any], lang: str) -> dict[str, Any]:
    """A row's values in `lang`: the course's name, and the holder's name or 'not published'."""
    return {**row, "course": row[f"course_{lang}"], "holder": row["name"] or MESSAGES["mail.remind.no_name"][lang],
            "date": row["until"]}

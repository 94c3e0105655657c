"""Telling recipients about their badge: a Korean and English e-mail (HTML with a plain-text part) with the badge
image and a button to its page, sent
through an outbox so a failed send is kept, shown to staff with its error, and can be retried.

The outbox row is written in the transaction that issues the credential; the e-mail is sent after that
commits (never while holding the database), and the outcome is written in a transaction of its own.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges import artwork, baking, images
from badges.clock import korea_date
from badges.errors import Unavailable
from issuer.context import Context
from issuer.messages import MESSAGES
from store.db import transaction
from store.issuing import MailState, OutboxMail
from store.links import Links
from store.models import Credential
from web.i18n import local_time
from web.linkedin import linkedin_url
from web.mail import Attachment, Mail, render, send


def enqueue(session: Session, credential: Credential, *, email: str, now: datetime,
            job_id: int | None = None, resent: bool = False) -> OutboxMail:
    """An outbox row for the recipient of a credential just issued, or sent again by staff (`resent`: see
    resends_refused), flushed so it has an id."""
    [mail] = enqueue_many(session, [(credential, email)], now=now, job_id=job_id)
    mail.resent = resent
    return mail


def enqueue_many(session: Session, due: Sequence[tuple[Credential, str]], *, now: datetime,
                 job_id: int | None = None) -> list[OutboxMail]:
    """enqueue for each (credential, e-mail), with one flush."""
    mails = [OutboxMail(org_id=credential.org_id, credential_id=credential.id, job_id=job_id,
                        to_address=email.strip(), to_display=mask(email), state=MailState.PENDING, created_at=now)
             for credential, email in due]
    session.add_all(mails)
    if mails:
        session.flush()
    return mails


# Staff sending a badge's notification again: a few times per badge in an hour (a lost mail, a full inbox), and
# per organisation no more than a working day of such requests, so the console cannot be used to flood inboxes.
# Counted in the database, in the caller's transaction (with the credential's row locked): a console request
# holds its transaction throughout, which on SQLite leaves no other connection to count in.
RESENDS_PER_CREDENTIAL = 3
RESENDS_PER_ORG = 200
RESEND_WINDOW = timedelta(hours=1)


def resends_refused(session: Session, credential: Credential, *, now: datetime) -> bool:
    """True when another mail for `credential` now would go past the per-badge or per-organisation limit."""
    since = now - RESEND_WINDOW
    for_badge = session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.credential_id == credential.id, OutboxMail.resent.is_(True), OutboxMail.created_at > since)) or 0
    for_org = session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.org_id == credential.org_id, OutboxMail.resent.is_(True), OutboxMail.created_at > since)) or 0
    return for_badge >= RESENDS_PER_CREDENTIAL or for_org >= RESENDS_PER_ORG


def mask(email: str) -> str:
    """The address as staff see it once sent, e.g. m***@example.com."""
    local, _, domain = email.strip().partition("@")
    return f"{local[:1]}***@{domain}"


def badge_mail(credential: Credential, *, to: str, links: Links) -> Mail:
    """The notification, one message in Korean then English (the sender cannot know the reader's language): the
    badge image, one button to the badge's page, the course, issuer and date in Korea time, the wallet and
    LinkedIn. The image travels inline (Content-ID), not as a link to our server: Outlook and many company
    mail systems block remote images until the reader allows them, while inline parts show at once (Gmail shows
    both), and nothing is fetched from us when the mail is opened. It is the baked PNG (saving it keeps a
    verifiable badge); an SVG course image, which Gmail and Outlook do not display, is sent as a drawn PNG."""
    org, version = credential.org, credential.version
    url = links.credential(credential.id)
    orgs = {"ko": org.name_ko or org.name_en, "en": org.name_en or org.name_ko}
    courses = {"ko": version.name_ko or version.name_en, "en": version.name_en or version.name_ko}
    parts = [_part(credential, lang, org=orgs[lang], course=courses[lang], links=links) for lang in ("ko", "en")]
    html = render("badge.html", title=MESSAGES["mail.badge.subject"]["ko"].format(org=orgs["ko"]),
                  preheader=MESSAGES["mail.badge.preheader"]["ko"].format(course=courses["ko"]),
                  header=orgs["ko"] if orgs["ko"] == orgs["en"] else f"{orgs['ko']} · {orgs['en']}",
                  footer=" ".join(MESSAGES["mail.footer"][lang].format(org=orgs[lang]) for lang in ("ko", "en")),
                  image_cid="badge", url=url, course=courses["ko"], org=orgs["ko"], parts=parts,
                  image_alt=MESSAGES["mail.badge.image_alt"]["ko"].format(course=courses["ko"]),
                  button=f"{MESSAGES['mail.badge.button']['ko']} · {MESSAGES['mail.badge.button']['en']}")
    text = "\n\n-----\n\n".join(_text_part(p, url) for p in parts)
    subject = (f"{MESSAGES['mail.badge.subject']['ko'].format(org=orgs['ko'])} · "
               f"{MESSAGES['mail.badge.subject']['en'].format(org=orgs['en'])}")
    return Mail(to=to, subject=subject, text=text, html=html, attachments=(
        Attachment("badge.png", badge_png(credential), "image/png", inline_id="badge"),))


def _part(credential: Credential, lang: str, *, org: str, course: str, links: Links) -> dict[str, Any]:
    """The words of one language of the notification."""
    def t(key: str, **values: str) -> str:
        return MESSAGES[key][lang].format(**values)
    name = str(json.loads(credential.document).get("credentialSubject", {}).get("name", ""))  # only if published
    facts = [(t("mail.badge.course"), course), (t("mail.badge.issuer"), org),
             (t("mail.badge.issued_on"), local_time(credential.issued_at, "date", lang))]
    if credential.valid_until is not None:
        facts.append((t("mail.badge.valid_until"), local_time(credential.valid_until, "date", lang)))
    url = links.credential(credential.id)
    return {"lang": lang, "headline": t("mail.badge.headline"),
            "greeting": t("mail.badge.hello_name", name=name) if name else t("mail.badge.hello"),
            "body": t("mail.badge.body", org=org, course=course), "facts": facts,
            "wallet": t("mail.badge.wallet"), "wallet_url": f"{links.base_url}/wallet",
            "wallet_link": t("mail.badge.wallet_link"),
            "linkedin": t("mail.badge.linkedin"), "linkedin_link": t("mail.badge.linkedin_link"),
            "linkedin_url": linkedin_url(name=course, issuer=org, awarded_on=korea_date(credential.issued_at), url=url,
                                         credential_id=credential.id),
            "verify": t("mail.badge.verify"), "verify_url": links.verify(credential.id)}


def _text_part(part: dict[str, Any], url: str) -> str:
    """One language of the plain-text alternative: the same words and links as the HTML."""
    facts = "\n".join(f"  {label}: {value}" for label, value in part["facts"])
    button = MESSAGES["mail.badge.button"][part["lang"]]
    return (f"{part['headline']}\n\n{part['greeting']}\n{part['body']}\n\n{facts}\n\n{button}: {url}\n\n"
            f"{part['wallet']}\n{part['wallet_link']}: {part['wallet_url']}\n\n{part['linkedin']}\n"
            f"{part['linkedin_link']}: {part['linkedin_url']}\n\n{part['verify']}\n{part['verify_url']}\n")


def badge_png(credential: Credential) -> bytes:
    """The badge image for an e-mail: the course version's PNG baked with the credential, or a PNG drawn from
    the course's name when its image is SVG."""
    version = credential.version
    if version.image and version.image_type == images.PNG:
        return baking.bake_png(version.image, credential.document.decode())
    org = credential.org
    return artwork.badge_png(version.name_ko or version.name_en, org.name_en or org.name_ko,
                             font_path=artwork.korean_font(), hue=org.id)


def deliver(services: Context, mail_ids: Sequence[int]) -> list[OutboxMail]:
    """Send each pending or failed mail of `mail_ids` and record how it went; returns the mails as left."""
    results = []
    for mail_id in mail_ids:
        with transaction(services.sessions) as session:
            mail = session.get(OutboxMail, mail_id)
            if mail is None or mail.state == MailState.SENT or not mail.to_address:
                results.extend([mail] if mail is not None else [])  # e.g. sent meanwhile by a retry: as left
                continue
            message = badge_mail(mail.credential, to=mail.to_address, links=services.issuing.links)
        error = None
        try:
            send(message, smtp_url=services.settings.smtp_url, sender=services.settings.mail_from)
        except Unavailable as e:
            error = e.detail
        with transaction(services.sessions) as session:
            mail = session.get(OutboxMail, mail_id)
            assert mail is not None
            record_attempt(mail, error=error, now=datetime.now(UTC))
            results.append(mail)
    return results


def record_attempt(mail: OutboxMail, *, error: str | None, now: datetime) -> None:
    """Note one try: sent (the address is then forgotten) or failed with the server's reason."""
    mail.attempts += 1
    mail.last_attempt_at = now
    if error is None:
        mail.state, mail.sent_at, mail.last_error, mail.to_address = MailState.SENT, now, None, None
    else:
        mail.state, mail.last_error = MailState.FAILED, error[:500]


def unsent(session: Session, *, org_id: int, limit: int = 200) -> list[OutboxMail]:
    """The organisation's mails not sent yet (failed first, then pending), oldest first."""
    return list(session.scalars(select(OutboxMail).where(OutboxMail.org_id == org_id,
                                                         OutboxMail.state != MailState.SENT)
                                .order_by(OutboxMail.state, OutboxMail.id).limit(limit)))


def retryable(session: Session, *, org_id: int, mail_ids: Sequence[int] | None = None) -> list[int]:
    """The ids of the organisation's unsent mails (of `mail_ids` when given) that can be sent again."""
    query = select(OutboxMail.id).where(OutboxMail.org_id == org_id, OutboxMail.state != MailState.SENT,
                                        OutboxMail.to_address.is_not(None))
    if mail_ids is not None:
        query = query.where(OutboxMail.id.in_(mail_ids))
    return list(session.scalars(query.order_by(OutboxMail.id).limit(500)))

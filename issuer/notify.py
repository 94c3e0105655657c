"""Telling recipients about their badge: a Korean and English e-mail with the link and the QR code, sent
through an outbox so a failed send is kept, shown to staff with its error, and can be retried.

The outbox row is written in the transaction that issues the credential; the e-mail is sent after that
commits (never while holding the database), and the outcome is written in a transaction of its own.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges import qr
from badges.errors import Unavailable
from issuer.context import Context
from store.db import transaction
from store.issuing import MailState, OutboxMail
from store.links import Links
from store.models import Credential
from web.mail import Attachment, Mail, send


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
    """The notification: Korean first, then English, with the credential link and the QR code inline."""
    document = json.loads(credential.document)
    org, version = credential.org, credential.version
    name = str(document.get("credentialSubject", {}).get("name", ""))  # only when the learner agreed to publish it
    values = {"hello_ko": f"{name}님, 안녕하세요." if name else "안녕하세요.", "hello_en": f"Hello {name}," if name else "Hello,",
              "org_ko": org.name_ko or org.name_en, "org_en": org.name_en or org.name_ko,
              "course_ko": version.name_ko or version.name_en, "course_en": version.name_en or version.name_ko,
              "url": links.credential(credential.id), "verify": links.verify(credential.id)}
    text = TEXT.format(**values)
    html = HTML.format(**{k: escape(v) for k, v in values.items()})
    subject = f"[{values['org_ko']}] 디지털 배지가 발급되었습니다 · Your digital badge from {values['org_en']}"
    return Mail(to=to, subject=subject, text=text, html=html, attachments=(
        Attachment("qr.png", qr.qr_png(links.verify(credential.id), scale=6), "image/png", inline_id="qr"),))


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


TEXT = """{hello_ko}

{org_ko}에서 「{course_ko}」 과정을 수료하신 것을 증명하는 디지털 배지를 발급했습니다.

배지 보기: {url}
누구나 QR 코드를 찍거나 이 주소를 열어 배지가 진짜인지 확인할 수 있습니다: {verify}

-----

{hello_en}

{org_en} has issued you a digital badge for completing "{course_en}".

See your badge: {url}
Anyone can check that it is genuine by scanning its QR code or opening: {verify}
"""

HTML = """<!doctype html>
<html lang="ko"><body style="font-family:sans-serif;line-height:1.6;color:#0f172a">
<p>{hello_ko}</p>
<p>{org_ko}에서 「{course_ko}」 과정을 수료하신 것을 증명하는 디지털 배지를 발급했습니다.</p>
<p><a href="{url}">배지 보기</a></p>
<p><img src="cid:qr" width="180" height="180" alt="QR"><br>
누구나 QR 코드를 찍거나 <a href="{verify}">이 주소</a>를 열어 배지가 진짜인지 확인할 수 있습니다.</p>
<hr>
<div lang="en">
<p>{hello_en}</p>
<p>{org_en} has issued you a digital badge for completing “{course_en}”.</p>
<p><a href="{url}">See your badge</a></p>
<p>Anyone can check that it is genuine by scanning the QR code above or opening <a href="{verify}">this page</a>.</p>
</div>
</body></html>
"""

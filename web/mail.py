"""Sending e-mail over SMTP as configured by BADGES_SMTP_URL (no e-mail at all when unset), and the designed
HTML of the e-mails learners receive (web/templates/mail: table layout and inline CSS only, since Gmail and
Outlook drop <style> blocks, flexbox and most of CSS; rendered by Jinja outside any request, autoescaped)."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from badges import text
from badges.errors import Unavailable
from web import metrics


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str  # e.g. "image/png"
    inline_id: str | None = None  # Content-ID for <img src="cid:...">


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "mail"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **values: Any) -> str:
    """The e-mail template `template` (web/templates/mail) filled with `values`, HTML-escaped."""
    return _templates().get_template(template).render(**values)


def send(mail: Mail, *, smtp_url: str | None, sender: str, timeout_s: float = 10.0) -> None:
    """Deliver `mail`; raises Unavailable with the SMTP server's reason when it cannot be sent."""
    if not smtp_url:
        raise Unavailable("mail.not_configured", "E-mail is not configured: set BADGES_SMTP_URL.")
    try:
        message = _message(mail, sender)
    except (ValueError, TypeError) as e:  # a header the e-mail library refuses: kept in the outbox, never a 500
        metrics.count_failed_mail("invalid")
        raise Unavailable("mail.invalid", f"The mail to {mail.to} could not be written: {e}") from None
    parts = urlsplit(smtp_url)
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname or "localhost", parts.port or 465,
                                                    timeout=timeout_s, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(parts.hostname or "localhost", parts.port or 25, timeout=timeout_s)
        with client:
            if parts.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as e:
        metrics.count_failed_mail("send_failed")
        raise Unavailable("mail.send_failed", f"The mail to {mail.to} was not sent: {e}") from None


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    # names typed before control characters were refused may still hold a line break: headers are one line
    message["From"], message["To"], message["Subject"] = sender, mail.to, text.one_line(mail.subject)
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
        *_, html_part = message.iter_parts()
        for a in (a for a in mail.attachments if a.inline_id):
            maintype, subtype = a.mimetype.split("/", 1)
            html_part.add_related(a.content, maintype=maintype, subtype=subtype, cid=f"<{a.inline_id}>",
                                  filename=a.filename)
    for a in (a for a in mail.attachments if not a.inline_id):
        maintype, subtype = a.mimetype.split("/", 1)
        message.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return message

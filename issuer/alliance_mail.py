"""The e-mails to an organisation that applied to join: approved (with its first owner's invitation link) or
declined (with the operator's reason), in Korean then English as the invitation e-mail is."""
from __future__ import annotations

from html import escape

from issuer.messages import MESSAGES
from store.membership import Application
from web.mail import Mail


def approved(application: Application, *, link: str) -> Mail:
    """The approval, carrying the single-use invitation `link` to become the new organisation's owner."""
    return _mail(application, "approved", link=link)


def declined(application: Application) -> Mail:
    """The refusal, with the reason the operator gave."""
    return _mail(application, "declined", link=None)


def _mail(application: Application, outcome: str, *, link: str | None) -> Mail:
    parts = {lang: [_text(f"alliance.mail_{outcome}_{n}", lang, application) for n in (1, 2)] for lang in ("ko", "en")}
    subject = " / ".join(_text(f"alliance.mail_{outcome}_subject", lang, application) for lang in ("ko", "en"))
    text = "\n\n-----\n\n".join(
        "\n\n".join([*lines, link] if link else lines) for lines in parts.values())
    html = "<hr>".join(
        f'<div lang="{lang}">' + "".join(f"<p>{escape(line)}</p>" for line in lines)
        + (f'<p><a href="{escape(link)}">{escape(link)}</a></p>' if link else "") + "</div>"
        for lang, lines in parts.items())
    return Mail(to=application.contact_email, subject=subject, text=text,
                html=f"<!doctype html><html><body>{html}</body></html>")


def _text(key: str, lang: str, application: Application) -> str:
    return MESSAGES[key][lang].format(name=application.name_ko if lang == "ko" else application.name_en,
                                      contact=application.contact_name, reason=application.reason or "")

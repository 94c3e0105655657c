"""The invitation e-mail, in Korean then English (one message: the sender cannot know the reader's language)."""
from __future__ import annotations

from html import escape

from issuer.messages import MESSAGES
from store.console import Invitation, Role
from store.models import Org
from web.i18n import local_time
from web.mail import Mail


def compose(invitation: Invitation, *, org: Org, link: str) -> Mail:
    """The e-mail that carries an invitation's single-use `link`."""
    role = Role(invitation.role)
    parts = {lang: {key: _text(f"people.mail_{key}", lang, org=org.name_ko if lang == "ko" else org.name_en,
                               role=_text(f"role.{role}", lang),
                               expires=local_time(invitation.expires_at, "minutes", lang))
                    for key in ("greeting", "invited", "open_link", "button", "ignore")}
             for lang in ("ko", "en")}
    subject = f"{_text('people.mail_subject', 'ko', org=org.name_ko)} / " \
              f"{_text('people.mail_subject', 'en', org=org.name_en)}"
    text = "\n\n-----\n\n".join(
        f"{p['greeting']}\n\n{p['invited']}\n{p['open_link']}\n\n{link}\n\n{p['ignore']}" for p in parts.values())
    html = "<hr>".join(
        f'<div lang="{lang}"><p>{escape(p["greeting"])}</p><p>{escape(p["invited"])}<br>{escape(p["open_link"])}</p>'
        f'<p><a href="{escape(link)}">{escape(p["button"])}</a></p><p><small>{escape(link)}</small></p>'
        f'<p><small>{escape(p["ignore"])}</small></p></div>' for lang, p in parts.items())
    return Mail(to=invitation.email, subject=subject, text=text, html=f"<!doctype html><html><body>{html}</body></html>")


def _text(key: str, lang: str, **values: str) -> str:
    return MESSAGES[key][lang].format(**values)

"""Korean and English text for pages: the locale of a request and the message catalogue.

The text itself lives in gettext catalogues, one per package and language (web.translations reads them; README
"Translations" says how to edit them): translate() gives a message, translate_plural() one that shows a count.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from flask import Response, flash, has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from badges.clock import in_korea, korea_date
from badges.results import ResultLine
from web import messages
from web.translations import LOCALES, Compiled, PackageMessages, compile_catalogues

# lang -> every installed package's messages; the shared pages' own until the composition root installs the whole
# catalogue (bootstrap.catalogue): the features' messages live in the features, which this module sits below.
_compiled: Compiled | None = None
_installed: tuple[PackageMessages, ...] = ()


def install(packages: Iterable[PackageMessages]) -> None:
    """Make the messages of `packages` (every feature's) the ones translate() reads: their .po files are read and
    compiled here, once (again only when other packages are installed), so no call reads a file."""
    global _compiled, _installed
    packages = tuple(packages)
    if _compiled is None or packages != _installed:
        _compiled, _installed = compile_catalogues(packages), packages


def _catalogue() -> Compiled:
    if _compiled is None:
        install((messages.MESSAGES,))
    assert _compiled is not None
    return _compiled


_LOCALE = "badges.locale"  # WSGI environ key of locale(): one request's, whatever app context it runs in


def locale() -> str:
    """?lang= first, then the `lang` cookie, then the browser's Accept-Language; Korean by default. Decided once
    a request (a page asks for it at every message it shows)."""
    chosen: str | None = request.environ.get(_LOCALE)
    if chosen is None:
        chosen = request.environ[_LOCALE] = _chosen_locale()
    return chosen


def _chosen_locale() -> str:
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LOCALES:
        return asked
    return _best_language(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=512)
def _best_language(accept_language: str) -> str:
    """The locale an Accept-Language header prefers, Korean by default: parsed once per distinct header (phones
    send a handful; parsing one is ~20 us of every QR scan)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(LOCALES, default="ko") or "ko"


def translate(key: str, lang: str | None = None, **values: object) -> str:
    """The message for `key` in the request's locale (English, then the key itself, as fallbacks), its str.format
    placeholders filled from `values` (the Jinja global `t`)."""
    texts = (_compiled or _catalogue()).texts
    text = (texts.get(lang or locale()) or texts["en"]).get(key, key)
    return text.format(**values) if values else text


def translate_plural(key: str, n: int, lang: str | None = None, **values: object) -> str:
    """The form of the message `key` that fits the count `n` ("1 badge", "2 badges"; Korean has one form), with
    `n` and `values` filled in (the Jinja global `tn`); fallbacks as translate()'s."""
    plurals = (_compiled or _catalogue()).plurals
    table = plurals.get(lang or locale()) or plurals["en"]
    return table.ngettext(key, key, n).format(**{"n": n, **values})


def request_messages() -> dict[str, object]:
    """The templates' `t` and `tn` with the request's locale decided once (a context processor: a verification
    page shows ~55 messages, and asking each time for the locale of the request cost ~7% of its rendering).
    Macros imported without context use the globals, which ask each time: the same text."""
    if not has_request_context():
        return {}
    chosen = locale()

    def t(key: str, lang: str | None = None, **values: object) -> str:
        return translate(key, lang or chosen, **values)

    def tn(key: str, n: int, lang: str | None = None, **values: object) -> str:
        return translate_plural(key, n, lang or chosen, **values)

    return {"t": t, "tn": tn}


def remember_choice(response: Response) -> Response:
    """A language picked with ?lang= sticks for later pages (a cookie for a year)."""
    asked = request.args.get("lang")
    if asked in LOCALES and request.cookies.get("lang") != asked:
        response.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def tell(key: str, category: str = "ok", **values: object) -> None:
    """Show the catalogue's message `key` on the next page, in the reader's language; `category` is "ok" or
    "error" (every page's flashed messages come through here)."""
    flash(translate(key, None, **values), category)


def tell_plural(key: str, n: int, category: str = "ok", **values: object) -> None:
    """tell() for a message that shows the count `n` (translate_plural)."""
    flash(translate_plural(key, n, None, **values), category)


TIME_FORMATS = {"minutes": "%Y-%m-%d %H:%M", "seconds": "%Y-%m-%d %H:%M:%S"}


def local_time(value: datetime | date | str | None, fmt: str = "date", lang: str | None = None) -> str:
    """`value` (UTC) as people in Korea read it: fmt "date" gives 2026-12-03, "minutes" or "seconds" add the time
    of day and "KST" / "(한국 시간)"; "" when `value` is empty or unreadable (the Jinja filter `local_time`)."""
    if fmt == "date":
        day = korea_date(value)
        return day.isoformat() if day else ""
    moment = in_korea(value) if not isinstance(value, date) or isinstance(value, datetime) else None
    if moment is None:
        return ""
    return f"{moment.strftime(TIME_FORMATS[fmt])} {translate('time.korea', lang)}"


def result_text(line: ResultLine, lang: str | None = None) -> str:
    """An assessment's result as pages and PDFs word it: "720 (range 0–1000)", "Level 4 (level 4 of 5)"."""
    parts = []
    if line.value:
        parts.append(translate("result.score", lang, value=line.value, min=line.value_min, max=line.value_max)
                     if line.value_max else line.value)
    if line.level:
        parts.append(translate("result.level_of", lang, level=line.level, position=line.position, levels=line.levels)
                     if line.position else line.level)
    return " · ".join(parts)

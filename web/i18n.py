"""Korean and English text for pages: the locale of a request and the message catalogue."""
from __future__ import annotations

from datetime import date, datetime

from flask import Response, flash, request

from badges.clock import in_korea, korea_date
from badges.results import ResultLine
from web import messages

LOCALES = ("ko", "en")
# The shared pages' messages until the composition root installs the whole catalogue (bootstrap.catalogue): the
# features' messages live in the features, which this module sits below.
_catalogue: dict[str, dict[str, str]] = dict(messages.MESSAGES)


def install(catalogue: dict[str, dict[str, str]]) -> None:
    """Make `catalogue` (every feature's messages) the one translate() reads."""
    global _catalogue
    _catalogue = catalogue


def locale() -> str:
    """?lang= first, then the `lang` cookie, then the browser's Accept-Language; Korean by default."""
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LOCALES:
        return asked
    return request.accept_languages.best_match(LOCALES, default="ko") or "ko"


def translate(key: str, lang: str | None = None, **values: object) -> str:
    """The message for `key` in the request's locale (English, then the key itself, as fallbacks)."""
    entry = _catalogue.get(key)
    if entry is None:
        return key
    text = entry.get(lang or locale()) or entry["en"]
    return text.format(**values) if values else text


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

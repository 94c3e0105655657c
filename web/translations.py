"""The Korean and English text of a package: gettext catalogues a translator edits, read with Babel.

Every package that shows text keeps it in `<package>/locale/<lang>/LC_MESSAGES/messages.po`, one file per language.
The message ids are the keys code uses ("cohort.confirm"); both Korean and English are translations of the key, so
neither is a "source" a change to the other silently leaves stale. Texts use str.format placeholders (`{n}`,
`{name}`); a message that shows a count has plural forms (`msgid_plural`, Plural-Forms: Korean 1, English 2).
The .po files ship in the wheel and are read once, at start, with `babel.messages.pofile`, then compiled in memory:
a plain dict per language for translate() (as fast as the Python dicts they replace) and, for plural messages, the
standard library's `gettext.GNUTranslations` (plural rule from the file's own header). Korean falls back to English,
English to the key itself; nothing is compiled at install time and nothing is read per call.

Why Babel and not Flask-Babel: Flask-Babel formats with `%(name)s` where every text here uses `{name}`, reads the
locale from the request only (mail, PDFs and background jobs ask for a language explicitly) and has no fallback to
another language; web.i18n keeps the project's own choice of locale (?lang=, cookie, Accept-Language, Korean).
"""
from __future__ import annotations

import gettext
import io
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("ko", "en")
DOMAIN = "messages"


def po_file(package: str, lang: str) -> Traversable:
    """Where `package` keeps its `lang` text (inside the installed package, so it ships in the wheel)."""
    return resources.files(package) / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(package: str, lang: str) -> Catalog:
    """`package`'s catalogue in `lang` (an empty one when the package has none yet); a malformed file raises."""
    path = po_file(package, lang)
    if not path.is_file():
        return Catalog(locale=lang, domain=DOMAIN, fuzzy=False)
    with path.open("rb") as fp:
        return read_po(fp, locale=lang, domain=DOMAIN, abort_invalid=True)


def texts(message: Message) -> tuple[str, ...]:
    """The message's text in each plural form (one for a message without plural forms)."""
    string_ = message.string
    return tuple(string_) if isinstance(string_, (list, tuple)) else (string_ or "",)


def placeholders(text: str) -> set[str]:
    """The names of the str.format fields in `text` ({n}, {name}, {row[0]} gives "row"); ValueError if malformed."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return names


@dataclass(frozen=True, slots=True)
class Compiled:
    """Every installed package's messages, ready for translate(): no file is read after this is built."""

    texts: dict[str, dict[str, str]]  # lang -> key -> text (English where the language lacks one; singular form)
    plurals: dict[str, gettext.GNUTranslations]  # lang -> every message, forms chosen by the file's Plural-Forms


def compile_catalogues(packages: Iterable[PackageMessages]) -> Compiled:
    """The messages of `packages` in every language (a key in two packages: the later wins, which
    tests/test_messages.py forbids); Korean falls back to English, English to the key itself."""
    packages = tuple(packages)
    entries = {key: entry for package in packages for key, entry in package.items()}
    texts = {lang: {key: entry.get(lang) or entry["en"] for key, entry in entries.items() if entry.get(lang)
                    or entry.get("en")} for lang in LOCALES}
    plurals = {}
    for lang in LOCALES:
        merged = Catalog(locale=lang, domain=DOMAIN, fuzzy=False)
        if packages:  # the plural rule of the files themselves (the check test holds them to Babel's for `lang`)
            merged.mime_headers = packages[0].catalogues[lang].mime_headers
        for package in packages:
            for message in package.catalogues[lang]:
                if message.id:
                    merged[message.id] = message
        compiled = io.BytesIO()
        write_mo(compiled, merged)  # fuzzy and empty translations are left out: they fall back
        compiled.seek(0)
        plurals[lang] = gettext.GNUTranslations(compiled)
    for lang, table in plurals.items():
        if lang != "en":
            table.add_fallback(plurals["en"])
    return Compiled(texts, plurals)


class PackageMessages(Mapping[str, Mapping[str, str]]):
    """One package's messages (what its messages.py calls MESSAGES), read from its .po files on first use.

    As a mapping, key -> {lang: text}, with the singular form of a plural message; `forms()` gives every form."""

    def __init__(self, package: str) -> None:
        self.package = package

    def __repr__(self) -> str:
        return f"PackageMessages({self.package!r})"

    @cached_property
    def catalogues(self) -> dict[str, Catalog]:
        """lang -> the Babel catalogue read from the package's .po file."""
        return {lang: read(self.package, lang) for lang in LOCALES}

    @cached_property
    def _entries(self) -> dict[str, dict[str, str]]:
        entries: dict[str, dict[str, str]] = {}
        for lang, catalogue in self.catalogues.items():
            for message in catalogue:
                if message.id and texts(message)[0] and not message.fuzzy:
                    entries.setdefault(self.key(message), {})[lang] = texts(message)[0]
        return entries

    @staticmethod
    def key(message: Message) -> str:
        """The key of a message read from a .po file (a plural message's id is (key, key))."""
        return message.id[0] if isinstance(message.id, (list, tuple)) else message.id

    def forms(self, key: str, lang: str) -> tuple[str, ...]:
        """Every plural form of `key` in `lang` (one for a message without plural forms; () when missing)."""
        message = self.catalogues[lang].get(key)
        return texts(message) if message is not None and not message.fuzzy else ()

    def text(self, key: str, lang: str, **values: object) -> str:
        """The message in `lang` (else English, else the key) with `values` filled in; for callers outside a
        request that read one package's messages (mail, PDF)."""
        entry = self._entries.get(key, {})
        text = entry.get(lang) or entry.get("en") or key
        return text.format(**values) if values else text

    def __getitem__(self, key: str) -> Mapping[str, str]:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

"""The ko/en catalogue (each package's .po files, README "Translations"): every entry in both languages with the
same placeholders, plural forms by each language's rule, nothing fuzzy, no key defined by two packages, a text for
every error code the code raises and every key it names; and translate()'s fallbacks."""
from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural

from bootstrap.catalogue import CATALOGUES
from web import i18n
from web.translations import LOCALES, PackageMessages, placeholders, texts

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("badges", "keys", "schemas", "store", "web", "issuer", "verifier", "wallet", "bootstrap")
PACKAGES = {catalogue.package: catalogue for catalogue in CATALOGUES}


def messages(catalogue: PackageMessages, lang: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(key, every form) of each message of `catalogue` in `lang`."""
    for message in catalogue.catalogues[lang]:
        if message.id:
            yield catalogue.key(message), texts(message)


def test_every_package_with_text_is_installed_and_reads_po_files() -> None:
    """A messages.py that still holds a dict (a branch merged from before the .po files) must go through
    tools/messages_to_po.py first."""
    with_messages = sorted(path.parent.name for path in ROOT.glob("*/messages.py"))
    assert sorted(PACKAGES) == with_messages
    for package in with_messages:
        module = __import__(f"{package}.messages", fromlist=["MESSAGES"])
        assert isinstance(module.MESSAGES, PackageMessages), f"run tools/messages_to_po.py {package}"
        assert all((ROOT / package / "locale" / lang / "LC_MESSAGES" / "messages.po").is_file() for lang in LOCALES)


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_message_exists_in_korean_and_english(package: str) -> None:
    catalogue = PACKAGES[package]
    keys = {lang: {key for key, _ in messages(catalogue, lang)} for lang in LOCALES}
    assert keys["ko"] - keys["en"] == set(), "in Korean only"
    assert keys["en"] - keys["ko"] == set(), "in English only"
    empty = [(lang, key) for lang in LOCALES for key, forms in messages(catalogue, lang) if not all(forms)]
    assert empty == []


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_both_languages_use_the_same_placeholders(package: str) -> None:
    """Every form in either language names exactly the same {fields}, so no value is lost or missing (a
    malformed brace would make str.format fail on the page)."""
    catalogue = PACKAGES[package]
    found: dict[str, dict[str, set[str]]] = {}
    for lang in LOCALES:
        for key, forms in messages(catalogue, lang):
            for form in forms:
                found.setdefault(key, {}).setdefault(f"{lang}:{form}", placeholders(form))
    different = {key: by_text for key, by_text in found.items() if len({frozenset(s) for s in by_text.values()}) > 1}
    assert different == {}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_plural_forms_follow_each_languages_rule(package: str) -> None:
    """Korean has one form, English two (singular for 1); a message has plural forms in both languages or in
    neither; Babel's own checks (number of forms) find nothing."""
    catalogue = PACKAGES[package]
    for lang in LOCALES:
        assert catalogue.catalogues[lang].plural_forms == get_plural(lang).plural_forms
        assert [(message.id, errors) for message, errors in catalogue.catalogues[lang].check()] == []
    plural = {lang: {catalogue.key(m) for m in catalogue.catalogues[lang] if m.id and m.pluralizable}
              for lang in LOCALES}
    assert plural["ko"] == plural["en"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_nothing_is_fuzzy_or_obsolete(package: str) -> None:
    """A fuzzy entry is not shown (the other language is); an obsolete one (#~) is dead text."""
    for lang in LOCALES:
        catalogue = PACKAGES[package].catalogues[lang]
        assert not catalogue.fuzzy
        assert [message.id for message in catalogue if message.fuzzy] == []
        assert list(catalogue.obsolete) == []


def test_no_message_key_is_defined_twice() -> None:
    counts = Counter(key for catalogue in CATALOGUES for key in catalogue)
    assert [key for key, n in counts.items() if n > 1] == []


@cache
def python_files() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of the project's packages, parsed."""
    return tuple((path, ast.parse(path.read_text(), str(path)))
                 for package in SOURCES for path in sorted((ROOT / package).rglob("*.py")))


# t('key', ...) / tn('key', n, ...) in templates; the key must be a whole literal ('dashboard.series_' ~ name is not)
TEMPLATE_CALL = re.compile(r"""\b(tn?)\(\s*(['"])([\w.\-]+)\2\s*[,)]""")
SINGULAR_CALLS = {"translate", "tell", "t"}
PLURAL_CALLS = {"translate_plural", "tell_plural", "tn"}


def named_keys() -> Iterator[tuple[str, bool, str]]:
    """(key, named as plural, where) for every message key written out in a call to the translate functions."""
    for path, tree in python_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                first = node.args[0]
                if name in SINGULAR_CALLS | PLURAL_CALLS and isinstance(first, ast.Constant) \
                        and isinstance(first.value, str):
                    yield first.value, name in PLURAL_CALLS, f"{path.relative_to(ROOT)}:{node.lineno}"
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.html")):
            for match in TEMPLATE_CALL.finditer(path.read_text()):
                yield match[3], match[1] == "tn", str(path.relative_to(ROOT))


def test_every_key_the_code_names_exists_with_the_right_kind() -> None:
    """A key spelt wrong shows the key itself on the page; a message with plural forms must be asked for with a
    count (translate_plural / tn) and one without through translate / t."""
    plural = {catalogue.key(m) for catalogue in CATALOGUES for m in catalogue.catalogues["en"] if m.pluralizable}
    known = {key for catalogue in CATALOGUES for key in catalogue} | plural
    seen = list(named_keys())
    assert len(seen) > 500
    assert [(key, where) for key, _, where in seen if key not in known] == []
    assert [(key, where) for key, as_plural, where in seen if key in known and as_plural != (key in plural)] == []


@pytest.fixture
def catalogue_with_gaps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A package whose Korean file lacks one message, installed beside the real ones for one test."""
    package = tmp_path / "gappy"
    for lang, body in (("ko", 'msgid "gappy.both"\nmsgstr "둘 다"\n'),
                       ("en", 'msgid "gappy.both"\nmsgstr "Both"\n\nmsgid "gappy.english_only"\nmsgstr "Only {x}"\n')):
        folder = package / "locale" / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        header = f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Plural-Forms: {get_plural(lang).plural_forms}\\n"\n\n'
        (folder / "messages.po").write_text(header + body)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    i18n.install((*CATALOGUES, PackageMessages("gappy")))
    yield
    i18n.install(CATALOGUES)


def test_translate_falls_back_to_english_then_to_the_key(catalogue_with_gaps: None) -> None:
    assert i18n.translate("gappy.both", "ko") == "둘 다"
    assert i18n.translate("gappy.english_only", "ko", x="영어") == "Only 영어"
    assert i18n.translate("gappy.nowhere", "ko", x=1) == "gappy.nowhere"
    assert i18n.translate("gappy.both", "fr") == "Both"
    assert i18n.translate_plural("gappy.nowhere", 3, "en") == "gappy.nowhere"


def test_plural_messages_take_the_form_of_the_count() -> None:
    i18n.install(CATALOGUES)
    assert i18n.translate_plural("cohort.confirm", 1, "en") == "Issue 1 badge"
    assert i18n.translate_plural("cohort.confirm", 2, "en") == "Issue 2 badges"
    assert i18n.translate_plural("cohort.confirm", 0, "en") == "Issue 0 badges"
    assert i18n.translate_plural("cohort.confirm", 1, "ko") == "1명에게 발급하기"
    assert i18n.translate_plural("cohort.confirm", 2, "ko") == "2명에게 발급하기"
    assert i18n.translate_plural("wallet.hidden.summary", 1, "en") == "1 hidden badge"
    assert i18n.translate_plural("wallet.hidden.summary", 3, "ko") == "숨긴 배지 3개"

"""Move a package's Python message dict into its gettext catalogues, and leave messages.py a thin loader.

Run `python tools/messages_to_po.py [PACKAGE ...] [--update]` from the project root (every package with a
messages.py when none is named). For each package whose messages.py still defines the old literal

    MESSAGES = {"key": {"ko": "...", "en": "..."}, ...}     (a list of forms, e.g. ["{n} badge", "{n} badges"],
                                                           makes a message with plural forms)

it merges the entries into `<package>/locale/{ko,en}/LC_MESSAGES/messages.po`: keys the .po files lack are added,
with the dict's `# section` comment as a comment for translators; no entry of a .po file is ever dropped; where the
dict and a .po file disagree on an existing key the .po file's text is kept and the key is listed (run again with
--update to take the dict's text instead). Entries are written sorted by key. Then messages.py is rewritten to the
thin loader (web.translations.PackageMessages). Running it again changes nothing.

It is for merging branches written before the catalogues moved to .po files: take the branch's messages.py with
its dict, run this, commit. New text goes straight into the .po files (README "Translations").
"""
from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("ko", "en")  # as web.translations.LOCALES; not imported so that the tool runs on a half-merged tree
LANGUAGES = {"ko": "Korean", "en": "English"}
HEADER = """\
# {language} text of the {package} package. Message ids are the keys the
# code uses: edit the msgstr lines only. README "Translations" says how to
# add a key and how to check these files.
#"""
THIN = '''\
"""The {package} package's Korean and English text: {package}/locale/{{ko,en}}/LC_MESSAGES/messages.po, read on first
use (README "Translations" says how to edit them)."""
from __future__ import annotations

from web.translations import PackageMessages

MESSAGES = PackageMessages("{package}")
'''


@dataclass(frozen=True)
class Entry:
    key: str
    texts: dict[str, tuple[str, ...]]  # lang -> one text, or every plural form
    section: str | None
    plural: bool  # a list of forms in any language


def dict_entries(source: str) -> list[Entry] | None:
    """The entries of the MESSAGES dict literal in a messages.py source, each with the `# comment` line above it
    (None when the module holds no such literal, e.g. it is already the thin loader)."""
    tree = ast.parse(source)
    literal = next((node.value for node in tree.body
                    if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict)
                    and any(isinstance(t, ast.Name) and t.id == "MESSAGES"
                            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))), None)
    if literal is None:
        return None
    comments = {token.start[0]: token.string.lstrip("#").strip()
                for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT and token.line.strip().startswith("#")}
    entries = []
    for key_node, value_node in zip(literal.keys, literal.values, strict=True):
        if key_node is None:
            raise SystemExit(f"line {value_node.lineno}: ** in MESSAGES cannot be converted")
        key, value = ast.literal_eval(key_node), ast.literal_eval(value_node)
        above = [line for line in comments if line < key_node.lineno]
        section = comments[max(above)] if above and max(above) > literal.lineno else None
        texts = {lang: (text,) if isinstance(text, str) else tuple(text) for lang, text in value.items()}
        entries.append(Entry(key, texts, section, plural=not all(isinstance(text, str) for text in value.values())))
    return entries


def key_of(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def texts_of(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def po_path(package: str, lang: str) -> Path:
    return ROOT / package / "locale" / lang / "LC_MESSAGES" / "messages.po"


def read(package: str, lang: str) -> Catalog:
    path = po_path(package, lang)
    if path.is_file():
        with path.open("rb") as fp:
            return read_po(fp, locale=lang, domain="messages", abort_invalid=True)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    catalogue = Catalog(locale=lang, domain="messages", project="badges", version=version, fuzzy=False,
                        header_comment=HEADER.format(language=LANGUAGES[lang], package=package),
                        language_team=LANGUAGES[lang])
    catalogue.revision_date = catalogue.creation_date
    return catalogue


def serialised(catalogue: Catalog) -> bytes:
    """The catalogue as a .po file, its messages sorted by key."""
    out = Catalog(locale=catalogue.locale, domain=catalogue.domain, fuzzy=catalogue.fuzzy,
                  header_comment=catalogue.header_comment)
    out.mime_headers = catalogue.mime_headers
    for message in sorted((m for m in catalogue if m.id), key=key_of):
        out[message.id] = message
    buffer = io.BytesIO()
    write_po(buffer, out, include_lineno=False)
    return buffer.getvalue()


def merge(package: str, entries: list[Entry], update: bool) -> list[str]:
    """Merge `entries` into the package's .po files; returns what the reader should know (kept or updated keys)."""
    notes = []
    for lang in LOCALES:
        catalogue = read(package, lang)
        for entry in entries:
            texts = entry.texts.get(lang, ("",))
            message_id = (entry.key, entry.key) if entry.plural else entry.key
            string = texts if entry.plural else texts[0]
            existing = catalogue.get(entry.key)
            if existing is None:
                catalogue[message_id] = Message(message_id, string,
                                                auto_comments=[entry.section] if entry.section else [])
            elif texts_of(existing) != texts:
                if update:
                    del catalogue[entry.key]  # setting an existing id would only merge its comments
                    catalogue[message_id] = Message(message_id, string, auto_comments=existing.auto_comments,
                                                    user_comments=existing.user_comments)
                    notes.append(f"{package} {lang} {entry.key}: updated from messages.py")
                else:
                    notes.append(f"{package} {lang} {entry.key}: kept the .po text {texts_of(existing)!r}, "
                                 f"messages.py says {texts!r} (--update takes it)")
        path = po_path(package, lang)
        new = serialised(catalogue)
        if not path.is_file() or path.read_bytes() != new:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(new)
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="default: every package with a messages.py")
    parser.add_argument("--update", action="store_true", help="where dict and .po disagree, take the dict's text")
    args = parser.parse_args(argv)
    packages = args.packages or sorted(path.parent.name for path in ROOT.glob("*/messages.py"))
    for package in packages:
        module = ROOT / package / "messages.py"
        entries = dict_entries(module.read_text())
        if entries is None:
            print(f"{package}: messages.py holds no MESSAGES dict; nothing to convert")
            continue
        for note in merge(package, entries, args.update):
            print(note)
        module.write_text(THIN.format(package=package))
        print(f"{package}: {len(entries)} entries merged into {package}/locale/*/LC_MESSAGES/messages.po")
    return 0


if __name__ == "__main__":
    sys.exit(main())

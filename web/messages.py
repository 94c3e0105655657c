"""The web package's Korean and English text: web/locale/{ko,en}/LC_MESSAGES/messages.po, read on first
use (README "Translations" says how to edit them)."""
from __future__ import annotations

from web.translations import PackageMessages

MESSAGES = PackageMessages("web")

"""The verifier package's Korean and English text: verifier/locale/{ko,en}/LC_MESSAGES/messages.po, read on first
use (README "Translations" says how to edit them)."""
from __future__ import annotations

from web.translations import PackageMessages

MESSAGES = PackageMessages("verifier")

"""The ko/en catalogue: every entry in both languages, no key defined by two features."""
from __future__ import annotations

from collections import Counter

from bootstrap.catalogue import CATALOGUES, MESSAGES


def test_every_message_exists_in_korean_and_english() -> None:
    incomplete = [key for key, entry in MESSAGES.items() if not (entry.get("ko") and entry.get("en"))]
    assert incomplete == []


def test_no_message_key_is_defined_twice() -> None:
    counts = Counter(key for catalogue in CATALOGUES for key in catalogue)
    assert [key for key, n in counts.items() if n > 1] == []

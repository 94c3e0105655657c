"""Text that people type into names and descriptions: control characters are refused.

A line break in an organisation's name would break the Subject of every e-mail that names it, and control
characters in issued text are escaped differently by other implementations' canonicalisation (the JavaScript
reference fails to verify them), so names are one line of printable text and prose keeps only tab and line
breaks. The JSON Schemas say the same with LINE_PATTERN and PROSE_PATTERN.
"""
from __future__ import annotations

import re

from badges.errors import InvalidInput

# C0 controls, DEL, C1 controls (NEL among them) and the Unicode line and paragraph separators
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
PROSE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")  # tab, LF and CR allowed


def check_line(value: str, *, path: str) -> str:
    """`value` when it is one line without control characters; InvalidInput("text.control_character") else."""
    return _check(value, CONTROL, path)


def check_prose(value: str, *, path: str) -> str:
    """`value` when its only control characters are tab and line breaks; InvalidInput otherwise."""
    return _check(value, PROSE_CONTROL, path)


def one_line(value: str) -> str:
    """`value` with every control character replaced by a space: for mail headers, which must never fail."""
    return CONTROL.sub(" ", value)


def _check(value: str, pattern: re.Pattern[str], path: str) -> str:
    found = pattern.search(value)
    if found:
        raise InvalidInput("text.control_character", f"{path.lstrip('/') or 'The text'} contains the control "
                           f"character U+{ord(found[0]):04X} at position {found.start() + 1}; remove it (names "
                           "are one line of plain text) and try again.", path=path)
    return value

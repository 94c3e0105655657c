"""JSON text of a value and the value of a JSON text, fast and exact: orjson where it gives what json gives."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# every byte to a space but digits, which become "0": nineteen zeros in a row may be an integer past 64 bits
# (below -2**63 or above 2**64 - 1), which orjson reads as a float and json as an int
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"0" * 19


def to_json(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON; two values give the same text only when they are equal. orjson writes it
    (about ten times faster than json) unless it could blur two values: it writes NaN and infinities as null and
    refuses integers beyond 64 bits, so a text with a null in it, or a refused value, is written by json."""
    try:
        text = orjson.dumps(value)
    except TypeError:
        return _json(value)
    return _json(value) if b"null" in text else text


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def from_json(text: bytes | str, *, parse_constant: Callable[[str], Any] | None = None) -> Any:
    """json.loads(text), the same value or the same error, except that a text holding a lone UTF-16 surrogate
    (such as an escaped \\ud800) is refused with ValueError: it is not Unicode text, so it could be neither signed
    nor stored. orjson reads it (about three times faster than json) unless it could differ: orjson refuses NaN,
    infinities, lone surrogates, a byte order mark and UTF-16, where json decides, and reads integers past 64 bits
    as floats, so a text holding a run of nineteen digits goes to json."""
    data = text if isinstance(text, bytes) else text.encode(errors="surrogatepass")
    if _LONG_NUMBER not in data.translate(_DIGITS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    value = json.loads(text, parse_constant=parse_constant)
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise ValueError("it holds a lone UTF-16 surrogate (such as \\ud800), which is not Unicode text") from None
    return value

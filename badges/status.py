"""Bitstring Status List v1.0 (W3C): the GZIP-compressed, multibase-encoded list and its entries.

Index 0 is the left-most (most significant) bit of the first byte (spec, `encodedList`).
"""
from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping
from typing import Any

from badges.errors import InvalidInput

DEFAULT_LENGTH = 131_072  # bits: the spec's minimum list length, 16 KB uncompressed
MAX_LIST_BYTES = 16 * 1024 * 1024  # decompressed cap when reading someone else's list

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_DECIMAL = re.compile(r"[0-9]{1,18}")  # ASCII digits only; 18 digits is far beyond any real list


def new_list(length: int = DEFAULT_LENGTH) -> bytearray:
    """A list of `length` unset bits; raises ValueError below the spec minimum or off a byte boundary."""
    if length < DEFAULT_LENGTH or length % 8:
        raise ValueError(f"length must be a multiple of 8 and at least {DEFAULT_LENGTH}, not {length}")
    return bytearray(length // 8)


def encode_list(bits: bytes | bytearray) -> str:
    """The encodedList (Bitstring Generation Algorithm): GZIP, then multibase base64url without padding ('u' prefix)."""
    if len(bits) * 8 < DEFAULT_LENGTH:
        raise ValueError(f"a status list must hold at least {DEFAULT_LENGTH} bits, not {len(bits) * 8}")
    # zlib's own GZIP framing (mtime 0, default level) is stable across Python versions, unlike
    # gzip.compress, and matches the spec's example byte for byte
    compressed = zlib.compress(bytes(bits), 6, wbits=31)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str, *, max_bytes: int = MAX_LIST_BYTES) -> bytearray:
    """The bits of an encodedList (Bitstring Expansion Algorithm), at most `max_bytes`; raises InvalidInput."""
    if not isinstance(encoded, str) or not encoded.startswith("u") or not _BASE64URL.fullmatch(encoded, 1):
        raise InvalidInput("status.list_malformed", "encodedList must be multibase base64url: the letter 'u' "
                           "followed by base64url characters without padding.")
    body = encoded[1:]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except binascii.Error:
        raise _malformed("its base64url text has an impossible length") from None
    bits = bytearray()
    while True:  # RFC 1952 allows several members back to back
        inflater = zlib.decompressobj(wbits=31)  # gzip framing only
        try:
            bits += inflater.decompress(data, max_bytes + 1 - len(bits))
        except zlib.error:
            raise _malformed("it is not GZIP data") from None
        if len(bits) > max_bytes:
            raise InvalidInput("status.list_too_large", f"The status list expands to more than {max_bytes} "
                               "bytes, so it was refused.")
        if not inflater.eof:
            raise _malformed("its GZIP data is truncated")
        data = inflater.unused_data
        if not data:
            return bits


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """Whether bit `index` is set; raises InvalidInput when the index is outside the list (RANGE_ERROR)."""
    _check_index(bits, index)
    return bool(bits[index >> 3] >> (7 - (index & 7)) & 1)


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    """Set or clear bit `index` in place; raises InvalidInput when the index is outside the list."""
    _check_index(bits, index)
    mask = 0x80 >> (index & 7)
    if value:
        bits[index >> 3] |= mask
    else:
        bits[index >> 3] &= ~mask & 0xFF


def status_entry(*, list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A `BitstringStatusListEntry` for a credential's `credentialStatus` (spec, BitstringStatusListEntry)."""
    if index < 0:
        raise ValueError(f"index must not be negative, not {index}")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_subject(*, list_url: str, purpose: str, bits: bytes | bytearray) -> dict[str, Any]:
    """The `credentialSubject` of a `BitstringStatusListCredential` (spec, BitstringStatusListCredential)."""
    return {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_list(bits),
    }


def index_from_entry(entry: Mapping[str, Any]) -> int:
    """The entry's `statusListIndex` as an int; raises InvalidInput unless it is a base-10 string."""
    value = entry.get("statusListIndex") if isinstance(entry, Mapping) else None
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise InvalidInput("status.index_malformed", "statusListIndex must be a non-negative integer written as "
                           f'a base-10 string, such as "94567"; got {value!r:.40}.', path="/statusListIndex")
    return int(value)


def _check_index(bits: bytes | bytearray, index: int) -> None:
    """Return if `index` addresses a bit of `bits`; raises InvalidInput otherwise."""
    if not 0 <= index < len(bits) * 8:
        raise InvalidInput("status.index_out_of_range", f"Status index {index} is outside the status list, "
                           f"which holds {len(bits) * 8} entries.")


def _malformed(reason: str) -> InvalidInput:
    return InvalidInput("status.list_malformed", f"The status list's encodedList cannot be decoded: {reason}.")

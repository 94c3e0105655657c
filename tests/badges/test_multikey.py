"""Multibase base58btc as the base58 package (the reference) writes and reads it; Multikey keys round-trip."""
from __future__ import annotations

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from badges import multikey
from badges.errors import InvalidInput


@settings(max_examples=500, derandomize=True)
@given(st.binary(max_size=80) | st.binary(max_size=8).map(lambda b: b"\0" * 3 + b))
def test_base58btc_is_the_base58_package_s_both_ways(data: bytes) -> None:
    text = multikey.encode_base58btc(data)
    assert text == "z" + base58.b58encode(data).decode()
    assert multikey.decode_base58btc(text) == data == base58.b58decode(text[1:])


@pytest.mark.parametrize("value", ["z0OIl", "zabc+", "zé", "mAAAA", "", 17, "z2 2", "z22\n", "z-2", "z0", "zl"])
def test_anything_but_base58btc_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        multikey.decode_base58btc(value)  # type: ignore[arg-type]


def test_a_key_reads_back_from_its_multikey() -> None:
    key = Ed25519PrivateKey.generate()
    assert multikey.public_key(multikey.public_multikey(key.public_key())) == key.public_key()

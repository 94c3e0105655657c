"""Key custody: Ed25519 signing keys sealed at rest with AES-256-GCM under a key-encryption key (KEK).

A sealed key is `b"k1" + kek_id(8) + nonce(12) + ciphertext`; `kek_id` names the KEK that sealed it,
so a key sealed under another KEK is reported as such instead of failing as garbage.
"""
from __future__ import annotations

import hashlib
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from badges.errors import InvalidInput, Unavailable
from badges.proofs import Ed25519Signer

VERSION = b"k1"
KEK_BYTES = 32
SOFTWARE = "software"  # key custody: sealed under the KEK here (this module)
PKCS11 = "pkcs11"  # key custody: made and kept in a PKCS#11 token (keys.hsm)
CUSTODIES = (SOFTWARE, PKCS11)


def new_kek() -> bytes:
    """A fresh random 256-bit key-encryption key."""
    return secrets.token_bytes(KEK_BYTES)


def kek_id(kek: bytes) -> bytes:
    """A short public fingerprint of a KEK."""
    return hashlib.sha256(b"badges-kek-id" + kek).digest()[:8]


def check_kek(kek: bytes) -> bytes:
    """The KEK if it is 32 bytes; InvalidInput otherwise."""
    if len(kek) != KEK_BYTES:
        raise InvalidInput("keys.kek_size", f"The key-encryption key must be {KEK_BYTES} bytes, "
                           f"not {len(kek)}.")
    return kek


def generate() -> Ed25519PrivateKey:
    """A new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def seal(key: Ed25519PrivateKey, kek: bytes, *, aad: bytes) -> bytes:
    """The private key encrypted under `kek`, bound to `aad` (e.g. the key's id)."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    nonce = os.urandom(12)
    return VERSION + kek_id(kek) + nonce + AESGCM(check_kek(kek)).encrypt(nonce, seed, aad)


def unseal(sealed: bytes, kek: bytes, *, aad: bytes) -> Ed25519PrivateKey:
    """The private key in `sealed`; Unavailable if another KEK sealed it or it was tampered with."""
    if sealed[:2] != VERSION or sealed[2:10] != kek_id(kek):
        raise Unavailable("keys.wrong_kek", "This signing key was sealed with a different key-encryption "
                          "key; set BADGES_KEY_ENCRYPTION_KEY to the one it was created with.")
    try:
        seed = AESGCM(kek).decrypt(sealed[10:22], sealed[22:], aad)
    except InvalidTag:
        raise Unavailable("keys.tampered", "The sealed signing key does not decrypt: it was altered "
                          "or belongs to another record.") from None
    return Ed25519PrivateKey.from_private_bytes(seed)


def signer(sealed: bytes, kek: bytes, *, aad: bytes, verification_method: str) -> Ed25519Signer:
    """A Signer for one sealed key, unsealed for as long as the signer lives."""
    return Ed25519Signer(unseal(sealed, kek, aad=aad), verification_method)

"""Key custody: Ed25519 signing keys sealed at rest with AES-256-GCM under a key-encryption key (KEK).

A sealed key is `b"k1" + kek_id(8) + nonce(12) + ciphertext`; `kek_id` names the KEK that sealed it,
so a key sealed under another KEK is reported as such instead of failing as garbage, and a deployment that is
rotating its KEK can open keys sealed under the current KEK or an old one (`old`) and tell which is which
(`sealed_with`, `reseal`).
"""
from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence

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
    return seal_bytes(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), kek, aad=aad)


def unseal(sealed: bytes, kek: bytes, *, aad: bytes, old: Sequence[bytes] = ()) -> Ed25519PrivateKey:
    """The private key in `sealed`, opened with `kek` or whichever of the `old` KEKs sealed it; Unavailable if
    none of them sealed it or it was tampered with."""
    return Ed25519PrivateKey.from_private_bytes(unseal_bytes(sealed, kek, aad=aad, old=old))


def seal_bytes(secret: bytes, kek: bytes, *, aad: bytes) -> bytes:
    """Any short secret (a key seed, an instance key) encrypted under `kek`, bound to `aad`."""
    nonce = os.urandom(12)
    return VERSION + kek_id(kek) + nonce + AESGCM(check_kek(kek)).encrypt(nonce, secret, aad)


def unseal_bytes(sealed: bytes, kek: bytes, *, aad: bytes, old: Sequence[bytes] = ()) -> bytes:
    """The secret in `sealed` (see unseal)."""
    opener = next((k for k in (kek, *old) if sealed_with(sealed, k)), None)
    if opener is None:
        raise Unavailable("keys.wrong_kek", "This signing key was sealed with a different key-encryption "
                          "key; set BADGES_KEY_ENCRYPTION_KEY to the one it was created with (or, while "
                          "rotating, list that one in BADGES_OLD_KEY_ENCRYPTION_KEYS).")
    try:
        return AESGCM(opener).decrypt(sealed[10:22], sealed[22:], aad)
    except InvalidTag:
        raise Unavailable("keys.tampered", "The sealed signing key does not decrypt: it was altered "
                          "or belongs to another record.") from None


def sealed_with(sealed: bytes, kek: bytes) -> bool:
    """True when `kek` is the key-encryption key that sealed `sealed` (by its fingerprint; nothing decrypted)."""
    return sealed[:2] == VERSION and sealed[2:10] == kek_id(kek)


def reseal(sealed: bytes, kek: bytes, *, aad: bytes, old: Sequence[bytes] = ()) -> bytes:
    """`sealed` sealed anew under `kek` (opened with `kek` or one of the `old` KEKs): KEK rotation."""
    return seal_bytes(unseal_bytes(sealed, kek, aad=aad, old=old), kek, aad=aad)


def signer(sealed: bytes, kek: bytes, *, aad: bytes, verification_method: str,
           old: Sequence[bytes] = ()) -> Ed25519Signer:
    """A Signer for one sealed key, unsealed (with `kek` or one of the `old` KEKs) for as long as the signer lives."""
    return Ed25519Signer(unseal(sealed, kek, aad=aad, old=old), verification_method)

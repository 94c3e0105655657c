"""Ed25519 keys as Multikey strings: multicodec prefix + raw key, multibase base58btc ('z').

Base58 is done by GMP (gmpy2: a number's digits in base 58 and back, in C), its digits 0-9A-Za-v translated to and
from Bitcoin's alphabet: a signature's 88 digits are written in ~8 µs and read in ~6 (Python's big integers took ~14
and ~23, the base58 package's digit-by-digit division twice that). Every proof value is decoded in a verification
and encoded in a signature. tests/badges/test_multikey.py checks both ways against the base58 package."""
from __future__ import annotations

from functools import lru_cache

import gmpy2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges.errors import InvalidInput

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # Bitcoin's alphabet


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' followed by base58 (Bitcoin alphabet; each leading zero byte is a '1')."""
    n = int.from_bytes(data, "big")
    digits = gmpy2.mpz(n).digits(58).translate(_TO_BITCOIN) if n else ""
    return "z" + "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def decode_base58btc(value: object) -> bytes:
    """Bytes of a multibase base58btc string; raises InvalidInput for another base or bad digits."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise InvalidInput("multibase.unsupported", "Expected a multibase base58btc value starting with 'z'.")
    digits = value[1:]
    if not _BITCOIN.issuperset(digits):  # GMP would also take 0, O, I, l and skip white space
        raise InvalidInput("multibase.malformed", "The value is not valid base58btc.")
    significant = digits.lstrip("1")
    n = int(gmpy2.mpz(significant.translate(_TO_GMP), 58)) if significant else 0
    zeros = len(digits) - len(significant)
    return b"\0" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


_GMP = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"  # GMP's digits in base 58
_TO_BITCOIN = str.maketrans(_GMP, BASE58)
_TO_GMP = str.maketrans(BASE58, _GMP)
_BITCOIN = frozenset(BASE58)


def public_multikey(key: Ed25519PublicKey) -> str:
    """`publicKeyMultibase` for an Ed25519 public key (z6Mk...)."""
    return encode_base58btc(ED25519_PUB + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def private_multikey(seed: bytes) -> str:
    """`secretKeyMultibase` for an Ed25519 32-byte seed."""
    return encode_base58btc(ED25519_PRIV + seed)


def public_key(multikey: str) -> Ed25519PublicKey:
    """The Ed25519 public key in a `publicKeyMultibase`; raises InvalidInput for other key types."""
    if not isinstance(multikey, str):
        return _public_key(multikey)  # the error, without hashing an unhashable value
    return _cached_public_key(multikey)


def _public_key(multikey: str) -> Ed25519PublicKey:
    raw = decode_base58btc(multikey)
    if not raw.startswith(ED25519_PUB) or len(raw) != 34:
        raise InvalidInput("multikey.not_ed25519", "The key is not an Ed25519 Multikey public key.")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


_cached_public_key = lru_cache(maxsize=1024)(_public_key)  # issuers' keys recur in every verification


def private_key(multikey: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in a `secretKeyMultibase`; raises InvalidInput for other key types."""
    raw = decode_base58btc(multikey)
    if not raw.startswith(ED25519_PRIV) or len(raw) != 34:
        raise InvalidInput("multikey.not_ed25519", "The key is not an Ed25519 Multikey secret key.")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])

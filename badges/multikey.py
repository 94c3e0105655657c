"""Ed25519 keys as Multikey strings: multicodec prefix + raw key, multibase base58btc ('z').

Base58 is done here with Python's big integers (one conversion each way) rather than through the base58 package,
whose digit-by-digit division costs twice as long; every proof value is decoded in a verification and encoded in
a signature. tests/badges/test_multikey.py checks both against the package."""
from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges.errors import InvalidInput

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # Bitcoin's alphabet
_DIGIT = {c: i for i, c in enumerate(BASE58)}


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' followed by base58 (Bitcoin alphabet; each leading zero byte is a '1'). The number
    is cut into ten-digit chunks (a few big-integer divisions, not one per digit), each written two digits at a
    time."""
    n = int.from_bytes(data, "big")
    pairs: list[str] = []
    while n:
        n, c = divmod(n, _CHUNK)
        c, r0 = divmod(c, 3364)
        c, r1 = divmod(c, 3364)
        c, r2 = divmod(c, 3364)
        c, r3 = divmod(c, 3364)
        pairs += (_PAIRS[r0], _PAIRS[r1], _PAIRS[r2], _PAIRS[r3], _PAIRS[c])
    pairs.reverse()
    return "z" + "1" * (len(data) - len(data.lstrip(b"\0"))) + "".join(pairs).lstrip("1")


_CHUNK = 58**10  # ten digits: five pairs of 58 * 58 = 3364
_PAIRS = [BASE58[i // 58] + BASE58[i % 58] for i in range(58 * 58)]


def decode_base58btc(value: object) -> bytes:
    """Bytes of a multibase base58btc string; raises InvalidInput for another base or bad digits."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise InvalidInput("multibase.unsupported", "Expected a multibase base58btc value starting with 'z'.")
    n = 0
    try:
        for char in value[1:]:
            n = n * 58 + _DIGIT[char]
    except KeyError:
        raise InvalidInput("multibase.malformed", "The value is not valid base58btc.") from None
    zeros = len(value) - 1 - len(value[1:].lstrip("1"))
    return b"\0" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


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

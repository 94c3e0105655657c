"""Signing keys sealed at rest: AES-256-GCM under a key-encryption key, bound to the record it belongs to."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

import keys
from badges.errors import InvalidInput, Unavailable

AAD = b"org:7/signing-key:3"
MESSAGE = "공개 배지 3.0 — a message to sign".encode()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return keys.generate()


@pytest.fixture
def kek() -> bytes:
    return keys.new_kek()


@pytest.fixture
def sealed(key: Ed25519PrivateKey, kek: bytes) -> bytes:
    return keys.seal(key, kek, aad=AAD)


def seed_of(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def test_unsealed_key_signs_what_the_original_public_key_verifies(
        key: Ed25519PrivateKey, kek: bytes, sealed: bytes) -> None:
    unsealed = keys.unseal(sealed, kek, aad=AAD)
    key.public_key().verify(unsealed.sign(MESSAGE), MESSAGE)  # raises InvalidSignature if not the same key


def test_signer_from_a_sealed_key_signs_for_its_verification_method(
        key: Ed25519PrivateKey, kek: bytes, sealed: bytes) -> None:
    method = "did:web:badges.example:orgs:acme#key-3"
    signer = keys.signer(sealed, kek, aad=AAD, verification_method=method)
    assert signer.verification_method == method
    key.public_key().verify(signer.sign(MESSAGE), MESSAGE)


def test_sealed_key_does_not_contain_the_raw_seed(key: Ed25519PrivateKey, sealed: bytes) -> None:
    assert seed_of(key) not in sealed


def test_sealing_the_same_key_twice_gives_different_blobs(key: Ed25519PrivateKey, kek: bytes) -> None:
    assert keys.seal(key, kek, aad=AAD) != keys.seal(key, kek, aad=AAD)


def test_sealed_key_names_its_format_and_kek(kek: bytes, sealed: bytes) -> None:
    assert sealed.startswith(keys.VERSION + keys.kek_id(kek))


def test_unseal_with_another_kek_says_the_kek_is_wrong(sealed: bytes) -> None:
    with pytest.raises(Unavailable) as caught:
        keys.unseal(sealed, keys.new_kek(), aad=AAD)
    assert caught.value.code == "keys.wrong_kek"
    assert caught.value.status == 503
    assert "BADGES_KEY_ENCRYPTION_KEY" in caught.value.detail


# Layout: version (2) + kek id (8) + nonce (12) + ciphertext (32) + GCM tag (16).
TAMPERED_BYTES = {
    "version": (0, "keys.wrong_kek"),
    "kek id": (5, "keys.wrong_kek"),
    "nonce": (12, "keys.tampered"),
    "first ciphertext byte": (22, "keys.tampered"),
    "last ciphertext byte": (53, "keys.tampered"),
    "tag": (-1, "keys.tampered"),
}


@pytest.mark.parametrize(("index", "code"), TAMPERED_BYTES.values(), ids=TAMPERED_BYTES.keys())
def test_unseal_refuses_a_sealed_key_with_one_flipped_bit(kek: bytes, sealed: bytes, index: int,
                                                          code: str) -> None:
    with pytest.raises(Unavailable) as caught:
        keys.unseal(flip(sealed, index), kek, aad=AAD)
    assert caught.value.code == code


def test_unseal_refuses_a_truncated_sealed_key(kek: bytes, sealed: bytes) -> None:
    with pytest.raises(Unavailable) as caught:
        keys.unseal(sealed[:30], kek, aad=AAD)
    assert caught.value.code == "keys.tampered"


def test_unseal_refuses_a_key_moved_to_another_record(kek: bytes, sealed: bytes) -> None:
    with pytest.raises(Unavailable) as caught:
        keys.unseal(sealed, kek, aad=b"org:8/signing-key:3")
    assert caught.value.code == "keys.tampered"


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_seal_refuses_a_kek_that_is_not_256_bits(key: Ed25519PrivateKey, size: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        keys.seal(key, bytes(size), aad=AAD)
    assert caught.value.code == "keys.kek_size"


def test_new_kek_is_256_random_bits() -> None:
    first, second = keys.new_kek(), keys.new_kek()
    assert len(first) == len(second) == 32
    assert first != second


def test_generate_makes_a_new_key_each_time() -> None:
    assert seed_of(keys.generate()) != seed_of(keys.generate())

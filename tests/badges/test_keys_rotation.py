"""Sealing across a KEK rotation: a key opens with the KEK that sealed it among those given, reseal moves it to
the new KEK (the old one then opens nothing), and a fingerprint tells which KEK sealed what."""
from __future__ import annotations

import pytest

import keys
from badges.errors import Unavailable

AAD = b"org:7/signing-key:1"


def test_a_key_opens_with_whichever_given_kek_sealed_it() -> None:
    old, new = keys.new_kek(), keys.new_kek()
    private = keys.generate()
    sealed = keys.seal(private, old, aad=AAD)
    assert keys.sealed_with(sealed, old) and not keys.sealed_with(sealed, new)
    assert keys.unseal(sealed, new, aad=AAD, old=(keys.new_kek(), old)).public_key() == private.public_key()


def test_reseal_moves_a_key_to_the_new_kek_and_the_old_one_opens_nothing() -> None:
    old, new = keys.new_kek(), keys.new_kek()
    private = keys.generate()
    moved = keys.reseal(keys.seal(private, old, aad=AAD), new, aad=AAD, old=(old,))
    assert keys.sealed_with(moved, new)
    assert keys.unseal(moved, new, aad=AAD).public_key() == private.public_key()
    with pytest.raises(Unavailable) as refused:
        keys.unseal(moved, old, aad=AAD)
    assert refused.value.code == "keys.wrong_kek"
    with pytest.raises(Unavailable) as refused:  # nor does a reseal that is not given the KEK that sealed it
        keys.reseal(moved, keys.new_kek(), aad=AAD, old=(old,))
    assert refused.value.code == "keys.wrong_kek"


def test_reseal_keeps_the_binding_to_its_record() -> None:
    old, new = keys.new_kek(), keys.new_kek()
    moved = keys.reseal(keys.seal(keys.generate(), old, aad=AAD), new, aad=AAD, old=(old,))
    with pytest.raises(Unavailable) as refused:
        keys.unseal(moved, new, aad=b"org:8/signing-key:1")
    assert refused.value.code == "keys.tampered"

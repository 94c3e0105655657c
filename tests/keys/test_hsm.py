"""Keys made and used in a PKCS#11 token (SoftHSM2): generated there, never readable, signing pure Ed25519."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pkcs11
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pkcs11 import Attribute, KeyType, ObjectClass

from badges import dids, multikey, proofs
from badges.errors import Unavailable
from badges.report import CheckFailed
from keys.hsm import Token, TokenConfig
from tests.softhsm import LABEL, PIN, softhsm, token  # noqa: F401  (fixtures)

SIGNED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DOCUMENT = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:3e9b8e3c-1f0a-4c55-9e0b-7a1d1c2b3f40",
            "type": ["VerifiableCredential"], "issuer": "did:web:badges.test:orgs:acme",
            "validFrom": "2026-03-02T09:30:00Z", "credentialSubject": {"id": "did:example:learner", "name": "김민지"}}


def test_a_key_made_in_the_token_signs_pure_ed25519_that_verifies_with_its_public_key(token: Token) -> None:
    key_id, public = token.generate(label="badges did:web:badges.test:orgs:acme#key-1")
    signature = token.sign(key_id, "한국어 데이터".encode())
    assert len(signature) == 64
    public.verify(signature, "한국어 데이터".encode())  # raises InvalidSignature otherwise
    assert token.sign(key_id, "한국어 데이터".encode()) == signature  # deterministic, as the software path is
    assert token.public_key(key_id) == public


def test_a_proof_made_in_the_token_has_the_software_format_and_verifies(token: Token) -> None:
    key_id, public = token.generate(label="proof")
    method = "did:web:badges.test:orgs:acme#key-1"
    signed = proofs.sign(DOCUMENT, signer=token.signer(key_id, method), created=SIGNED_AT)
    proof = signed["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["verificationMethod"]) == (
        "DataIntegrityProof", "eddsa-rdfc-2022", method)
    assert len(multikey.decode_base58btc(proof["proofValue"])) == 64  # multibase base58btc, as the software path
    document = dids.did_document("did:web:badges.test:orgs:acme", [("key-1", multikey.public_multikey(public))])
    published = dids.assertion_key(document, method)
    assert isinstance(published, Ed25519PublicKey)
    proofs.verify_proof(signed, public_key=published)
    tampered = {**signed, "credentialSubject": {"id": "did:example:learner", "name": "김민준"}}
    with pytest.raises(CheckFailed):
        proofs.verify_proof(tampered, public_key=published)


def test_the_private_key_is_sensitive_never_extractable_and_was_made_in_the_token(
        token: Token, softhsm: TokenConfig) -> None:
    key_id, _ = token.generate(label="sealed in")
    token.close()
    with pkcs11.lib(softhsm.module).get_token(token_label=LABEL).open(user_pin=PIN) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC_EDWARDS, id=key_id)
        with pytest.raises(pkcs11.AttributeSensitive):
            private[Attribute.VALUE]
        assert private[Attribute.SENSITIVE] and private[Attribute.ALWAYS_SENSITIVE]
        assert not private[Attribute.EXTRACTABLE] and private[Attribute.NEVER_EXTRACTABLE]
        assert private[Attribute.LOCAL] and private[Attribute.TOKEN]  # generated in the token, kept there
        assert private[Attribute.LABEL] == "sealed in"


def test_a_wrong_pin_is_a_clear_error_that_never_shows_the_pin_and_is_not_retried(softhsm: TokenConfig) -> None:
    wrong = Token(replace(softhsm, pin="0000-0000"))
    with pytest.raises(Unavailable) as first:
        wrong.generate(label="never")
    assert first.value.code == "keys.hsm_pin_incorrect"
    assert "BADGES_PKCS11_PIN" in first.value.detail and LABEL in first.value.detail
    assert "0000-0000" not in first.value.detail and "0000-0000" not in repr(wrong.config)
    with pytest.raises(Unavailable) as second:
        wrong.sign(b"\x01" * 16, b"data")
    assert second.value is first.value  # remembered, not tried again: an HSM locks after a few wrong PINs
    with pkcs11.lib(softhsm.module).get_token(token_label=LABEL).open(user_pin=PIN) as session:
        assert list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})) == []


def test_a_token_label_that_is_not_there_and_a_module_that_is_not_one_are_named(softhsm: TokenConfig) -> None:
    with pytest.raises(Unavailable) as missing:
        Token(replace(softhsm, token_label="no-such-token")).generate(label="x")
    assert missing.value.code == "keys.hsm_token_missing" and "no-such-token" in missing.value.detail
    with pytest.raises(Unavailable) as module:
        Token(replace(softhsm, module="/nonexistent/libnothing.so")).generate(label="x")
    assert module.value.code == "keys.hsm_module" and "/nonexistent/libnothing.so" in module.value.detail


def test_a_key_id_the_token_does_not_hold_is_named(token: Token) -> None:
    token.generate(label="the only key")
    with pytest.raises(Unavailable) as caught:
        token.sign(bytes.fromhex("00112233445566778899aabbccddeeff"), b"data")
    assert caught.value.code == "keys.hsm_key_missing" and "00112233445566778899aabbccddeeff" in caught.value.detail


def test_signing_goes_on_after_the_session_is_lost(token: Token, softhsm: TokenConfig) -> None:
    key_id, public = token.generate(label="survivor")
    public.verify(token.sign(key_id, b"before"), b"before")
    pkcs11.lib(softhsm.module).reinitialize()  # every session and login of the process is gone, as after an HSM restart
    public.verify(token.sign(key_id, b"after"), b"after")

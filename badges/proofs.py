"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (VC-DI-EdDSA §3.3)."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError

from badges import ed25519, multikey
from badges.bounds import TooComplex
from badges.errors import InvalidInput
from badges.jsonld import BUNDLED, BundledLoader, JsonObject, canonical_nquads, error_message
from badges.jsontext import to_json
from badges.report import CRYPTO_ERROR, MALFORMED, CheckFailed, CheckUndecided

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION = "assertionMethod"
AUTHENTICATION = "authentication"


class Signer(Protocol):
    verification_method: str

    def sign(self, data: bytes) -> bytes: ...


class Ed25519Signer:
    """A Signer over an in-memory Ed25519 private key."""

    def __init__(self, key: Ed25519PrivateKey, verification_method: str) -> None:
        self._key = key
        self.verification_method = verification_method

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


@lru_cache(maxsize=256)  # a batch shares its instants, and strftime is slow
def xsd_datetime(instant: datetime) -> str:
    """UTC `dateTimeStamp` to the second, e.g. 2023-02-24T23:36:38Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_data(doc: JsonObject, proof_config: JsonObject, *, loader: BundledLoader) -> bytes:
    """VC-DI-EdDSA §3.3.4 Hashing: SHA-256(canonical proof config) || SHA-256(canonical document)."""
    return _config_hash(proof_config, loader) + hashlib.sha256(canonical_nquads(doc, loader=loader)).digest()


def _config_hash(proof_config: JsonObject, loader: BundledLoader) -> bytes:
    """SHA-256 of a proof configuration's canonical form, remembered by its JSON text: a batch signed at one
    instant by one key shares one configuration, so it is canonicalized once."""
    key = (to_json(proof_config), loader)
    digest = _CONFIG_HASHES.get(key)
    if digest is None:
        if len(_CONFIG_HASHES) >= CONFIG_HASHES:  # bounded; clear() is safe beside other threads, evicting is not
            _CONFIG_HASHES.clear()
        digest = _CONFIG_HASHES[key] = hashlib.sha256(canonical_nquads(proof_config, loader=loader)).digest()
    return digest


CONFIG_HASHES = 256
_CONFIG_HASHES: dict[tuple[bytes, BundledLoader], bytes] = {}


def sign(doc: JsonObject, *, signer: Signer, created: datetime, loader: BundledLoader = BUNDLED,
         purpose: str = ASSERTION, challenge: str | None = None, domain: str | None = None) -> JsonObject:
    """VC-DI-EdDSA §3.3.1 Create Proof: a copy of `doc` with a proof for `purpose` (assertionMethod unless
    told; a presentation uses authentication, with the verifier's `challenge` and `domain` when given)."""
    [signed] = sign_many([doc], signer=signer, created=created, loader=loader, purpose=purpose, challenge=challenge,
                         domain=domain)
    return signed


def sign_many(docs: Sequence[JsonObject], *, signer: Signer, created: datetime, loader: BundledLoader = BUNDLED,
              purpose: str = ASSERTION, challenge: str | None = None, domain: str | None = None) -> list[JsonObject]:
    """sign() for each document, with the same proof options (built once)."""
    proof: dict[str, Any] = {
        "type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": xsd_datetime(created),
        "verificationMethod": signer.verification_method, "proofPurpose": purpose}
    proof.update({k: v for k, v in (("challenge", challenge), ("domain", domain)) if v is not None})
    pairs = [({k: v for k, v in doc.items() if k != "proof"}, {**proof, "@context": doc["@context"]})
             for doc in docs]
    return [{**unsigned, "proof": {**proof, "proofValue": multikey.encode_base58btc(
        signer.sign(hash_data(unsigned, config, loader=loader)))}} for unsigned, config in pairs]


def proof_of(doc: JsonObject, *, purpose: str = ASSERTION) -> JsonObject:
    """The single eddsa-rdfc-2022 proof of `doc` for `purpose`; CheckFailed for none, several, another suite
    or another purpose."""
    proof = doc.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise CheckFailed(MALFORMED, "proof.missing", "The credential has no single proof.", path="/proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise CheckFailed(CRYPTO_ERROR, "proof.unsupported_suite",
                          f"Only {PROOF_TYPE} with {CRYPTOSUITE} is accepted, not "
                          f"{proof.get('type')} / {proof.get('cryptosuite')}.", path="/proof/cryptosuite")
    if proof.get("proofPurpose") != purpose:
        raise CheckFailed(CRYPTO_ERROR, "proof.wrong_purpose",
                          f"The proof purpose must be {purpose}.", path="/proof/proofPurpose")
    return proof


def verify_proof(doc: JsonObject, *, public_key: Ed25519PublicKey, loader: BundledLoader = BUNDLED,
                 purpose: str = ASSERTION) -> None:
    """VC-DI-EdDSA §3.3.2 Verify Proof for `purpose`; raises CheckFailed saying why the proof does not hold."""
    proof = proof_of(doc, purpose=purpose)
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = unsigned.get("@context")
    check_signature(unsigned, config, proof.get("proofValue"), public_key=public_key, loader=loader)


def check_signature(unsigned: JsonObject, config: JsonObject, proof_value: object, *,
                    public_key: Ed25519PublicKey, loader: BundledLoader) -> None:
    """The end both Ed25519 suites' Verify Proof share: `proof_value` decoded (multibase base58btc, 64 bytes),
    document and proof configuration canonicalized and hashed, the signature checked; CheckFailed (or
    CheckUndecided for a document too complex to canonicalize) saying which step failed."""
    try:
        signature = multikey.decode_base58btc(proof_value)
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, "proof.value_malformed", f"proofValue: {e.detail}",
                          path="/proof/proofValue") from None
    if len(signature) != 64:
        raise CheckFailed(CRYPTO_ERROR, "proof.value_malformed",
                          "proofValue is not a 64-byte Ed25519 signature.", path="/proof/proofValue")
    try:
        data = hash_data(unsigned, config, loader=loader)
    except TooComplex as e:
        raise too_complex(e) from None
    except JsonLdError as e:
        raise CheckFailed(MALFORMED, "proof.canonicalization_failed",
                          f"The credential cannot be canonicalized: {error_message(e)}") from None
    try:
        ed25519.verify(public_key, signature, data)
    except InvalidSignature:
        raise CheckFailed(CRYPTO_ERROR, "proof.signature_mismatch",
                          "The signature does not match the credential: it was changed after "
                          "signing or signed by another key.", path="/proof/proofValue") from None


def too_complex(error: TooComplex) -> CheckUndecided:
    """The proof check's answer for a document the canonicalizer refused (badges.bounds): the signature could not
    be checked, so the check is undecided, not failed."""
    return CheckUndecided(MALFORMED, "proof.too_complex", f"The signature was not checked: {error.detail}",
                          path=error.path)

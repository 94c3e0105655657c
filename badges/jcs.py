"""Data Integrity proofs over plain JSON: the `eddsa-jcs-2022` cryptosuite (VC-DI-EdDSA §3.3).

JSON that is not JSON-LD (an audit checkpoint: a few fields no context defines) cannot be signed with
`eddsa-rdfc-2022`, whose canonicalization drops every undefined term. `eddsa-jcs-2022` hashes the JSON
Canonicalization Scheme (RFC 8785) form instead, which the `rfc8785` package (Trail of Bits) produces.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges import ed25519, multikey
from badges.errors import InvalidInput
from badges.proofs import Signer, xsd_datetime

JsonObject = dict[str, Any]
SUITE = "eddsa-jcs-2022"


class ProofInvalid(Exception):
    """The proof does not hold; `code` says which step refused it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def canonical(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes of `value`; InvalidInput for what JSON cannot hold."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as e:
        raise InvalidInput("jcs.not_json", f"The value cannot be canonicalized as JSON: {e}") from None


def sign(doc: JsonObject, *, signer: Signer, created: datetime, purpose: str = "assertionMethod") -> JsonObject:
    """VC-DI-EdDSA §3.3.1 Create Proof: `doc` with an eddsa-jcs-2022 DataIntegrityProof by `signer`."""
    config: JsonObject = {"type": "DataIntegrityProof", "cryptosuite": SUITE, "created": xsd_datetime(created),
                          "verificationMethod": signer.verification_method, "proofPurpose": purpose}
    if "@context" in doc:
        config["@context"] = doc["@context"]
    signature = signer.sign(_hash_data(doc, config))
    return {**doc, "proof": {**config, "proofValue": multikey.encode_base58btc(signature)}}


def verify(secured: JsonObject, public_key: Ed25519PublicKey, *, purpose: str = "assertionMethod") -> JsonObject:
    """VC-DI-EdDSA §3.3.2 Verify Proof: the document without its proof when the proof holds for `public_key`;
    ProofInvalid otherwise (the verification method itself is the caller's to resolve)."""
    proof = secured.get("proof")
    if not isinstance(proof, dict):
        raise ProofInvalid("jcs.proof_missing", "The document has no proof.")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != SUITE:
        raise ProofInvalid("jcs.suite", f"The proof is not a DataIntegrityProof of {SUITE}.")
    if proof.get("proofPurpose") != purpose:
        raise ProofInvalid("jcs.purpose", f"The proof's purpose is not {purpose}.")
    doc = {k: v for k, v in secured.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config:
        context, expected = doc.get("@context"), config["@context"]
        listed = context if isinstance(context, list) else [context]
        wanted = expected if isinstance(expected, list) else [expected]
        if listed[:len(wanted)] != wanted:
            raise ProofInvalid("jcs.context", "The proof's @context is not the document's.")
    try:
        signature = multikey.decode_base58btc(proof.get("proofValue"))
        ed25519.verify(public_key, signature, _hash_data(doc, config))
    except (InvalidInput, InvalidSignature):
        raise ProofInvalid("jcs.signature", "The signature does not match the document and key.") from None
    return doc


def _hash_data(doc: JsonObject, config: JsonObject) -> bytes:
    """VC-DI-EdDSA §3.3.4 Hashing: SHA-256(JCS(proof config)) || SHA-256(JCS(document))."""
    return hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(doc)).digest()

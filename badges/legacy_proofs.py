"""The older `Ed25519Signature2020` Linked Data proof, still used by some wallets (verification, and signing
for tests and interop).

Its signature is over SHA-256(URDNA2015 proof options) || SHA-256(URDNA2015 document), exactly the data
eddsa-rdfc-2022 signs, so the hashing is shared with badges.proofs; only the proof's shape differs.
"""
from __future__ import annotations

from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld.jsonld import JsonLdError

from badges import ed25519, multikey
from badges.bounds import TooComplex
from badges.errors import InvalidInput
from badges.jsonld import BUNDLED, BundledLoader, JsonObject, context_urls, error_message
from badges.proofs import Signer, hash_data, too_complex, xsd_datetime
from badges.report import CRYPTO_ERROR, MALFORMED, CheckFailed

PROOF_TYPE = "Ed25519Signature2020"
SUITE_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


def sign(doc: JsonObject, *, signer: Signer, created: datetime, loader: BundledLoader = BUNDLED) -> JsonObject:
    """A copy of `doc` with an Ed25519Signature2020 assertionMethod proof; `doc` must use the suite context."""
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    if SUITE_CONTEXT not in context_urls(unsigned):
        raise InvalidInput("proof.suite_context_missing", f"The document must list {SUITE_CONTEXT} in @context.")
    proof: JsonObject = {"type": PROOF_TYPE, "created": xsd_datetime(created),
                         "verificationMethod": signer.verification_method, "proofPurpose": "assertionMethod"}
    config = {"@context": unsigned["@context"], **proof}
    proof["proofValue"] = multikey.encode_base58btc(signer.sign(hash_data(unsigned, config, loader=loader)))
    return {**unsigned, "proof": proof}


def proof_of(doc: JsonObject) -> JsonObject:
    """The single Ed25519Signature2020 proof of `doc`; CheckFailed if it is malformed or lacks the suite context."""
    proof = doc.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict) or proof.get("type") != PROOF_TYPE:
        raise CheckFailed(MALFORMED, "proof.missing", "The credential has no single Ed25519Signature2020 proof.",
                          path="/proof")
    if proof.get("proofPurpose") != "assertionMethod":
        raise CheckFailed(CRYPTO_ERROR, "proof.wrong_purpose",
                          "The proof purpose must be assertionMethod.", path="/proof/proofPurpose")
    if SUITE_CONTEXT not in context_urls(doc):
        raise CheckFailed(MALFORMED, "proof.suite_context_missing",
                          f"An Ed25519Signature2020 proof needs the {SUITE_CONTEXT} context.", path="/@context")
    return proof


def verify_proof(doc: JsonObject, *, public_key: Ed25519PublicKey, loader: BundledLoader = BUNDLED) -> None:
    """Check the Ed25519Signature2020 proof of `doc` with `public_key`; raises CheckFailed saying why not."""
    proof = proof_of(doc)
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    # jsonld-signatures' canonizeProof: the document's @context, the proof without jws/signatureValue/proofValue
    config = {"@context": unsigned.get("@context"),
              **{k: v for k, v in proof.items() if k not in ("proofValue", "jws", "signatureValue")}}
    try:
        signature = multikey.decode_base58btc(proof.get("proofValue", ""))
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, "proof.value_malformed", f"proofValue: {e.detail}",
                          path="/proof/proofValue") from None
    if len(signature) != 64:
        raise CheckFailed(CRYPTO_ERROR, "proof.value_malformed", "proofValue is not a 64-byte Ed25519 signature.",
                          path="/proof/proofValue")
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
                          "The signature does not match the credential: it was changed after signing or "
                          "signed by another key.", path="/proof/proofValue") from None

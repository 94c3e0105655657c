"""The older `Ed25519Signature2020` Linked Data proof, still used by some wallets (verification, and signing
for tests and interop).

Its signature is over SHA-256(URDNA2015 proof options) || SHA-256(URDNA2015 document), exactly the data
eddsa-rdfc-2022 signs, so the hashing is shared with badges.proofs; only the proof's shape differs.
"""
from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges import multikey, proofs
from badges.errors import InvalidInput
from badges.jsonld import BUNDLED, BundledLoader, JsonObject, context_urls
from badges.proofs import Signer, hash_data, xsd_datetime
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
    proofs.check_signature(unsigned, config, proof.get("proofValue", ""), public_key=public_key, loader=loader)

"""The W3C eddsa-rdfc-2022 test vector (VC-DI-EdDSA, TestVectors/eddsa-rdfc-2022), reproduced byte for byte."""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges import dids, multikey
from badges.jsonld import BundledLoader, JsonObject, canonicalize
from badges.proofs import Ed25519Signer, hash_data, sign, verify_proof
from badges.report import CheckFailed

VECTORS = Path(__file__).parent.parent / "vectors" / "eddsa-rdfc-2022"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
# The whole published examples context; it ships in no package, so the test supplies it to the loader.
LOADER = BundledLoader(extra={
    EXAMPLES_CONTEXT: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}})
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


def text(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


def load(name: str) -> JsonObject:
    return json.loads(text(name))


@pytest.fixture(scope="module")
def signer() -> Ed25519Signer:
    """The vector's key, with the verification method the vector's proof names."""
    key = multikey.private_key(load("keyPair.json")["privateKeyMultibase"])
    return Ed25519Signer(key, dids.did_key_method(dids.did_key(key.public_key())))


@pytest.fixture(scope="module")
def public_key() -> Ed25519PublicKey:
    return multikey.public_key(load("keyPair.json")["publicKeyMultibase"])


@pytest.fixture(scope="module")
def signed(signer: Ed25519Signer) -> JsonObject:
    return sign(load("unsigned.json"), signer=signer, created=CREATED, loader=LOADER)


def test_the_vectors_private_key_derives_the_vectors_public_key_and_verification_method(
        signer: Ed25519Signer) -> None:
    assert signer.verification_method == load("proofConfigDataInt.json")["verificationMethod"]


def test_canonical_document_matches_the_vectors_n_quads() -> None:
    assert canonicalize(load("unsigned.json"), loader=LOADER) == text("canonDocDataInt.txt")


def test_canonical_proof_config_matches_the_vectors_n_quads() -> None:
    assert canonicalize(load("proofConfigDataInt.json"), loader=LOADER) == text("proofCanonDataInt.txt")


def test_document_hash_matches_the_vector() -> None:
    canonical = canonicalize(load("unsigned.json"), loader=LOADER).encode()
    assert hashlib.sha256(canonical).hexdigest() == text("docHashDataInt.txt")


def test_proof_config_hash_matches_the_vector() -> None:
    canonical = canonicalize(load("proofConfigDataInt.json"), loader=LOADER).encode()
    assert hashlib.sha256(canonical).hexdigest() == text("proofHashDataInt.txt")


def test_combined_hash_is_the_proof_hash_followed_by_the_document_hash() -> None:
    data = hash_data(load("unsigned.json"), load("proofConfigDataInt.json"), loader=LOADER)
    assert data.hex() == text("combinedHashDataInt.txt")


def test_sign_builds_the_vectors_proof_config(signed: JsonObject) -> None:
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert {**config, "@context": signed["@context"]} == load("proofConfigDataInt.json")


def test_sign_makes_the_vectors_signature(signed: JsonObject) -> None:
    signature = multikey.decode_base58btc(signed["proof"]["proofValue"])
    assert signature.hex() == text("sigHexDataInt.txt")


def test_sign_makes_the_vectors_proof_value(signed: JsonObject) -> None:
    assert signed["proof"]["proofValue"] == text("sigBTC58DataInt.txt")


def test_sign_makes_the_vectors_signed_document_byte_for_byte(signed: JsonObject) -> None:
    # Same members, same order, same values: serialised like the published file, it is the same bytes.
    assert json.dumps(signed, indent=2, ensure_ascii=False) == text("signedDataInt.json")


def test_sign_leaves_the_unsigned_document_untouched(signer: Ed25519Signer) -> None:
    unsigned = load("unsigned.json")
    sign(unsigned, signer=signer, created=CREATED, loader=LOADER)
    assert unsigned == load("unsigned.json")


def test_verify_proof_accepts_the_published_signed_document(public_key: Ed25519PublicKey) -> None:
    verify_proof(load("signedDataInt.json"), public_key=public_key, loader=LOADER)


def test_the_did_key_in_the_proof_resolves_to_the_vectors_public_key(public_key: Ed25519PublicKey) -> None:
    method = load("signedDataInt.json")["proof"]["verificationMethod"]
    resolved = dids.assertion_key(dids.did_key_document(method.split("#")[0]), method)
    assert multikey.public_multikey(resolved) == multikey.public_multikey(public_key)


def test_verify_proof_refuses_the_vector_when_its_context_is_not_bundled(public_key: Ed25519PublicKey) -> None:
    # Without the test's extra context the loader fails closed instead of fetching it.
    with pytest.raises(CheckFailed) as caught:
        verify_proof(load("signedDataInt.json"), public_key=public_key)
    assert caught.value.problem.code == "proof.canonicalization_failed"


Mutation = Callable[[dict[str, Any]], None]


def flip_last_char(value: str) -> str:
    """The same string with its last character replaced by a neighbouring base58 letter."""
    return value[:-1] + ("f" if value[-1] != "f" else "g")


def set_in(*path: str, value: Callable[[Any], Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value(node[path[-1]])
    return mutate


TAMPERS = {
    "name": (set_in("name", value=lambda v: v.replace("Alumni", "Alumnj")), "proof.signature_mismatch"),
    "subject": (set_in("credentialSubject", "alumniOf", value=lambda v: v.replace("School", "Schoo1")),
                "proof.signature_mismatch"),
    "validFrom": (set_in("validFrom", value=lambda v: v.replace("2023", "2024")), "proof.signature_mismatch"),
    "issuer": (set_in("issuer", value=lambda v: v.replace("5678", "5679")), "proof.signature_mismatch"),
    "proof.created": (set_in("proof", "created", value=lambda v: v.replace(":38Z", ":39Z")),
                      "proof.signature_mismatch"),
    "proofValue last char": (set_in("proof", "proofValue", value=flip_last_char), "proof.signature_mismatch"),
    "proofValue not base58": (set_in("proof", "proofValue", value=lambda v: v[:10] + "0" + v[11:]),
                              "proof.value_malformed"),
    "proofValue not multibase": (set_in("proof", "proofValue", value=lambda v: "m" + v[1:]),
                                 "proof.value_malformed"),
    "proofValue cut short": (set_in("proof", "proofValue", value=lambda v: v[:-5]), "proof.value_malformed"),
}


@pytest.mark.parametrize(("mutation", "failed_code"), TAMPERS.values(), ids=TAMPERS.keys())
def test_verify_proof_refuses_the_signed_vector_changed_in_one_place(
        mutation: Mutation, failed_code: str, public_key: Ed25519PublicKey) -> None:
    doc = load("signedDataInt.json")
    mutation(doc)
    with pytest.raises(CheckFailed) as caught:
        verify_proof(doc, public_key=public_key, loader=LOADER)
    assert caught.value.problem.code == failed_code


def test_verify_proof_refuses_the_vector_checked_against_another_key() -> None:
    other = multikey.private_key(multikey.private_multikey(bytes(range(32)))).public_key()
    with pytest.raises(CheckFailed) as caught:
        verify_proof(load("signedDataInt.json"), public_key=other, loader=LOADER)
    assert caught.value.problem.code == "proof.signature_mismatch"


REFUSED_PROOFS = {
    "another cryptosuite": ({"cryptosuite": "eddsa-jcs-2022"}, "proof.unsupported_suite"),
    "another proof type": ({"type": "Ed25519Signature2020"}, "proof.unsupported_suite"),
    "no cryptosuite": ({"cryptosuite": None}, "proof.unsupported_suite"),
    "authentication purpose": ({"proofPurpose": "authentication"}, "proof.wrong_purpose"),
}


@pytest.mark.parametrize(("change", "failed_code"), REFUSED_PROOFS.values(), ids=REFUSED_PROOFS.keys())
def test_verify_proof_refuses_a_proof_it_does_not_accept(
        change: dict[str, Any], failed_code: str, public_key: Ed25519PublicKey) -> None:
    doc = load("signedDataInt.json")
    doc["proof"] = {k: v for k, v in {**doc["proof"], **change}.items() if v is not None}
    with pytest.raises(CheckFailed) as caught:
        verify_proof(doc, public_key=public_key, loader=LOADER)
    assert caught.value.problem.code == failed_code


@pytest.mark.parametrize("proof", [None, [], "zabc", ["a", "b"]], ids=["none", "empty list", "string", "two"])
def test_verify_proof_refuses_a_document_without_a_single_proof(
        proof: Any, public_key: Ed25519PublicKey) -> None:
    doc = load("signedDataInt.json")
    if proof is None:
        del doc["proof"]
    else:
        doc["proof"] = proof
    with pytest.raises(CheckFailed) as caught:
        verify_proof(doc, public_key=public_key, loader=LOADER)
    assert caught.value.problem.code == "proof.missing"


def test_verify_proof_accepts_the_proof_given_as_a_one_element_list(public_key: Ed25519PublicKey) -> None:
    doc = load("signedDataInt.json")
    doc["proof"] = [doc["proof"]]
    verify_proof(doc, public_key=public_key, loader=LOADER)


def test_verify_proof_does_not_change_the_document(public_key: Ed25519PublicKey) -> None:
    doc = load("signedDataInt.json")
    before = copy.deepcopy(doc)
    verify_proof(doc, public_key=public_key, loader=LOADER)
    assert doc == before

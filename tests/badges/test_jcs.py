"""eddsa-jcs-2022 (VC-DI-EdDSA §3.3): the specification's example signed byte for byte, and every change to a
signed document refused."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from badges import jcs, multikey
from badges.proofs import Ed25519Signer

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "eddsa-rdfc-2022"
METHOD = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
# the proofValue of the specification's eddsa-jcs-2022 example (w3c/vc-di-eddsa TestVectors/eddsa-jcs-2022/
# signedJCS.json), over the same unsigned credential and key as the eddsa-rdfc-2022 vector kept in tests/vectors
PUBLISHED = "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"


def key_pair() -> dict[str, str]:
    return json.loads((VECTORS / "keyPair.json").read_text())


def signed_example() -> dict[str, object]:
    signer = Ed25519Signer(multikey.private_key(key_pair()["privateKeyMultibase"]), METHOD)
    unsigned = json.loads((VECTORS / "unsigned.json").read_text())
    return jcs.sign(unsigned, signer=signer, created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC))


def test_signing_the_specification_example_gives_its_published_proof_value() -> None:
    proof = signed_example()["proof"]
    assert isinstance(proof, dict)
    assert proof["proofValue"] == PUBLISHED
    assert proof["@context"] == ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def test_the_signed_example_verifies_with_its_key() -> None:
    public = multikey.public_key(key_pair()["publicKeyMultibase"])
    unsigned = jcs.verify(signed_example(), public)
    assert "proof" not in unsigned and unsigned["issuer"] == "https://vc.example/issuers/5678"


@pytest.mark.parametrize(("path", "value", "code"), [
    (("credentialSubject", "alumniOf"), "Another School", "jcs.signature"),
    (("proof", "created"), "2024-01-01T00:00:00Z", "jcs.signature"),
    (("proof", "cryptosuite"), "eddsa-rdfc-2022", "jcs.suite"),
    (("proof", "proofPurpose"), "authentication", "jcs.purpose"),
    (("proof", "proofValue"), "not multibase", "jcs.signature"),
    (("proof", "@context"), ["https://www.w3.org/ns/credentials/v2", "https://example.com/other"], "jcs.context"),
])
def test_any_change_to_the_signed_document_is_refused(path: tuple[str, str], value: object, code: str) -> None:
    document = signed_example()
    part = document[path[0]]
    assert isinstance(part, dict)
    part[path[1]] = value
    with pytest.raises(jcs.ProofInvalid) as refused:
        jcs.verify(document, multikey.public_key(key_pair()["publicKeyMultibase"]))
    assert refused.value.code == code


def test_another_key_does_not_verify() -> None:
    other = multikey.private_key(multikey.private_multikey(b"\x01" * 32)).public_key()
    with pytest.raises(jcs.ProofInvalid):
        jcs.verify(signed_example(), other)

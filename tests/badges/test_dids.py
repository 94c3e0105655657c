"""did:key and did:web identifiers, DID documents, and finding the issuer's assertion key in one."""
from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from badges import dids, multikey
from badges.errors import InvalidInput
from badges.report import CheckFailed

VECTOR_KEYS = json.loads((Path(__file__).parent.parent / "vectors" / "eddsa-rdfc-2022" / "keyPair.json")
                         .read_text())
VECTOR_DID = "did:key:" + VECTOR_KEYS["publicKeyMultibase"]
WEB_DID = "did:web:localhost%3A8443:orgs:acme"
# A P-256 did:key (multicodec 0x1200), from the did:key spec's examples: a real key, just not Ed25519.
P256_DID = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"


def other_key_multibase(n: int) -> str:
    return multikey.public_multikey(multikey.private_key(multikey.private_multikey(bytes([n]) * 32)).public_key())


def test_did_key_of_the_vectors_key_is_its_public_multikey() -> None:
    key = multikey.private_key(VECTOR_KEYS["privateKeyMultibase"])
    assert dids.did_key(key.public_key()) == VECTOR_DID


def test_did_key_method_is_the_did_with_its_multikey_as_fragment() -> None:
    assert dids.did_key_method(VECTOR_DID) == f"{VECTOR_DID}#{VECTOR_KEYS['publicKeyMultibase']}"


def test_did_key_document_lists_the_key_as_its_own_assertion_method() -> None:
    mk = VECTOR_KEYS["publicKeyMultibase"]
    assert dids.did_key_document(VECTOR_DID) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": VECTOR_DID,
        "verificationMethod": [{"id": f"{VECTOR_DID}#{mk}", "type": "Multikey", "controller": VECTOR_DID,
                                "publicKeyMultibase": mk}],
        "assertionMethod": [f"{VECTOR_DID}#{mk}"],
        "authentication": [f"{VECTOR_DID}#{mk}"],
    }


def test_a_did_key_resolves_back_to_the_key_it_was_made_from() -> None:
    key = multikey.private_key(multikey.private_multikey(bytes(range(32)))).public_key()
    did = dids.did_key(key)
    found = dids.assertion_key(dids.did_key_document(did), dids.did_key_method(did))
    assert multikey.public_multikey(found) == multikey.public_multikey(key)


@pytest.mark.parametrize("did", [P256_DID, "did:key:z6Mk", "did:key:not-multibase"],
                         ids=["p-256 key", "truncated key", "not multibase"])
def test_did_key_document_refuses_a_did_key_that_is_not_an_ed25519_key(did: str) -> None:
    with pytest.raises(CheckFailed) as caught:
        dids.did_key_document(did)
    assert caught.value.problem.code == "issuer_key.did_key_unsupported"


@pytest.mark.parametrize(("did", "url"), [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    (WEB_DID, "https://localhost:8443/orgs/acme/did.json"),
], ids=["domain", "path", "port and path (spec example)", "port and path"])
def test_did_web_url_follows_the_did_web_read_rules(did: str, url: str) -> None:
    assert dids.did_web_url(did) == url


def test_did_web_url_does_not_remember_dids_longer_than_any_issuers() -> None:
    """A DID is text from a credential (up to 1 MB): 20 of 100 KB leave nothing of that size behind."""
    tracemalloc.start()
    try:
        for n in range(20):
            dids.did_web_url(f"did:web:issuer{n}.example:" + "a" * 100_000)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 100_000


def test_did_web_url_uses_the_scheme_it_is_given_for_tests_on_loopback() -> None:
    assert dids.did_web_url(WEB_DID, scheme="http") == "http://localhost:8443/orgs/acme/did.json"


@pytest.mark.parametrize(("base_url", "path", "did"), [
    ("https://example.com", (), "did:web:example.com"),
    ("https://example.com/", (), "did:web:example.com"),
    ("https://w3c-ccg.github.io", ("user", "alice"), "did:web:w3c-ccg.github.io:user:alice"),
    ("https://localhost:8443/orgs", ("acme",), WEB_DID),
    ("https://localhost:8443", ("orgs", "acme"), WEB_DID),
], ids=["domain", "trailing slash", "path", "base path and port", "port"])
def test_did_web_names_the_document_at_a_base_url_and_path(base_url: str, path: tuple[str, ...],
                                                          did: str) -> None:
    assert dids.did_web(base_url, *path) == did


@pytest.mark.parametrize("did", ["did:web:example.com", "did:web:example.com:user:alice", WEB_DID])
def test_did_web_of_the_document_url_gives_back_the_did(did: str) -> None:
    base = dids.did_web_url(did).removesuffix("/.well-known/did.json").removesuffix("/did.json")
    assert dids.did_web(base) == did


@pytest.mark.parametrize("did", [
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "did:web:",
    "did:web",
    "did:web:example.com#key-1",
    "did:web:example.com/path",
    "did:web:example.com%2Fevil",
    "did:web:user%40example.com",
    "did:web:example.com%3Fq",
    "did:web:exa%20mple.com",
    "did:web::user:alice",
], ids=["not did:web", "no host", "no colon", "fragment", "slash", "encoded slash in host", "userinfo",
        "query in host", "space in host", "empty host"])
def test_did_web_url_refuses_a_malformed_did_web(did: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        dids.did_web_url(did)
    assert caught.value.code == "did.web_malformed"


def web_document(**overrides: Any) -> dict[str, Any]:
    """A did:web document with one Ed25519 assertion key, `#key-1`, with `overrides` applied."""
    return {**dids.did_document(WEB_DID, [("key-1", VECTOR_KEYS["publicKeyMultibase"])]), **overrides}


def test_assertion_key_finds_a_key_the_document_lists_for_assertion() -> None:
    found = dids.assertion_key(web_document(), f"{WEB_DID}#key-1")
    assert multikey.public_multikey(found) == VECTOR_KEYS["publicKeyMultibase"]


def test_assertion_key_accepts_methods_listed_by_relative_reference() -> None:
    method = {"id": "#key-1", "type": "Multikey", "controller": WEB_DID,
              "publicKeyMultibase": VECTOR_KEYS["publicKeyMultibase"]}
    document = web_document(verificationMethod=[method], assertionMethod=["#key-1"])
    found = dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert multikey.public_multikey(found) == VECTOR_KEYS["publicKeyMultibase"]


def test_assertion_key_accepts_a_method_embedded_in_assertion_method() -> None:
    method = web_document()["verificationMethod"][0]
    document = web_document(verificationMethod=[], assertionMethod=[method])
    found = dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert multikey.public_multikey(found) == VECTOR_KEYS["publicKeyMultibase"]


def test_assertion_key_picks_the_named_key_among_several() -> None:
    document = dids.did_document(WEB_DID, [("key-1", other_key_multibase(1)),
                                           ("key-2", VECTOR_KEYS["publicKeyMultibase"])])
    found = dids.assertion_key(document, f"{WEB_DID}#key-2")
    assert multikey.public_multikey(found) == VECTOR_KEYS["publicKeyMultibase"]


def test_assertion_key_refuses_a_method_not_listed_for_assertion() -> None:
    document = web_document(assertionMethod=[])  # still listed for authentication
    with pytest.raises(CheckFailed) as caught:
        dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert caught.value.problem.code == "issuer_key.not_assertion_method"
    assert caught.value.problem.path == "/proof/verificationMethod"


def test_assertion_key_refuses_a_method_the_document_does_not_have() -> None:
    with pytest.raises(CheckFailed) as caught:
        dids.assertion_key(web_document(), f"{WEB_DID}#key-9")
    assert caught.value.problem.code == "issuer_key.not_assertion_method"


def test_assertion_key_refuses_a_method_listed_for_assertion_but_not_described() -> None:
    document = web_document(verificationMethod=[])
    with pytest.raises(CheckFailed) as caught:
        dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert caught.value.problem.code == "issuer_key.not_found"


def test_assertion_key_refuses_a_method_controlled_by_someone_else() -> None:
    document = web_document()
    document["verificationMethod"][0]["controller"] = "did:web:evil.example"
    with pytest.raises(CheckFailed) as caught:
        dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert caught.value.problem.code == "issuer_key.wrong_controller"


def test_assertion_key_refuses_a_document_for_another_did() -> None:
    document = dids.did_document("did:web:evil.example", [("key-1", VECTOR_KEYS["publicKeyMultibase"])])
    with pytest.raises(CheckFailed) as caught:
        dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert caught.value.problem.code == "issuer_key.document_mismatch"


def test_assertion_key_refuses_a_key_that_is_not_ed25519() -> None:
    document = web_document()
    document["verificationMethod"][0]["publicKeyMultibase"] = P256_DID.removeprefix("did:key:")
    with pytest.raises(CheckFailed) as caught:
        dids.assertion_key(document, f"{WEB_DID}#key-1")
    assert caught.value.problem.code == "issuer_key.unsupported"

"""The bundled, fail-closed JSON-LD loader: every bundled context is served, nothing is ever fetched."""
from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pyld.jsonld import JsonLdError

import schemas
from badges.errors import InvalidInput
from badges.jsonld import BUNDLED, BundledLoader, canonicalize, context_urls, error_message, require_bundled
from badges.model import CREDENTIAL_CONTEXT, OB_V3, VC_V2

UNKNOWN = "https://contexts.example/unknown/v1"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, ...]]]:
    """Record (and refuse) any attempt to open a socket while the test runs."""
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network use in a test that must stay offline")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts


@pytest.mark.parametrize("url", sorted(schemas.CONTEXT_FILES))
def test_bundled_loader_serves_every_bundled_context(url: str) -> None:
    loaded = BUNDLED(url)
    assert loaded["documentUrl"] == url
    assert loaded["document"] == schemas.context(url)
    assert "@context" in loaded["document"]


def test_bundled_loader_hands_out_copies_so_the_bundled_context_stays_pristine() -> None:
    BUNDLED(VC_V2)["document"]["@context"]["tampered"] = "https://evil.example/#"
    assert "tampered" not in BUNDLED(VC_V2)["document"]["@context"]
    assert "tampered" not in schemas.context(VC_V2)["@context"]


def test_bundled_loader_serves_an_extra_context_a_caller_supplies() -> None:
    extra = {"@context": {"@vocab": "https://contexts.example/terms#"}}
    assert BundledLoader(extra={UNKNOWN: extra})(UNKNOWN)["document"] == extra


def test_bundled_loader_refuses_an_unknown_context_saying_it_is_never_fetched(
        no_network: list[tuple[object, ...]]) -> None:
    with pytest.raises(JsonLdError) as caught:
        BUNDLED(UNKNOWN)
    assert UNKNOWN in str(caught.value)
    assert "never fetched" in str(caught.value)
    assert no_network == []


def test_context_urls_lists_the_string_entries_in_order() -> None:
    doc = {"@context": [VC_V2, {"@vocab": "https://contexts.example/#"}, OB_V3]}
    assert context_urls(doc) == [VC_V2, OB_V3]


def test_context_urls_reads_a_single_string_context() -> None:
    assert context_urls({"@context": VC_V2}) == [VC_V2]


def test_require_bundled_accepts_the_credential_contexts() -> None:
    require_bundled({"@context": list(CREDENTIAL_CONTEXT)})


@pytest.mark.parametrize(("context", "pointer"), [
    ([UNKNOWN, OB_V3], "/@context/0"),
    ([VC_V2, UNKNOWN], "/@context/1"),
    ([VC_V2, OB_V3, UNKNOWN], "/@context/2"),
    ([VC_V2, {"@vocab": "https://contexts.example/#"}, UNKNOWN], "/@context/2"),
    (UNKNOWN, "/@context"),
], ids=["first", "second", "third", "after an inline context", "single string"])
def test_require_bundled_names_the_json_pointer_of_the_unknown_context(context: object, pointer: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        require_bundled({"@context": context})
    assert caught.value.code == "context.unknown"
    assert caught.value.path == pointer
    assert UNKNOWN in caught.value.detail


def test_require_bundled_accepts_a_context_the_callers_loader_supplies() -> None:
    require_bundled({"@context": [VC_V2, UNKNOWN]}, loader=BundledLoader(extra={UNKNOWN: {"@context": {}}}))


def test_canonicalize_fails_for_a_document_with_an_unknown_context_without_using_the_network(
        no_network: list[tuple[object, ...]]) -> None:
    doc = {"@context": [VC_V2, UNKNOWN], "type": ["VerifiableCredential"], "issuer": "did:example:1",
           "credentialSubject": {"id": "did:example:2"}}
    with pytest.raises(JsonLdError):
        canonicalize(doc)
    assert no_network == []


def test_canonicalize_gives_n_quads_for_a_document_with_bundled_contexts() -> None:
    doc = {"@context": [VC_V2], "id": "urn:uuid:1", "type": ["VerifiableCredential"],
           "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:subject"}}
    assert canonicalize(doc) == (
        "<urn:uuid:1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://www.w3.org/2018/credentials#VerifiableCredential> .\n"
        "<urn:uuid:1> <https://www.w3.org/2018/credentials#credentialSubject> <did:example:subject> .\n"
        "<urn:uuid:1> <https://www.w3.org/2018/credentials#issuer> <did:example:issuer> .\n")


def credential_with(**extra: object) -> dict[str, object]:
    return {"@context": [VC_V2, OB_V3], "id": "urn:uuid:1", "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:subject"}, **extra}


EVIDENCE = {"type": ["Evidence"], "narrative": "포트폴리오"}
# each place where pyld 3.3's to_rdf skips a statement (and the JavaScript reference's safe mode refuses it), and
# IRIs that pyld keeps though N-Quads cannot hold them
UNSIGNABLE = {
    "subject with a space": (credential_with(evidence=[{"id": "https://example.com/my portfolio", **EVIDENCE}]),
                             "https://example.com/my portfolio"),
    "object with a space": (credential_with(evidence=[{"id": "https://example.com/my portfolio"}]),
                            "https://example.com/my portfolio"),
    "type with a space": (credential_with(evidence=[{"type": ["Evidence", "My Evidence"]}]),
                          "http://example.org/base/My Evidence"),  # pyld's base for a document without one
    "graph name with a space": ({"@context": [VC_V2, OB_V3], "@id": "https://example.com/a graph",
                                 "@graph": [credential_with()]}, "https://example.com/a graph"),
    "blank node property": (credential_with(odd="x", **{"@context": [VC_V2, OB_V3, {"odd": "_:odd"}]}), "_:odd"),
    "datatype with braces": (credential_with(odd="x", **{"@context": [VC_V2, OB_V3, {"odd": {
        "@id": "https://example.com/odd", "@type": "https://example.com/{t}"}}]}), "https://example.com/{t}"),
    "object in a list": (credential_with(odd=[{"id": "https://example.com/a b"}], **{"@context": [VC_V2, OB_V3, {
        "odd": {"@id": "https://example.com/odd", "@container": "@list"}}]}), "https://example.com/a b"),
    **{f"IRI holding {iri[19:]!r}": (credential_with(evidence=[{"id": iri, **EVIDENCE}]), iri)
       for iri in ("https://example.com/a<b>", "https://example.com/a\"b", "https://example.com/{a}|b^c`d\\e",
                   "https://example.com/\x01", "https://example.com/x\n")},
}


@pytest.mark.parametrize(("doc", "iri"), UNSIGNABLE.values(), ids=UNSIGNABLE.keys())
def test_canonicalize_refuses_a_document_whose_statements_pyld_would_leave_out_naming_the_iri(
        doc: dict[str, object], iri: str) -> None:
    with pytest.raises(JsonLdError) as caught:
        canonicalize(doc)  # type: ignore[arg-type]
    assert repr(iri) in error_message(caught.value)
    assert "not an absolute IRI" in error_message(caught.value) or "blank node" in error_message(caught.value)


@pytest.mark.parametrize("iri", ["https://example.com/포트폴리오/김민준", "https://example.com/%ED%8F%AC?q=1#x",
                                 "urn:uuid:5f0e7c1a-3b2d-4e8f-9a6b-0c1d2e3f4a5b", "did:web:example.com"])
def test_canonicalize_signs_evidence_whose_id_is_an_absolute_iri_korean_letters_included(iri: str) -> None:
    assert f"<{iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in canonicalize(
        credential_with(evidence=[{"id": iri, **EVIDENCE}]))  # type: ignore[arg-type]

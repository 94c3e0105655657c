"""What a document may cost: shape limits, dataset limits and the labelling budget refuse hostile documents by
counting, never by timing (issue 11)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges import bounds, jsonld, model
from badges.bounds import CREDENTIAL, TooComplex, check_dataset, check_shape, fits_surely

KNOWS = "https://example.org/knows"
TAG = "https://example.org/tag"


def refusal(doc: Any, limits: bounds.Limits = CREDENTIAL) -> TooComplex:
    with pytest.raises(TooComplex) as refused:
        check_shape(doc, limits)
    return refused.value


def nested(depth: int) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for _ in range(depth - 1):
        doc = {"a": doc}
    return doc


def test_a_typical_credential_is_within_the_limits() -> None:
    check_shape(model.achievement_credential(
        credential_id="urn:uuid:1", issuer=model.profile(did="did:key:z6Mk", name="아카데미"),
        achievement=model.achievement(achievement_id="https://a.example/1", name="n", description="d", criteria="c",
                                      tags=[f"t{i}" for i in range(30)]),
        recipient=model.Recipient("홍길동", "a@example.com"), valid_from=datetime(2026, 3, 2, tzinfo=UTC)))


def test_nesting_is_limited_and_the_refusal_points_at_where() -> None:
    check_shape(nested(CREDENTIAL.depth))
    refused = refusal(nested(CREDENTIAL.depth + 1))
    assert refused.code == "jsonld.too_complex"
    assert refused.path == "/a" * (CREDENTIAL.depth)


def test_an_array_is_limited() -> None:
    check_shape({"tag": ["x"] * CREDENTIAL.array})
    assert refusal({"a": {"tag/x": ["x"] * (CREDENTIAL.array + 1)}}).path == "/a/tag~1x"


def test_objects_and_values_are_limited_however_they_are_spread() -> None:
    assert "objects" in refusal({f"k{i}": [{}] * 10 for i in range(CREDENTIAL.objects // 10 + 1)}).detail
    assert "values" in refusal({f"k{i}": ["x"] * 100 for i in range(CREDENTIAL.values // 100 + 1)}).detail


def test_contexts_are_limited_wherever_they_are() -> None:
    doc = {"@context": [model.VC_V2] * 4, "a": [{"@context": model.VC_V2}] * (CREDENTIAL.contexts - 4)}
    check_shape(doc)
    doc["a"].append({"@context": model.VC_V2})
    assert "contexts" in refusal(doc).detail


def test_one_list_of_contexts_is_limited_below_all_of_them() -> None:
    # each entry of one list re-applies its terms over the ones before: 12 copies of the VC context cost 150 ms
    doc = {"@context": [model.VC_V2] * CREDENTIAL.context_list}
    check_shape(doc)
    doc["@context"].append(model.VC_V2)
    assert "One @context lists more than" in refusal(doc).detail
    assert not fits_surely(json.dumps(doc), doc)


@pytest.mark.parametrize("name", ["id", "@id", "nid"])
def test_values_one_node_gets_from_many_objects_are_counted_together(name: str) -> None:
    objects = [{name: "https://example.org/n", TAG: [f"t{i}-{j}" for j in range(30)]} for i in range(4)]
    doc = {"@context": [model.VC_V2, {"nid": "@id"}], KNOWS: objects[:3]}
    check_shape(doc)
    doc[KNOWS] = objects
    assert "across the objects" in refusal(doc).detail


def test_values_an_object_adds_through_nest_are_counted_with_its_node() -> None:
    doc = {TAG: ["x"] * 60, "@nest": [{TAG: ["y"] * 30}]}
    check_shape(doc)
    doc["@nest"].append({TAG: ["z"] * 30})
    assert "across the objects" in refusal(doc).detail


def test_a_dataset_is_limited_in_quads_and_blank_nodes() -> None:
    def triple(s: str, o: str) -> dict[str, Any]:
        return {"subject": {"type": "blank node", "value": s}, "predicate": {"type": "IRI", "value": KNOWS},
                "object": {"type": "blank node", "value": o}}
    check_dataset({"@default": [triple(f"_:a{i}", f"_:b{i}") for i in range(bounds.MAX_BLANK_NODES // 2)]})
    with pytest.raises(TooComplex, match="blank nodes"):
        check_dataset({"@default": [triple(f"_:a{i}", f"_:b{i}") for i in range(bounds.MAX_BLANK_NODES // 2 + 1)]})
    with pytest.raises(TooComplex, match="statements"):
        check_dataset({"@default": [triple("_:a", "_:b")] * (bounds.MAX_QUADS + 1)})


def poison_graph(nodes: int) -> dict[str, Any]:
    return {"@context": [model.VC_V2], KNOWS: [
        {"id": f"_:b{i}", KNOWS: [{"id": f"_:b{j}"} for j in range(nodes) if j != i]} for i in range(nodes)]}


class CountingLabelling(bounds.BoundedURDNA2015):
    """Counts the Hash N-Degree Quads invocations (RDFC-1.0 §4.8)."""

    calls = 0

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self.calls += 1
        return super().hash_n_degree_quads(id_, issuer)


@pytest.mark.parametrize("nodes", [5, 8, 12])
def test_labelling_a_poison_graph_stops_at_the_budget(nodes: int) -> None:
    dataset = jsonld.BUNDLED._to_rdf(poison_graph(nodes))
    labelling = CountingLabelling()
    with pytest.raises(TooComplex) as refused:
        labelling.main(dataset, {"format": "application/n-quads"})
    assert refused.value.code == "jsonld.too_complex"
    assert labelling.spent > bounds.LABELLING_BUDGET
    # pyld alone: 485 invocations for 5 nodes, 3,606 for 6, about ten times more for each node added
    assert labelling.calls <= 60


def test_labelling_tied_blank_nodes_of_a_real_document_stays_well_within_the_budget() -> None:
    evidence = [{"type": ["Evidence"], "narrative": "같은 증거"} for _ in range(20)]  # 20 identical blank nodes
    dataset = jsonld.BUNDLED._to_rdf({"@context": [model.VC_V2, model.OB_V3], "id": "urn:uuid:1",
                                      "type": ["VerifiableCredential"], "evidence": evidence})
    labelling = CountingLabelling()
    labelling.main(dataset, {"format": "application/n-quads"})
    assert labelling.calls == 20 and 0 < labelling.spent < bounds.LABELLING_BUDGET // 4


def test_a_node_named_in_several_quads_of_another_is_one_order_to_try_not_a_factorial() -> None:
    """A proof node is related to its proof graph six times: pyld's permuter yields that list once."""
    assert bounds.arrangements(["_:g"] * 6, cap=10**6) == 1
    assert bounds.arrangements(["_:a", "_:a", "_:b"], cap=10**6) == 3
    assert bounds.arrangements([f"_:b{i}" for i in range(7)], cap=10**6) == 5040
    assert bounds.arrangements([f"_:b{i}" for i in range(30)], cap=1000) == 1001


def test_labelling_copies_of_a_signed_credential_stays_within_a_budget_growing_with_the_document() -> None:
    """Copies of one embedded signed credential (as the Digital Leaders Club endorsement in every badge of a
    member): their proof graphs tie, and each copy costs a few steps, not 6! for its proof's six quads."""
    endorsement = {"@context": [model.VC_V2], "type": ["VerifiableCredential"], "id": "urn:uuid:e", "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2026-01-01T00:00:00Z",
        "verificationMethod": "did:key:z6Mk#z6Mk", "proofPurpose": "assertionMethod", "proofValue": "z5j"}}
    doc = {"@context": [model.VC_V2], "id": "urn:uuid:1", "type": ["VerifiablePresentation"],
           "verifiableCredential": [endorsement] * 20}
    dataset = jsonld.BUNDLED._to_rdf(doc)
    labelling = CountingLabelling(bounds.labelling_budget(dataset))
    labelling.main(dataset, {"format": "application/n-quads"})
    assert labelling.calls >= 20 and labelling.spent < bounds.labelling_budget(dataset)


def test_values_of_one_property_under_several_spellings_are_counted_together() -> None:
    context = {"ex": "https://example.org/", **{f"t{i}": TAG for i in range(4)}}
    doc = {"@context": [model.VC_V2, context], KNOWS: {"t0": ["a"] * 30, "t1": ["b"] * 30, "ex:tag": ["c"] * 30}}
    check_shape(doc)
    doc[KNOWS]["t2"] = ["d"] * 30
    assert "across the objects" in refusal(doc).detail


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3),
                              st.sampled_from(["@context", model.VC_V2, "@nest", "_:b0"])),
                    lambda children: st.one_of(st.lists(children, max_size=40),
                                               st.dictionaries(st.sampled_from(["@context", "id", "@id", "@nest", "a",
                                                                                "b", "nid", "ex:a"]),
                                                               children, max_size=5)), max_leaves=150)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(doc=JSON, ascii_only=st.booleans())
def test_what_the_quick_test_lets_through_is_within_the_limits(doc: Any, ascii_only: bool) -> None:
    small = bounds.Limits(depth=4, array=12, objects=5, values=30, contexts=2)
    if bounds.fits_surely(json.dumps(doc, ensure_ascii=ascii_only), doc, small):
        check_shape(doc, small)


def test_a_typical_credential_skips_the_walk_and_an_escaped_context_key_does_not() -> None:
    doc = {"@context": [model.VC_V2, model.OB_V3], "type": ["VerifiableCredential"], "name": "가"}
    assert bounds.fits_surely(json.dumps(doc, ensure_ascii=False), doc)
    hidden = '{"@context": [], "a": {"\\u0040context": ["x", "y", "z", "w", "v", "u", "t", "s", "r"]}}'
    assert not bounds.fits_surely(hidden, json.loads(hidden))


def test_an_empty_object_under_an_inline_context_is_within_the_limits() -> None:
    check_shape({"@context": [model.VC_V2, {"t": TAG}], "s": {}, "u": [{}, {"t": []}]})

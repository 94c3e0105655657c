"""A shape's matcher says exactly what badges.rdfc's skeleton would: same shape, same strings, same numbering."""
from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges import rdfc, shape_match
from badges.jsontext import to_json
from tests.badges.test_rdfc import FIXED, INLINE_CONTEXT, MAX_EXAMPLES, nodes, service_credential, twin_nodes


def skeleton(doc: Any) -> tuple[bytes, list[str]]:
    index: dict[str, int] = {}
    return to_json(rdfc._skeleton(doc, index)), list(index)


def matcher_of(doc: Any) -> shape_match.Matcher | None:
    return shape_match.matcher(rdfc._skeleton(doc, {}), structural=rdfc.STRUCTURAL_KEYS, placeholder=rdfc.PLACEHOLDER)


def agrees(match: shape_match.Matcher, first: Any, doc: Any) -> None:
    """The matcher of `first` takes `doc` exactly when their skeletons are the same, giving the same strings."""
    key, values = skeleton(doc)
    found = match(doc)
    if key == skeleton(first)[0]:
        assert found == values
    else:
        assert found is None


DOCS = st.one_of(nodes(2), st.lists(twin_nodes(2), min_size=1, max_size=3).map(lambda n: {"s": n}))


@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=FIXED, suppress_health_check=[HealthCheck.too_slow])
@given(first=DOCS, others=st.lists(DOCS, max_size=4))
def test_a_matcher_takes_exactly_the_documents_of_its_shape(first: dict[str, Any], others: list[dict[str, Any]]) -> None:
    first = {"@context": ["https://www.w3.org/ns/credentials/v2", INLINE_CONTEXT], **first}
    match = matcher_of(first)
    if match is None:
        return
    agrees(match, first, first)
    for other in others:
        agrees(match, first, {"@context": ["https://www.w3.org/ns/credentials/v2", INLINE_CONTEXT], **other})


def variants(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """`doc` with one thing changed each: a string, a number, a key's order, a type, a repeat broken or made."""
    out = []
    for change in (
            lambda d: d.__setitem__("name", "다른 이름"),
            lambda d: d["issuer"].__setitem__("name", "다른 기관"),  # the creator's name no longer the issuer's
            lambda d: d["credentialSubject"]["achievement"]["creator"].__setitem__("id", "did:web:other.example"),
            lambda d: d["credentialSubject"].__setitem__("name", d["name"]),  # a new repeat
            lambda d: d["credentialSubject"]["achievement"].__setitem__("ext:hours", 40.0),
            lambda d: d["credentialSubject"]["achievement"].__setitem__("ext:hours", True),
            lambda d: d["credentialSubject"]["achievement"].__setitem__("version", 1),
            lambda d: d.__setitem__("type", ["VerifiableCredential", "AchievementCredential"]),
            lambda d: d.__setitem__("@context", [*d["@context"][:2]]),
            lambda d: d["issuer"].__setitem__("type", "Profile"),
            lambda d: d.update({"id": d.pop("id")}),  # the same keys in another order
            lambda d: d["credentialSubject"]["identifier"].append(copy.deepcopy(d["credentialSubject"]["identifier"][0])),
            lambda d: d["credentialSubject"]["identifier"][0].__setitem__("hashed", "true"),
            lambda d: d["credentialStatus"].__setitem__("statusListIndex", "99"),  # only a string: same shape
    ):
        variant = copy.deepcopy(doc)
        change(variant)
        out.append(variant)
    return out


def test_a_credential_matcher_takes_its_siblings_and_refuses_every_other_shape() -> None:
    first = service_credential(1)
    match = matcher_of(first)
    assert match is not None
    for n in range(2, 5):
        sibling = service_credential(n)
        assert match(sibling) == skeleton(sibling)[1]
    taken = 0
    for variant in variants(first):
        agrees(match, first, variant)
        taken += match(variant) is not None
    assert taken == 1  # only the new status index


def test_a_dict_or_str_subclass_is_left_to_the_skeleton() -> None:
    class Text(str):
        pass

    first = service_credential(1)
    match = matcher_of(first)
    assert match is not None
    doc = service_credential(1)
    doc["name"] = Text(doc["name"])
    assert match(doc) is None


def restrung(node: Any, draw: Any) -> Any:
    """`node` with its non-structural strings drawn anew from a few (so repeats come and go)."""
    if isinstance(node, dict):
        return {k: v if k in rdfc.STRUCTURAL_KEYS else restrung(v, draw) for k, v in node.items()}
    if isinstance(node, list):
        return [restrung(v, draw) for v in node]
    if isinstance(node, str):
        return draw(st.sampled_from(["a", "b", node, "http://n.example/1"]))
    return node


@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=FIXED, suppress_health_check=[HealthCheck.too_slow])
@given(first=DOCS, data=st.data())
def test_a_matcher_takes_the_same_shape_with_other_strings_exactly_when_the_repeats_agree(
        first: dict[str, Any], data: st.DataObject) -> None:
    first = {"@context": ["https://www.w3.org/ns/credentials/v2", INLINE_CONTEXT], **first}
    match = matcher_of(first)
    if match is None:
        return
    for _ in range(3):
        agrees(match, first, restrung(first, data.draw))


def test_a_shape_too_large_to_compile_cheaply_gets_no_matcher() -> None:
    def skeleton(leaves: int) -> dict[str, Any]:
        return {"@context": ["https://www.w3.org/ns/credentials/v2"],
                "items": [{f"k{i}": f"{rdfc.PLACEHOLDER}{i}"} for i in range(leaves)]}

    assert shape_match.matcher(skeleton(100), structural=rdfc.STRUCTURAL_KEYS, placeholder=rdfc.PLACEHOLDER)
    assert shape_match.matcher(skeleton(1000), structural=rdfc.STRUCTURAL_KEYS, placeholder=rdfc.PLACEHOLDER) is None

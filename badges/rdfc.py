"""Fast RDFC-1.0 canonical N-Quads, byte-identical to pyld's, for documents that share a shape.

pyld spends ~5 ms a credential re-processing the same large contexts. Documents issued and verified here
come in few shapes (the same keys, types and contexts, different strings), so pyld runs once per shape on
a copy whose strings are replaced by placeholder IRIs; its quads become a template whose slots are
filled with each document's strings. RDFC-1.0 (§4.4) then labels the blank nodes; when first-degree
hashes tie (rare: two blank nodes saying exactly the same), pyld canonicalizes the document instead.

A string only fills a slot when pyld would have treated it exactly as the placeholder: an IRI slot takes
an absolute IRI that no term or prefix could rewrite; a literal slot takes any string, except where the
datatype would make pyld rewrite it (xsd:double). A string that does not fit is "pinned": it becomes part
of the shape and pyld learns a template with the real string in place (so `"proofPurpose":
"assertionMethod"`, expanded against the vocabulary, costs pyld once, not every time). Shapes pyld cannot
template at all (JSON literals, placeholders in language tags...) go through pyld itself. tests/badges/test_rdfc.py
compares both on generated documents.
"""
from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyld.jsonld import JsonLdError
from pyld.nquads import escape

from badges.jsontext import to_json

JsonObject = dict[str, Any]
PLACEHOLDER = "urn:x-rdfc-slot:"
PLACEHOLDER_BYTES = PLACEHOLDER.encode()
STRUCTURAL_KEYS = frozenset({"@context", "@type", "type", "@language", "@direction", "@base", "@vocab",
                             "@container", "@index", "@json"})
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")  # pyld's test, without its '_:' case
IRI_SLOT, LITERAL_SLOT, DOUBLE_SLOT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Slot:
    index: int
    kind: int
    suffix: str = ""  # after the closing quote of a literal: ^^<datatype> or @lang


Component = str | _Slot


@dataclass(frozen=True, slots=True)
class _Template:
    quads: tuple[tuple[Component, Component, Component, Component], ...]
    terms: frozenset[str]  # every term or prefix a context of this shape defines
    plain: dict[str, bool] = field(default_factory=dict)  # memo of _plain_iri for this template


@dataclass(slots=True)
class _Shape:
    """What is known of one document shape: which strings must be part of the key ("pinned", e.g. a value
    pyld expands against the vocabulary), and a template for each combination of pinned strings."""

    pinned: frozenset[int]
    templates: dict[tuple[str, ...], _Template | None]


class Canonicalizer:
    """Canonical N-Quads through per-shape templates; `slow` is pyld's canonicalization (the reference)."""

    def __init__(self, *, to_rdf: Callable[[JsonObject], dict[str, Any]], slow: Callable[[JsonObject], str],
                 terms: frozenset[str], max_shapes: int = 256, max_templates: int = 64) -> None:
        self._to_rdf = to_rdf
        self._slow = slow
        self._terms = terms
        self._max_shapes = max_shapes
        self._max_templates = max_templates
        self._shapes: OrderedDict[bytes, _Shape] = OrderedDict()

    def __call__(self, doc: JsonObject) -> str:
        """RDFC-1.0 canonical N-Quads of `doc`; raises what pyld raises for documents it refuses."""
        values: list[str] = []
        skeleton = _skeleton(doc, values)
        key = to_json(skeleton)
        if key.count(PLACEHOLDER_BYTES) != len(values) or any(PLACEHOLDER in value for value in values):
            return self._slow(doc)  # a string of the document itself looks like a placeholder: only pyld can tell
        shape = self._shape(key)
        while True:
            pins = tuple(values[i] for i in sorted(shape.pinned))
            if pins not in shape.templates:
                if len(shape.templates) >= self._max_templates:
                    return self._slow(doc)
                shape.templates[pins] = self._learn(_pin(skeleton, shape.pinned, values), doc)
            template = shape.templates[pins]
            if template is None:
                return self._slow(doc)
            filled = _fill(template, values)
            if isinstance(filled, int):  # this string must be seen by pyld itself: pin it and learn again
                if filled in shape.pinned:  # pinned already, yet it still does not fit: never loop, ask pyld
                    return self._slow(doc)
                shape.pinned |= {filled}
                continue
            if len(set(filled)) != len(filled):  # the same quad twice: pyld keeps some repeats (an empty list
                return self._slow(doc)           # twice) and merges others (a repeated value), so it decides
            return _label(filled) or self._slow(doc)

    def _shape(self, key: bytes) -> _Shape:
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = _Shape(frozenset(), {})
            if len(self._shapes) > self._max_shapes:
                self._shapes.popitem(last=False)
        else:
            self._shapes.move_to_end(key)
        return shape

    def _learn(self, skeleton: Any, doc: JsonObject) -> _Template | None:
        try:
            dataset = self._to_rdf(skeleton)
        except JsonLdError:  # the placeholders can fail where the real strings would not: ask pyld
            return None
        quads = []
        for graph, triples in dataset.items():
            for triple in triples:
                name = {"type": "blank node" if graph.startswith("_:") else "IRI", "value": graph}
                parts = (_component(triple["subject"]), _component(triple["predicate"]),
                         _component(triple["object"]), "" if graph == "@default" else _component(name))
                if any(p is None for p in parts):
                    return None
                quads.append(parts)
        return _Template(tuple(quads), self._terms | _inline_terms(doc))  # type: ignore[arg-type]


def _skeleton(node: Any, values: list[str]) -> Any:
    """A copy of `node` with every fillable string replaced by a numbered placeholder IRI."""
    if isinstance(node, dict):
        return {k: (v if k in STRUCTURAL_KEYS else _skeleton(v, values)) for k, v in node.items()}
    if isinstance(node, list):
        return [_skeleton(v, values) for v in node]
    if isinstance(node, str):
        values.append(node)
        return f"{PLACEHOLDER}{len(values) - 1}"
    return node


def _pin(node: Any, pinned: frozenset[int], values: list[str]) -> Any:
    """The skeleton with the pinned placeholders put back to their real strings."""
    if not pinned:
        return node
    if isinstance(node, dict):
        return {k: (v if k in STRUCTURAL_KEYS else _pin(v, pinned, values)) for k, v in node.items()}
    if isinstance(node, list):
        return [_pin(v, pinned, values) for v in node]
    if isinstance(node, str) and node.startswith(PLACEHOLDER) and int(node[len(PLACEHOLDER):]) in pinned:
        return values[int(node[len(PLACEHOLDER):])]
    return node


def _component(term: dict[str, Any] | None) -> Component | None:
    """One quad component as N-Quads text, or a slot; None when a placeholder sits inside other text
    (or pyld produced no term at all, as it does for a list holding a node with an invalid id)."""
    if not isinstance(term, dict):
        return None
    kind, value = term["type"], term["value"]
    if kind == "IRI":
        if value.startswith(PLACEHOLDER):
            return _Slot(int(value[len(PLACEHOLDER):]), IRI_SLOT) if value[len(PLACEHOLDER):].isdigit() else None
        return f"<{value}>"
    if kind == "blank node":
        return value
    datatype, language = term.get("datatype", XSD_STRING), term.get("language")
    suffix = f"@{language}" if datatype == RDF_LANGSTRING and language else \
        "" if datatype in (XSD_STRING, RDF_LANGSTRING) else f"^^<{datatype}>"
    if PLACEHOLDER in suffix:
        return None
    if value.startswith(PLACEHOLDER) and value[len(PLACEHOLDER):].isdigit():
        return _Slot(int(value[len(PLACEHOLDER):]), DOUBLE_SLOT if datatype == XSD_DOUBLE else LITERAL_SLOT,
                     suffix)
    if PLACEHOLDER in value:
        return None
    return f'"{escape(value)}"{suffix}'


def _inline_terms(node: Any) -> frozenset[str]:
    """Keys of every context object embedded in the document (they may define prefixes)."""
    found: set[str] = set()

    def walk(n: Any, in_context: bool) -> None:
        if isinstance(n, dict):
            if in_context:
                found.update(n)
            for k, v in n.items():
                walk(v, in_context or k == "@context")
        elif isinstance(n, list):
            for v in n:
                walk(v, in_context)
    walk(node, False)
    return frozenset(found)


Quad = tuple[str, str, str, str]


def _fill(template: _Template, values: list[str]) -> list[Quad] | int:
    """The template's quads with `values` in the slots, or the index of a value that does not fit."""
    plain = template.plain
    filled: list[Quad] = []
    for quad in template.quads:
        parts: list[str] = []
        for part in quad:
            if part.__class__ is str:
                parts.append(part)  # type: ignore[arg-type]
                continue
            value = values[part.index]  # type: ignore[union-attr]
            if part.kind == IRI_SLOT:  # type: ignore[union-attr]
                ok = plain.get(value)
                if ok is None:
                    if len(plain) > 4096:  # bounded: most IRIs (credential ids) are seen once
                        plain.clear()
                    ok = plain[value] = _plain_iri(value, template.terms)
                if not ok:
                    return part.index  # type: ignore[union-attr]
                parts.append(f"<{value}>")
            elif part.kind == DOUBLE_SLOT and _is_float(value):  # type: ignore[union-attr]
                return part.index  # type: ignore[union-attr]
            else:
                parts.append(f'"{escape(value)}"{part.suffix}')  # type: ignore[union-attr]
        filled.append((parts[0], parts[1], parts[2], parts[3]))
    return filled


def _plain_iri(value: str, terms: frozenset[str]) -> bool:
    """True when JSON-LD expansion would keep `value` exactly as it is, as pyld keeps a placeholder."""
    if not ABSOLUTE_IRI.match(value) or value in terms:
        return False
    return value.partition(":")[0] not in terms


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def _label(quads: list[Quad]) -> str | None:
    """RDFC-1.0 §4.4 when every blank node's first-degree hash is unique; None when some tie."""
    mentions: dict[str, list[Quad]] = {}
    lines: list[str] = []
    for quad in quads:
        s, p, o, g = quad
        if s[0] == "_" or o[0] == "_" or (g and g[0] == "_"):
            for node in (s, o, g):  # once per position, as pyld counts it: `_:x p _:x` hashes twice for _:x
                if node and node[0] == "_":
                    mentions.setdefault(node, []).append(quad)
        else:
            lines.append(_line(s, p, o, g))
    by_hash: dict[str, str] = {}
    for node, mentioned in mentions.items():  # §4.6 Hash First Degree Quads: itself _:a, others _:z
        first = sorted(_line("_:a" if s == node else "_:z" if s[0] == "_" else s, p,
                             "_:a" if o == node else "_:z" if o[0] == "_" else o,
                             "_:a" if g == node else "_:z" if g and g[0] == "_" else g) for s, p, o, g in mentioned)
        digest = hashlib.sha256("".join(first).encode()).hexdigest()
        if digest in by_hash:
            return None
        by_hash[digest] = node
    canonical = {node: f"_:c14n{i}" for i, (_, node) in enumerate(sorted(by_hash.items()))}
    done: set[Quad] = set()
    for mentioned in mentions.values():
        for quad in mentioned:
            if quad not in done:
                done.add(quad)
                s, p, o, g = quad
                lines.append(_line(canonical.get(s, s), p, canonical.get(o, o), canonical.get(g, g) if g else g))
    lines.sort()
    return "".join(lines)

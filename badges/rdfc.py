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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cmp_to_key
from operator import itemgetter
from typing import Any, cast

from pyld.jsonld import JsonLdError

from badges.jsontext import to_json

JsonObject = dict[str, Any]
PLACEHOLDER = "urn:x-rdfc-slot:"
PLACEHOLDER_BYTES = PLACEHOLDER.encode()
STRUCTURAL_KEYS = frozenset({"@context", "@type", "type", "@language", "@direction", "@base", "@vocab",
                             "@container", "@index", "@json"})
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# pyld's test, without its '_:' case, ending at the end of the text: `$` would also accept a final line break, an
# IRI that RDF does not allow (the JavaScript reference drops it) and that the line-based fast path cannot hold.
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*\Z")
# Characters an IRI may not hold that an absolute IRI's test lets through: RDFC-1.0 escapes them (\\u003C ...),
# pyld writes them as they are, so a document holding one is left to pyld.
IRI_ESCAPED = re.compile(r'[\x00-\x20<>"{}|^`\\]')
IRI_SLOT, LITERAL_SLOT, DOUBLE_SLOT = 0, 1, 2
STATIC_ORDER_LINES = 64  # texts with more lines are sorted when filled (deciding their order costs n^2 once)


@dataclass(frozen=True, slots=True)
class _Slot:
    index: int
    kind: int
    suffix: str = ""  # after the closing quote of a literal: ^^<datatype> or @lang


Component = str | _Slot
Quad = tuple[Component, Component, Component, Component]


@dataclass(frozen=True, slots=True)
class _Template:
    """A shape's quads, compiled (see _compile)."""

    slots: tuple[_Slot, ...]  # each distinct slot once, in the order of the pool the texts are filled from
    hashing: tuple[_Text, ...]  # per blank node, the lines of its first-degree hash
    output: _Text  # every line, blank nodes by their canonical labels
    twins: bool  # two different lines could come out equal: the filled lines are compared
    distinct: int  # how many different lines (pyld keeps a quad it makes twice, e.g. two empty lists' rdf:nil)
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
        return self.encoded(doc).decode()

    def encoded(self, doc: JsonObject) -> bytes:
        """The canonical N-Quads as UTF-8 (what a proof hashes); UnicodeEncodeError for a document holding text
        that is not Unicode (a lone surrogate)."""
        index: dict[str, int] = {}
        count = [0]
        skeleton = _skeleton(doc, index, count)
        values = list(index)
        key = to_json(skeleton)
        if key.count(PLACEHOLDER_BYTES) != count[0] or PLACEHOLDER in "\0".join(values):
            return self._slow(doc).encode()  # a string of the document itself looks like a placeholder
        shape = self._shape(key)
        while True:
            pins = tuple(values[i] for i in sorted(shape.pinned))
            if pins not in shape.templates:
                if len(shape.templates) >= self._max_templates:
                    return self._slow(doc).encode()
                shape.templates[pins] = self._learn(_pin(skeleton, shape.pinned, values), doc)
            template = shape.templates[pins]
            if template is None:
                return self._slow(doc).encode()
            rendered = _render(template, values)
            if isinstance(rendered, frozenset):  # strings pyld must see itself: pin them all, learn once more
                if rendered & shape.pinned:  # pinned already, yet still not fitting: never loop, ask pyld
                    return self._slow(doc).encode()
                shape.pinned |= rendered
                continue
            return _label(template, rendered) or self._slow(doc).encode()

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
        quads: list[Quad] = []
        for graph, triples in dataset.items():
            for triple in triples:
                name = {"type": "blank node" if graph.startswith("_:") else "IRI", "value": graph}
                parts = (_component(triple["subject"]), _component(triple["predicate"]),
                         _component(triple["object"]), "" if graph == "@default" else _component(name))
                if any(p is None for p in parts):
                    return None
                quads.append(cast(Quad, parts))
        return _compile(quads, self._terms | context_terms(doc))


def _skeleton(node: Any, index: dict[str, int], count: list[int]) -> Any:
    """A copy of `node` with every fillable string replaced by a numbered placeholder IRI: one per distinct string
    (`index`, in order of first appearance), so pyld sees equal strings as equal, as it would see the real ones
    (two mentions of one named node merge, a value given twice is kept once); `count` counts the replacements."""
    if isinstance(node, dict):
        copy = {}
        for key, value in node.items():  # the strings of an object are handled here: a call each costs twice
            if key in STRUCTURAL_KEYS:
                copy[key] = value
            elif isinstance(value, str):
                number = index.get(value)
                if number is None:
                    number = index[value] = len(index)
                copy[key] = _placeholder(number)
                count[0] += 1
            else:
                copy[key] = _skeleton(value, index, count) if isinstance(value, (dict, list)) else value
        return copy
    if isinstance(node, list):
        return [_skeleton(v, index, count) for v in node]
    if isinstance(node, str):
        number = index.get(node)
        if number is None:
            number = index[node] = len(index)
        count[0] += 1
        return _placeholder(number)
    return node


def _placeholder(index: int) -> str:
    return _PLACEHOLDERS[index] if index < len(_PLACEHOLDERS) else f"{PLACEHOLDER}{index}"


_PLACEHOLDERS = [f"{PLACEHOLDER}{i}" for i in range(256)]


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
        return None if IRI_ESCAPED.search(value) else f"<{value}>"  # a line break would split the line
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


def context_terms(node: Any) -> frozenset[str]:
    """Keys of every context object in `node`, scoped ones included: the terms and prefixes those contexts define
    (of a document's embedded contexts, or of a context document itself)."""
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


# RDFC-1.0 writes a literal as RDF 1.2 N-Quads' canonical form does: \\b \\t \\n \\f \\r \\" \\\\ as ECHAR, every
# other control character as \\u00XX (upper-case hex). pyld escapes only five of these (the JavaScript reference
# and the spec escape all), so badges.jsonld gives pyld this function too.
_LITERAL_ESCAPES = {c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F)} | {
    ord("\b"): "\\b", ord("\t"): "\\t", ord("\n"): "\\n", ord("\f"): "\\f", ord("\r"): "\\r", ord('"'): '\\"',
    ord("\\"): "\\\\"}
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


def escape(value: str) -> str:
    """A literal's text as RDFC-1.0's canonical N-Quads write it between the quotes."""
    return value.translate(_LITERAL_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


Token = bytes | tuple[int, int]  # constant text, or (index into the pool, the first byte it is known to start with)


@dataclass(frozen=True, slots=True)
class _Text:
    """Lines of N-Quads with fields: `text % fields(pool)` fills them in, the pool holding the rendered slots
    and then the blank nodes' labels."""

    text: bytes
    fields: Callable[[list[bytes]], Any]
    in_order: bool  # the lines come out in canonical order whatever fills them

    def fill(self, pool: list[bytes]) -> bytes:
        return self.text % self.fields(pool)

    def split(self, pool: list[bytes]) -> list[bytes]:
        """The filled lines without their line breaks (no filled slot holds one: IRI slots take no white
        space, literals are escaped)."""
        lines = self.fill(pool).split(b"\n")
        lines.pop()
        return lines

    def sorted(self, pool: list[bytes]) -> bytes:
        """The filled lines in canonical order."""
        return self.fill(pool) if self.in_order else _sorted(self.split(pool))


def _sorted(lines: list[bytes]) -> bytes:
    """Lines in RDFC-1.0's order, each ending in a line break: code point order (UTF-8 keeps it), counting the
    line break, which only matters where one line is the start of another."""
    lines.sort()
    if any(map(bytes.startswith, lines[1:], lines[:-1])):
        return b"".join(sorted(line + b"\n" for line in lines))
    return b"\n".join(lines) + b"\n" if lines else b""


def _compile(quads: list[Quad], terms: frozenset[str]) -> _Template:
    """The template's quads as texts to fill: each distinct slot rendered once into a pool, blank node labels
    after the slots; each blank node's first-degree hash lines (§4.6) with itself as _:a, the others as _:z."""
    slots = tuple(dict.fromkeys(c for quad in quads for c in quad if isinstance(c, _Slot)))
    named = [q for q in quads if any(_is_blank(c) for c in q)]
    nodes = list(dict.fromkeys(c for quad in named for c in quad if _is_blank(c)))
    index = {slot: i for i, slot in enumerate(slots)} | {node: len(slots) + j for j, node in enumerate(nodes)}

    def tokens(quad: tuple[Component, ...], hashing: Component | None = None) -> list[Token]:
        out: list[Token] = []
        for c in quad:
            if isinstance(c, _Slot):
                out.append((index[c], ord("<" if c.kind == IRI_SLOT else '"')))
            elif _is_blank(c) and hashing is None:
                out.append((index[c], ord("_")))
            elif c:
                out.append(("_:a" if c == hashing else "_:z" if _is_blank(c) else c).encode())
            out.append(b" ")
        if quad[3] == "":
            out.pop()
        out[-1] = b" .\n"
        return out

    ground = [q for q in quads if not any(_is_blank(c) for c in q)]
    mentions: dict[Component, list[tuple[Component, ...]]] = {node: [] for node in nodes}
    for q in named:  # a quad naming a node twice (as subject and object) is one of its lines twice
        for c in (q[0], q[2], q[3]):
            if _is_blank(c):
                mentions[c].append(q)
    hashing = tuple(_text([tokens(q, node) for q in mentions[node]]) for node in nodes)
    order = ground + named  # the output's lines before sorting
    return _Template(slots, hashing, _text([tokens(q) for q in order]), _may_repeat(order), len(set(order)), terms)


def _may_repeat(order: Sequence[tuple[Component, ...]]) -> bool:
    """Whether two different quads could come out as the same line (a slot filled with what a constant says:
    pyld, seeing them equal, would have kept one). Quads that are the same already stay two lines, as pyld kept
    them. Deciding it compares every pair, so past STATIC_ORDER_LINES quads (whose text is sorted when filled
    anyway) it is assumed, and _label compares the filled lines instead: a hostile document of thousands of quads
    must not cost millions of comparisons."""
    if len(order) > STATIC_ORDER_LINES:
        return True
    return any(order[a] != order[b] and all(_may_equal(x, y) for x, y in zip(order[a], order[b]))
               for a in range(len(order)) for b in range(a + 1, len(order)))


def _text(lines: list[list[Token]]) -> _Text:
    """The lines as one text to fill, put in canonical order already when that order cannot depend on what
    fills them."""
    units = [_units(line) for line in lines]
    in_order = len(lines) <= STATIC_ORDER_LINES and all(
        _static_order(a, b) is not None for i, a in enumerate(units) for b in units[i + 1:])
    if in_order:
        def compare(i: int, j: int) -> int:
            return _static_order(units[i], units[j]) or 0
        by_units = sorted(range(len(lines)), key=cmp_to_key(compare))
        lines = [lines[i] for i in by_units]
    text = b"".join(t.replace(b"%", b"%%") if isinstance(t, bytes) else b"%s" for line in lines for t in line)
    fields = [t[0] for line in lines for t in line if isinstance(t, tuple)]
    getter = itemgetter(*fields) if fields else lambda pool: ()
    return _Text(text, getter, in_order)


def _static_order(x: list[int | tuple[int, int]], y: list[int | tuple[int, int]]) -> int | None:
    """-1 or 1 when line `x` sorts before or after line `y` whatever fills their fields, 0 when they are the same
    line, None when that depends on the fields. A field is the same text as itself, and starts with a known byte."""
    for u, v in zip(x, y):
        if u == v:
            continue
        first_u, first_v = (u if isinstance(u, int) else u[1]), (v if isinstance(v, int) else v[1])
        if first_u != first_v:
            return -1 if first_u < first_v else 1
        return None
    return (len(x) > len(y)) - (len(x) < len(y))


def _units(line: list[Token]) -> list[int | tuple[int, int]]:
    """A line as its bytes (ints) and fields."""
    return [u for t in line for u in (t if isinstance(t, bytes) else [t])]


def _is_blank(c: Component) -> bool:
    return isinstance(c, str) and c[:1] == "_"


def _may_equal(x: Component, y: Component) -> bool:
    """Whether two quad components could come out as the same text once filled."""
    if isinstance(x, str) and isinstance(y, str):
        return x == y
    if isinstance(x, _Slot) and isinstance(y, _Slot):
        return (x.kind == IRI_SLOT) == (y.kind == IRI_SLOT)
    slot, text = (x, y) if isinstance(x, _Slot) else (y, x)
    assert isinstance(slot, _Slot) and isinstance(text, str)  # one of each, the cases above being excluded
    return text[:1] == ("<" if slot.kind == IRI_SLOT else '"')


def _render(template: _Template, values: list[str]) -> list[bytes] | frozenset[int]:
    """The UTF-8 text of each slot of the template with `values` in it, or the indexes of the values that do
    not fit (all of them: pinning one at a time would cost pyld once per string, which a document of a hundred
    relative IRIs turns into seconds); UnicodeEncodeError for a value that is not Unicode text (a lone surrogate)."""
    plain = template.plain
    rendered: list[bytes] = []
    misfits: list[int] = []
    for slot in template.slots:
        value = values[slot.index]
        if slot.kind == IRI_SLOT:
            ok = plain.get(value)
            if ok is None:
                if len(plain) > 4096:  # bounded: most IRIs (credential ids) are seen once
                    plain.clear()
                ok = plain[value] = _plain_iri(value, template.terms)
            if not ok:
                misfits.append(slot.index)
                continue
            rendered.append(f"<{value}>".encode())
        elif slot.kind == DOUBLE_SLOT and _is_float(value):
            misfits.append(slot.index)
        else:
            rendered.append(f'"{escape(value)}"{slot.suffix}'.encode())
    return frozenset(misfits) if misfits else rendered


def _plain_iri(value: str, terms: frozenset[str]) -> bool:
    """True when JSON-LD expansion would keep `value` exactly as it is, as pyld keeps a placeholder."""
    if not ABSOLUTE_IRI.match(value) or value in terms or IRI_ESCAPED.search(value):
        return False
    return value.partition(":")[0] not in terms


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _label(template: _Template, rendered: list[bytes]) -> bytes | None:
    """RDFC-1.0 §4.4 when every blank node's first-degree hash is unique and no two different quads of the template
    come out the same; None otherwise (pyld decides ties, and would have merged those quads)."""
    by_hash: dict[str, int] = {}
    for node, text in enumerate(template.hashing):
        digest = hashlib.sha256(text.sorted(rendered)).hexdigest()
        if digest in by_hash:
            return None
        by_hash[digest] = node
    labels = [b""] * len(by_hash)
    for i, (_, node) in enumerate(sorted(by_hash.items())):
        labels[node] = b"_:c14n%d" % i
    pool = rendered + labels
    if not template.twins:
        return template.output.sorted(pool)
    lines = template.output.split(pool)
    if len(set(lines)) < template.distinct:  # two different lines came out equal, which pyld would have merged
        return None
    return _sorted(lines)

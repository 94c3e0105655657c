"""Fast RDFC-1.0 canonical N-Quads, byte-identical to pyld's, for documents that share a shape.

pyld spends ~5 ms a credential re-processing the same large contexts. Documents issued and verified here
come in few shapes (the same keys, types and contexts, different strings), so pyld runs once per shape on
a copy whose strings are replaced by placeholder IRIs; its quads become a template whose slots are
filled with each document's strings. RDFC-1.0 (§4.4) then labels the blank nodes; when first-degree
hashes tie (rare: two blank nodes saying exactly the same), pyld canonicalizes the document instead.

Each distinct string gets one placeholder, so which strings are equal is part of the shape: pyld sees the copy's
repeats where the document has them, and its quads are the document's. A named node given twice (a credential's
issuer Profile, again as its achievement's creator) is merged, a value given twice is kept once, and what pyld keeps
twice stays twice (two empty lists' rdf:nil, two blank nodes, two lists). Two different slots never fill to the same
line; a slot and a pinned string can, and then pyld decides (it would have merged them). A shape seen twice gets
a matcher (badges.shape_match) that recognises its documents without building the copy.

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
from dataclasses import dataclass
from functools import cmp_to_key
from operator import itemgetter
from typing import Any, cast

from pyld.jsonld import JsonLdError

from badges import shape_match
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
RECENT_SHAPES = 4  # shapes whose matchers are tried before a skeleton is made
SEEN_PER_SLOT = 256  # rendered texts a slot remembers (fewer than bench_proofs.py cycles through: no flattery)


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
    seen: tuple[dict[str, bytes], ...]  # per slot, the texts it rendered for the strings that fit it
    values: Callable[[Sequence[Any]], Sequence[Any]]  # the strings of the slots, in order, from the document's strings


@dataclass(slots=True)
class _Shape:
    """What is known of one document shape: which strings must be part of the key ("pinned", e.g. a value
    pyld expands against the vocabulary), and a template for each combination of pinned strings."""

    pinned: frozenset[int]
    templates: dict[tuple[str, ...], _Template | None]
    order: tuple[int, ...] = ()  # the pinned strings' numbers in order
    foreign: bool = False  # the documents' own keys or structural values hold a placeholder's text: ask pyld
    match: shape_match.Matcher | None = None  # recognises a document of this shape, listing its strings
    tried: bool = False  # a matcher was made (or could not be)


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
        self._recent: tuple[_Shape, ...] = ()  # shapes with a matcher, the latest first

    def __call__(self, doc: JsonObject) -> str:
        """RDFC-1.0 canonical N-Quads of `doc`; raises what pyld raises for documents it refuses."""
        return self.encoded(doc).decode()

    def encoded(self, doc: JsonObject) -> bytes:
        """The canonical N-Quads as UTF-8 (what a proof hashes); UnicodeEncodeError for a document holding text
        that is not Unicode (a lone surrogate)."""
        skeleton: Any = None
        for shape in self._recent:  # a shape seen lately recognises its documents without the skeleton's copy
            values = shape.match(doc) if shape.match is not None else None
            if values is not None:
                if shape is not self._recent[0]:
                    self._recent = (shape, *(s for s in self._recent if s is not shape))
                break
        else:
            index: dict[str, int] = {}
            skeleton = _skeleton(doc, index)
            values = list(index)
            shape = self._shape(to_json(skeleton), doc, skeleton)
        if shape.foreign or PLACEHOLDER in "\0".join(values):
            return self._slow(doc).encode()  # a string of the document itself looks like a placeholder
        while True:
            pins = tuple([values[i] for i in shape.order])
            if pins not in shape.templates:
                if len(shape.templates) >= self._max_templates:
                    return self._slow(doc).encode()
                if skeleton is None:
                    skeleton = _skeleton(doc, {})
                shape.templates[pins] = self._learn(_pin(skeleton, shape.pinned, values), doc)
            template = shape.templates[pins]
            if template is None:
                return self._slow(doc).encode()
            rendered = _render(template, values)
            if isinstance(rendered, frozenset):  # strings pyld must see itself: pin them all, learn once more
                if rendered & shape.pinned:  # pinned already, yet still not fitting: never loop, ask pyld
                    return self._slow(doc).encode()
                shape.pinned |= rendered
                shape.order = tuple(sorted(shape.pinned))
                continue
            return _label(template, rendered) or self._slow(doc).encode()

    def _shape(self, key: bytes, doc: JsonObject, skeleton: Any) -> _Shape:
        shape = self._shapes.get(key)
        if shape is None:
            # the placeholders in the key are the strings _skeleton replaced, unless the document's own keys or
            # structural values hold one: decided once for every document of the shape (the key says where)
            shape = self._shapes[key] = _Shape(frozenset(), {}, foreign=key.count(PLACEHOLDER_BYTES) != _strings(doc))
            if len(self._shapes) > self._max_shapes:
                self._shapes.popitem(last=False)
            return shape
        self._shapes.move_to_end(key)
        if shape.match is None and not shape.foreign and not shape.tried:  # seen twice: worth a matcher
            shape.tried = True
            shape.match = shape_match.matcher(skeleton, structural=STRUCTURAL_KEYS, placeholder=PLACEHOLDER)
        if shape.match is not None:
            self._recent = (shape, *(s for s in self._recent if s is not shape))[:RECENT_SHAPES]
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


def _skeleton(node: Any, index: dict[str, int]) -> Any:
    """A copy of `node` with every fillable string replaced by a numbered placeholder IRI: one per distinct string
    (`index`, in order of first appearance), so pyld sees equal strings as equal, as it would see the real ones
    (two mentions of one named node merge, a value given twice is kept once)."""
    if isinstance(node, dict):
        return _object_skeleton(node, index)
    if isinstance(node, list):
        return [_skeleton(v, index) for v in node]
    if isinstance(node, str):
        return _placeholder(index.setdefault(node, len(index)))
    return node


def _strings(node: Any) -> int:
    """How many strings _skeleton replaces in `node`."""
    if isinstance(node, dict):
        return sum(_strings(v) for k, v in node.items() if k not in STRUCTURAL_KEYS)
    if isinstance(node, list):
        return sum(_strings(v) for v in node)
    return 1 if isinstance(node, str) else 0


def _object_skeleton(node: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
    """_skeleton of an object, with its strings, objects and lists of strings handled here (a call each would cost
    as much as the rest: this runs for every document signed or verified); anything else, such as a subclass of
    str, goes through _skeleton."""
    copy = {}
    for key, value in node.items():
        kind = value.__class__
        if key in STRUCTURAL_KEYS:
            copy[key] = value
        elif kind is str:
            number = index.setdefault(value, len(index))
            copy[key] = _PLACEHOLDERS[number] if number < PLACEHOLDERS else _placeholder(number)
        elif kind is dict:
            copy[key] = _object_skeleton(value, index)
        elif kind is list:
            items = []
            for item in value:
                if item.__class__ is str:
                    number = index.setdefault(item, len(index))
                    items.append(_PLACEHOLDERS[number] if number < PLACEHOLDERS else _placeholder(number))
                else:
                    items.append(_skeleton(item, index))
            copy[key] = items
        elif kind in _SCALARS:
            copy[key] = value
        else:
            copy[key] = _skeleton(value, index)
    return copy


_SCALARS = frozenset({int, float, bool, type(None)})


def _placeholder(number: int) -> str:
    return _PLACEHOLDERS[number] if number < PLACEHOLDERS else f"{PLACEHOLDER}{number}"


PLACEHOLDERS = 1024  # made once
_PLACEHOLDERS = [f"{PLACEHOLDER}{i}" for i in range(PLACEHOLDERS)]


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

    def lines(self, pool: list[bytes]) -> list[bytes]:
        """The filled lines, each with its line break (no filled slot holds a line break or a carriage return:
        IRI slots take no white space, literals are escaped)."""
        return self.fill(pool).splitlines(keepends=True)

    def sorted(self, pool: list[bytes]) -> bytes:
        """The filled lines in canonical order: code point order (UTF-8 keeps it) of the lines with their line
        breaks, which only matter where one line is the start of another."""
        if self.in_order:
            return self.fill(pool)
        lines = self.lines(pool)
        lines.sort()
        return b"".join(lines)


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
    return _Template(slots, hashing, _text([tokens(q) for q in order]), _may_repeat(order), len(set(order)), terms,
                     tuple({} for _ in slots), _getter([slot.index for slot in slots]))


def _getter(positions: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function of a list giving the items at `positions` as a sequence (operator.itemgetter gives one item
    itself, not in a tuple)."""
    if len(positions) == 1:
        position = positions[0]
        return lambda items: (items[position],)
    return itemgetter(*positions) if positions else lambda items: ()


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
    return _Text(text, _getter([t[0] for line in lines for t in line if isinstance(t, tuple)]), in_order)


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
    """Whether two quad components could come out as the same text once filled. Two different slots cannot: each
    holds another of the document's distinct strings, as an IRI <...> or a literal "..." (escaped) with its suffix."""
    if isinstance(x, str) and isinstance(y, str):
        return x == y
    if isinstance(x, _Slot) and isinstance(y, _Slot):
        return x == y
    slot, text = (x, y) if isinstance(x, _Slot) else (y, x)
    assert isinstance(slot, _Slot) and isinstance(text, str)  # one of each, the cases above being excluded
    return text[:1] == ("<" if slot.kind == IRI_SLOT else '"')


def _render(template: _Template, values: list[str]) -> list[bytes] | frozenset[int]:
    """The UTF-8 text of each slot of the template with `values` in it, or the indexes of the values that do
    not fit (all of them: pinning one at a time would cost pyld once per string, which a document of a hundred
    relative IRIs turns into seconds); UnicodeEncodeError for a value that is not Unicode text (a lone surrogate).
    Each slot remembers the texts it rendered: most of a shape's strings (the issuer, the achievement) come back in
    every document."""
    rendered = list(map(dict.get, template.seen, template.values(values)))
    if None not in rendered:
        return cast(list[bytes], rendered)
    misfits: list[int] = []
    for position, (slot, seen) in enumerate(zip(template.slots, template.seen)):
        if rendered[position] is not None:
            continue
        value = values[slot.index]
        if slot.kind == IRI_SLOT:
            if not _plain_iri(value, template.terms):
                misfits.append(slot.index)
                continue
            text = f"<{value}>".encode()
        elif slot.kind == DOUBLE_SLOT and _is_float(value):
            misfits.append(slot.index)
            continue
        else:
            text = f'"{escape(value)}"{slot.suffix}'.encode()
        if len(seen) >= SEEN_PER_SLOT:  # bounded: some strings (credential ids, salts) are seen once
            seen.clear()
        rendered[position] = seen[value] = text
    return frozenset(misfits) if misfits else cast(list[bytes], rendered)


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


_LABELS = [b"_:c14n%d" % i for i in range(64)]


def _label(template: _Template, rendered: list[bytes]) -> bytes | None:
    """RDFC-1.0 §4.4 when every blank node's first-degree hash is unique and no two different quads of the template
    come out the same; None otherwise (pyld decides ties, and would have merged those quads)."""
    by_hash: dict[bytes, int] = {}  # the digests' bytes sort as their hex texts do
    for node, text in enumerate(template.hashing):
        by_hash[hashlib.sha256(text.sorted(rendered)).digest()] = node
    if len(by_hash) < len(template.hashing):
        return None
    pool = rendered + [b""] * len(by_hash)
    first = len(rendered)
    for i, (_, node) in enumerate(sorted(by_hash.items())):
        pool[first + node] = _LABELS[i] if i < len(_LABELS) else b"_:c14n%d" % i
    if not template.twins:
        return template.output.sorted(pool)
    lines = template.output.lines(pool)
    if len(set(lines)) < template.distinct:  # two different lines came out equal, which pyld would have merged
        return None
    lines.sort()
    return b"".join(lines)

"""What a document may cost: hard limits on its shape, checked before JSON-LD processing sees it, and a work
budget for RDFC-1.0's blank node labelling (issue 11: a 2.7 KB credential kept a CPU busy for a minute).

Why these kinds of limit:
- pyld keeps a node's values for one property without duplicates by comparing each new value with every
  value already there, so one property holding n values costs n²/2 comparisons (10,000 tags: 95 s). An array
  is limited, and so are the values one node gets for one property across every object naming that node
  (by id, an inline alias of @id, @nest, or several terms of an inline context for one IRI).
- pyld processes each object with its type-scoped contexts (about 0.5 ms an OB 3.0 Alignment), and each
  @context entry it meets afresh (up to 7 ms for the VC 2.0 context), so objects and contexts are limited;
  the number of values and the nesting depth bound the rest of the walk.
- RDFC-1.0 §4.8 Hash N-Degree Quads tries every permutation of blank nodes whose hashes tie, recursively: a
  few blank nodes all linking to each other (a "poison graph") cost factorially. Its work is counted (quads
  visited and permutations to try) and refused past a budget; so are datasets of many quads or blank nodes.

A credential we issue has about 45 JSON values, 10 objects, 2 contexts, 5 blank nodes and 31 quads; tags
and alignments come in the tens (the course API takes 30 of each). CREDENTIAL allows 3 to 20 times that and
keeps one verification of a new shape under about 50 ms of CPU (bench/bench_hostile.py); DOCUMENT is what the
canonicalizer takes at all (a presentation the wallet signs holds many credentials, each within CREDENTIAL).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pyld.canon import URDNA2015

from badges.errors import InvalidInput

MAX_QUADS = 10_000
MAX_BLANK_NODES = 1_000
LABELLING_BUDGET = 1_000  # quads visited + permutations to try in Hash N-Degree Quads (~20 µs each)
LABELLING_PER_QUAD = 1  # ... plus this much for each quad of the dataset (see labelling_budget)


@dataclass(frozen=True, slots=True)
class Limits:
    """The most a document may hold."""

    depth: int  # nesting of objects and arrays
    array: int  # entries of one array, and values of one property of one node over all the objects naming it
    objects: int  # JSON objects: each is a node or value processed with its contexts
    values: int  # JSON values of every kind
    contexts: int  # @context entries (URLs or objects) anywhere: pyld processes each one it meets afresh
    context_list: int = 1_000  # entries of one @context: each re-applies its terms over the ones before (dearer)


# 12 contexts: a credential's 3 and 3 embedded endorsements' 3 each; at most 4 in one list (12 copies of the VC
# context in one list cost 150 ms, in 4 embedded lists 40 ms)
CREDENTIAL = Limits(depth=32, array=100, objects=80, values=1_000, contexts=12, context_list=4)
DOCUMENT = Limits(depth=32, array=1_000, objects=5_000, values=20_000, contexts=1_000)


class TooComplex(InvalidInput):
    """The document is over a limit that bounds the work of processing it."""


def check_shape(doc: Any, limits: Limits = CREDENTIAL, *, code: str = "jsonld.too_complex") -> None:
    """Return if `doc` is within `limits`; raises TooComplex (with `code`) naming the limit and where."""
    try:
        _Walk(limits).run(doc)
    except _Over as over:
        raise TooComplex(code, over.detail, path=_pointer_to(doc, over.node)) from None


def fits_surely(text: bytes | str, doc: Any, limits: Limits = CREDENTIAL) -> bool:
    """Whether `doc`, read from the JSON `text`, is too small to pass any of `limits`: each object or array opens
    with a bracket and each entry after a container's first needs a comma, so brackets bound depth and objects,
    brackets and commas together bound every array, every node's values and all values (brackets or commas
    inside strings only make the test more cautious; a \\u escape could hide an "@context" key, so text holding
    one is walked). Every credential verified is checked, and this lets a typical one skip the walk."""
    b = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    containers = b.count(b"{") + b.count(b"[")
    entries = containers + b.count(b",")
    if b"\\u" in b or containers > min(limits.depth, limits.objects) or entries > min(limits.array, limits.values):
        return False
    contexts = b.count(b'"@context"')
    if contexts == 0:
        return True
    context = doc.get("@context") if contexts == 1 and isinstance(doc, dict) else None
    return context is not None and (len(context) if isinstance(context, list) else 1) <= min(limits.contexts,
                                                                                              limits.context_list)


class _Over(Exception):
    """A limit passed at `node` (a dict or list of the document)."""

    def __init__(self, detail: str, node: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.node = node


class _Walk:
    """check_shape's walk, a loop over a stack with every count kept as it goes: every credential verified goes
    through it, so the documents that pass must cost little (the path of a refusal is found afterwards)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.objects = self.contexts = 0
        self.terms: dict[str, str] = {}  # what the document's own (inline) contexts define: term -> IRI or keyword
        self.id_keys: tuple[str, ...] = ("id", "@id")  # and the terms aliasing @id
        self.nest_keys: tuple[str, ...] = ("@nest",)  # and the terms aliasing @nest
        self.first: dict[str, dict[str, Any]] = {}  # the first object naming each node
        self.merged: dict[str, Counter[str]] = {}  # values per property of nodes named by several objects

    def run(self, doc: Any) -> None:
        """Count every dict and list of `doc`; each entry on the stack carries the node an @nest object adds to."""
        max_depth, max_array, max_values = self.limits.depth, self.limits.array, self.limits.values
        values = 0
        stack: list[tuple[Any, int, str | None]] = [(doc, 1, None)] if type(doc) in (dict, list) else []
        while stack:
            node, depth, joins = stack.pop()
            if depth > max_depth:
                raise _Over(f"The document nests objects and arrays more than {max_depth} deep.", node)
            if type(node) is list and len(node) > max_array:
                raise _Over(f"An array holds {len(node):,} entries; the limit is {max_array:,}.", node)
            values += len(node)
            if values > max_values:
                raise _Over(f"The document holds more than {max_values:,} values.", node)
            if type(node) is dict:
                identity = self.object(node, joins)
                nest = self.nest_keys
                for key, child in node.items():
                    if type(child) is dict or type(child) is list:
                        stack.append((child, depth + 1, identity if key in nest else None))
            else:
                for child in node:
                    if type(child) is dict or type(child) is list:
                        stack.append((child, depth + 1, joins))

    def object(self, node: dict[str, Any], joins: str | None) -> str | None:
        """Count an object; the node it adds values to, when another object may add to the same node."""
        self.objects += 1
        if self.objects > self.limits.objects:
            raise _Over(f"The document holds more than {self.limits.objects:,} objects.", node)
        if "@context" in node:
            context = node["@context"]
            self.contexts += len(context) if type(context) is list else 1
            if type(context) is list and len(context) > self.limits.context_list:
                raise _Over(f"One @context lists more than {self.limits.context_list:,} contexts.", node)
            if self.contexts > self.limits.contexts:
                raise _Over(f"The document names more than {self.limits.contexts:,} contexts.", node)
            self.learn_terms(context)
        identity = joins
        for key in self.id_keys:
            if type(node.get(key)) is str:
                identity = node[key]
                break
        if identity is None and (self.terms or "@nest" in node):  # (@nest has aliases only if terms has entries)
            identity = f"_:object{id(node)}"  # its own terms may spell one property several ways
        if identity is not None:
            self.merge(identity, node)
        return identity

    def learn_terms(self, context: Any) -> None:
        """Note the terms an inline context defines (a URL names a bundled context, whose terms are known)."""
        terms = _inline_terms(context)
        if terms:
            self.terms.update(terms)
            self.id_keys = ("id", "@id", *(t for t, iri in self.terms.items() if iri == "@id"))
            self.nest_keys = ("@nest", *(t for t, iri in self.terms.items() if iri == "@nest"))

    def merge(self, identity: str, node: dict[str, Any]) -> None:
        """Objects naming one node merge into it (pyld then compares each of its values for a property with
        every other): the values they give it for a property are limited as one array's entries are."""
        first = self.first.setdefault(identity, node)
        if first is node and not self.terms:  # one object: each property is one array, already limited
            return
        counts = self.merged.get(identity)
        if counts is None:
            counts = self.merged[identity] = Counter()
            if first is not node:
                self.add_counts(counts, first)
        self.add_counts(counts, node)
        key, most = max(counts.items(), key=lambda item: item[1], default=("", 0))
        if most > self.limits.array:
            raise _Over(f"The node {identity[:80]!r} gets {most:,} values for {key[:80]!r} across the objects "
                        f"naming it; the limit is {self.limits.array:,}.", node)


    def add_counts(self, counts: Counter[str], node: dict[str, Any]) -> None:
        """Add the object's values per property, its own terms and compact IRIs counted as what they expand to."""
        for key, value in node.items():
            counts[self.expand(key) if self.terms else key] += len(value) if type(value) is list else 1

    def expand(self, key: str) -> str:
        if key in self.terms:
            return self.terms[key]
        prefix, colon, suffix = key.partition(":")
        return self.terms[prefix] + suffix if colon and prefix in self.terms else key


def _inline_terms(context: Any) -> dict[str, str]:
    """What an inline context (and every context inside it) defines: term -> IRI or keyword."""
    found: dict[str, str] = {}
    stack = [context]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for term, definition in item.items():
                iri = definition if isinstance(definition, str) else \
                    definition.get("@id") if isinstance(definition, dict) else None
                if isinstance(iri, str) and not term.startswith("@"):
                    found[term] = iri
                if isinstance(definition, (dict, list)):
                    stack.append(definition)
    return found


def _pointer_to(doc: Any, target: Any) -> str:
    """The JSON pointer of `target` (a dict or list found in `doc` by identity)."""
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        items = node.items() if type(node) is dict else enumerate(node)
        stack.extend((child, f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}") for key, child in items
                     if type(child) is dict or type(child) is list)
    return ""


def check_dataset(dataset: dict[str, list[Any]], *, code: str = "jsonld.too_complex") -> None:
    """Return if the RDF dataset pyld made has at most MAX_QUADS quads and MAX_BLANK_NODES blank nodes."""
    quads = sum(len(triples) for triples in dataset.values())
    if quads > MAX_QUADS:
        raise TooComplex(code, f"The document makes {quads:,} statements; the limit is {MAX_QUADS:,}.")
    blank = {term["value"] for triples in dataset.values() for t in triples for term in (t["subject"], t["object"])
             if isinstance(term, dict) and term["type"] == "blank node"} | {g for g in dataset if g.startswith("_:")}
    if len(blank) > MAX_BLANK_NODES:
        raise TooComplex(code, f"The document has {len(blank):,} blank nodes; the limit is {MAX_BLANK_NODES:,}.")


def labelling_budget(dataset: dict[str, list[Any]]) -> int:
    """The labelling budget of a dataset: LABELLING_BUDGET, plus LABELLING_PER_QUAD a quad. Identical subgraphs
    are honest in documents that hold many credentials (every badge of a Digital Leaders Club member embeds the
    same endorsement, whose blank nodes then tie with its copies'), and labelling them costs about 24 steps a
    badge of about 70 quads (480 for a CLR of 20 such badges, 1,152 for 48); a poison graph costs factorially in a
    few nodes, so a budget growing linearly with the document (at most 11,000 steps at MAX_QUADS) still stops it."""
    return LABELLING_BUDGET + LABELLING_PER_QUAD * sum(len(triples) for triples in dataset.values())


class BoundedURDNA2015(URDNA2015):
    """pyld's RDFC-1.0 (URDNA2015) that counts the work of Hash N-Degree Quads and raises TooComplex past
    `budget` units, before trying the permutations it would cost."""

    def __init__(self, budget: int = LABELLING_BUDGET) -> None:
        super().__init__()
        self.budget = budget
        self.spent = 0

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        """RDFC-1.0 §4.8.2 steps 1-3, charged: this node's quads, and every permutation step 5.4 may try."""
        related = super().create_hash_to_related(id_, issuer)
        self.spent += len(self.blank_node_info[id_]["quads"]) + sum(
            arrangements(nodes, cap=self.budget) for nodes in related.values())
        if self.spent > self.budget:
            raise TooComplex("jsonld.too_complex", "The document's blank nodes are so alike that labelling them "
                             f"(RDFC-1.0 Hash N-Degree Quads) would take more than {self.budget:,} steps.")
        return related


def arrangements(nodes: list[str], *, cap: int) -> int:
    """How many permutations of `nodes` RDFC-1.0 §4.8.2 step 5.4 tries at most: the distinct orders (n! over the
    factorials of each node's repeats), or cap + 1 once over `cap`. A blank node named in several quads of one
    node is listed once per quad (a proof node is related to its proof graph six times): pyld's permuter
    (Steinhaus-Johnson-Trotter over the sorted list, moving an entry only past a smaller one) never yields an
    order twice, so six repeats of one node are one order, not 6! = 720."""
    total, seen = 1, 0
    for repeats in Counter(nodes).values():
        seen += repeats
        total *= math.comb(seen, repeats)
        if total > cap:
            return cap + 1
    return total

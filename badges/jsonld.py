"""JSON-LD over pyld with a fail-closed loader: only the bundled contexts, never the network."""
from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pyld import jsonld, nquads
from pyld.context_resolver import ContextResolver

import schemas
from badges import bounds, rdfc
from badges.errors import InvalidInput
from badges.rdfc import Canonicalizer

# pyld writes a literal's control characters as they are, where RDFC-1.0 (and the JavaScript reference) escape
# them, so a name holding one would hash differently here and there. Both of pyld's N-Quads writers (the output
# and the blank-node hashes) look `escape` up in pyld.nquads when they run: give them RDFC-1.0's.
nquads.escape = rdfc.escape

JsonObject = dict[str, Any]


class BundledLoader:
    """pyld document loader serving bundled contexts (plus `extra` ones a caller supplies), with its own
    context cache and canonicalizer (pyld's module-wide cache would let loaders see each other's contexts)."""

    def __init__(self, extra: Mapping[str, JsonObject] | None = None) -> None:
        self._extra = dict(extra or {})
        self.resolver = ContextResolver({}, self)
        self.canonicalize = Canonicalizer(to_rdf=self._to_rdf, slow=self._slow_canonicalize,
                                          terms=defined_terms([*schemas.CONTEXT_FILES, *self._extra], self))

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        if url in self._extra:
            document = self._extra[url]
        else:
            try:
                document = schemas.context(url)
            except KeyError:
                raise jsonld.JsonLdError(
                    f"The context {url} is not one this service bundles; it is never fetched.",
                    "jsonld.LoadDocumentError", {"url": url},
                    code="loading document failed") from None
        # pyld may annotate what it is handed; give it a copy so the cache stays pristine. The "static" tag
        # lets this loader's ContextResolver keep the processed context between documents.
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document), "tag": "static"}

    def serves(self, url: str) -> bool:
        """Whether `url` is a context this loader serves (bundled, or one of its `extra` ones)."""
        return url in self._extra or url in schemas.CONTEXT_FILES

    def _options(self) -> dict[str, Any]:
        return {"documentLoader": self, "contextResolver": self.resolver}

    def _to_rdf(self, doc: JsonObject) -> dict[str, Any]:
        """pyld's RDF dataset of `doc`; TooComplex before pyld starts on a document over bounds.DOCUMENT, or
        for a dataset over the limits of quads and blank nodes (badges.bounds)."""
        bounds.check_shape(doc, bounds.DOCUMENT)
        with _pyld_failures():
            dataset = SafeProcessor().to_rdf(doc, self._options())
        bounds.check_dataset(dataset)
        return dataset

    def _slow_canonicalize(self, doc: JsonObject) -> str:
        """pyld's normalize (URDNA2015, N-Quads), as its steps: the dataset, then labelling under a work budget."""
        dataset = self._to_rdf(doc)
        with _pyld_failures():
            return bounds.BoundedURDNA2015(bounds.labelling_budget(dataset)).main(
                dataset, {"format": "application/n-quads"})


@contextmanager
def _pyld_failures() -> Iterator[None]:
    """pyld crashes on some hostile documents (e.g. a list holding a node with an invalid id) with
    TypeError and friends; report those as the JsonLdError they should have been."""
    try:
        yield
    except (TypeError, KeyError, AttributeError, ValueError, IndexError, RecursionError) as e:
        raise jsonld.JsonLdError(f"The document cannot be processed as JSON-LD ({type(e).__name__}).",
                                 "jsonld.ProcessingError") from e


def defined_terms(urls: list[str], loader: BundledLoader) -> frozenset[str]:
    """Every term the contexts at `urls` define, scoped ones included (see badges.rdfc)."""
    return frozenset().union(*(rdfc.context_terms(loader(url)["document"]) for url in urls))


BUNDLED = BundledLoader()


# pyld keeps module-wide caches (processed contexts, pyld.resolved_context) that two threads must not use at once,
# and badges.rdfc's shapes learn as they go: a cohort job's thread and a request in one process would race (seen as
# "OrderedDict mutated during iteration" and wrong output). One canonicalization at a time per process; the GIL
# runs this pure-Python work one thread at a time anyway.
_ONE_AT_A_TIME = threading.RLock()


def canonicalize(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> str:
    """RDFC-1.0 canonical N-Quads of `doc`; JsonLdError for unknown contexts, bad JSON-LD, or a property
    no context defines (it would silently fall out of what is signed: the reference's "safe mode"),
    bounds.TooComplex for a document whose processing would cost more than badges.bounds allows.
    Fast for documents whose shape was seen before (badges.rdfc), identical to pyld's output always."""
    with _ONE_AT_A_TIME:
        return loader.canonicalize(doc)


def canonical_nquads(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> bytes:
    """canonicalize(doc) as UTF-8, what a proof hashes (made as bytes: no text to encode);
    UnicodeEncodeError for a document holding text that is not Unicode (a lone surrogate)."""
    with _ONE_AT_A_TIME:
        return loader.canonicalize.encoded(doc)


def _refuse_dropped(term: str | None) -> None:
    raise jsonld.JsonLdError(f"The property {term!r} is not defined by the document's contexts, so it "
                             "could not be signed or checked.", "jsonld.SafeModeError")


class SafeProcessor(jsonld.JsonLdProcessor):
    """pyld's processor in the reference's safe mode, for expansion and for RDF: a property no context defines,
    and a statement pyld would leave out of the RDF dataset, are refused with a JsonLdError naming the value.

    pyld's to_rdf silently skips every statement whose subject, predicate, object or graph is not an absolute IRI
    by its test (`^([A-Za-z][A-Za-z0-9+-.]*|_):[^\\s]*$`: an evidence id holding a space has none), and statements
    with a blank node as predicate. Such a statement is not in the canonical N-Quads, so no proof covers it: it
    could be changed after signing and the credential would still verify. The JavaScript reference (jsonld.js
    safe mode: "relative subject/predicate/object/graph reference", "blank node predicate") refuses the same
    documents. It also refuses an IRI holding a character N-Quads' IRIREF may not hold (rdfc.IRI_ESCAPED: controls,
    space, < > " { } | ^ ` and backslash), which pyld would write as it is, making lines that are not N-Quads and
    that RDFC-1.0 writes otherwise. badges.rdfc only fills a template with IRIs that pass both tests and leaves any
    other document to pyld, so the fast path and pyld refuse the same documents, here.

    pyld has no hook at those skip points, so this overrides the private methods that hold them
    (`_create_node_map`, `_graph_to_rdf`, `_object_to_rdf`) as they are in pyld 3.3: pyproject pins pyld to 3.3.x,
    and tests/badges/test_jsonld.py fails if a skip point moves.
    """

    def __init__(self) -> None:
        super().__init__(on_property_dropped=_refuse_dropped)

    def _create_node_map(self, input_: Any, graph_map: Any, active_graph: str, *args: Any, **kwargs: Any) -> None:
        if active_graph != "@default":
            _require_iri(active_graph, "graph name")
        super()._create_node_map(input_, graph_map, active_graph, *args, **kwargs)

    def _graph_to_rdf(self, graph: dict[str, Any], issuer: Any, options: Any) -> list[Any]:
        for subject, node in graph.items():
            for prop, items in node.items():
                if not items or (prop != "@type" and jsonld._is_keyword(prop)):
                    continue  # pyld makes no statement of these
                _require_iri(subject, "subject")
                if prop != "@type":
                    if prop.startswith("_:"):  # named as the document names it, not as pyld relabelled it
                        given = next((old for old, new in issuer.existing.items() if new == prop), prop)
                        raise jsonld.JsonLdError(f"The property {given!r} is a blank node, which RDF cannot use as "
                                                 "a property, so it could not be signed or checked.",
                                                 "jsonld.SafeModeError")
                    _require_iri(prop, "property")
        return super()._graph_to_rdf(graph, issuer, options)

    def _object_to_rdf(self, item: Any, issuer: Any, triples: Any, options: Any) -> dict[str, Any] | None:
        term = super()._object_to_rdf(item, issuer, triples, options)
        if term is None:  # pyld's answer for an IRI that is not absolute
            _require_iri(item["@id"] if isinstance(item, dict) else item, "value")
        elif term["type"] == "IRI":
            _require_iri(term["value"], "value")
        elif term["type"] == "literal" and "datatype" in term:
            _require_iri(term["datatype"], "datatype")
        return term


def _require_iri(value: str, role: str) -> None:
    """JsonLdError unless `value` is a blank node label or an absolute IRI that pyld keeps and N-Quads can hold."""
    if value.startswith("_:") and jsonld._is_absolute_iri(value):
        return
    if not jsonld._is_absolute_iri(value) or rdfc.IRI_ESCAPED.search(value):
        raise jsonld.JsonLdError(
            f"The {role} {value!r} is not an absolute IRI: it needs a scheme (such as https:) and may not hold "
            "spaces, control characters or any of <>\"{}|^`\\, so the statements using it could not be signed "
            "or checked.",
            "jsonld.SafeModeError", {"iri": value})


def error_message(error: jsonld.JsonLdError) -> str:
    """The innermost message of a chain of pyld errors (pyld wraps the cause in generic ones)."""
    while isinstance(error.__cause__, jsonld.JsonLdError):
        error = error.__cause__
    return str(error.args[0])


def context_urls(doc: JsonObject) -> list[str]:
    """The string entries of the document's top-level `@context`, in order."""
    ctx = doc.get("@context")
    entries = ctx if isinstance(ctx, list) else [ctx]
    return [c for c in entries if isinstance(c, str)]


def require_bundled(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> None:
    """Raise InvalidInput naming the first `@context` URL that is not bundled."""
    ctx = doc.get("@context")
    for i, url in enumerate(ctx if isinstance(ctx, list) else [ctx]):
        if isinstance(url, str) and not loader.serves(url):
            # the pointer indexes the document's own array (inline contexts included), or names a lone string
            raise InvalidInput("context.unknown", f"The context {url} is not supported; "
                               "use the VC 2.0 and Open Badges 3.0 contexts.",
                               path=f"/@context/{i}" if isinstance(ctx, list) else "/@context")
